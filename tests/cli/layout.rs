//! The source tree's rules (docs/ARCHITECTURE.md), read from the sources:
//! which layer may import which, no import loops between files, and no
//! printing outside the command line.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A layer (top folder of `src/`) and the layers it must not import.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "format",
        &["random", "photo", "site", "shoot", "build", "deliver"],
    ),
    ("random", &["photo", "site", "shoot", "build", "deliver"]),
    ("photo", &["random", "site", "shoot", "build", "deliver"]),
    ("site", &["photo", "shoot", "build", "deliver"]),
    ("shoot", &["site", "build", "deliver"]),
    ("build", &["deliver"]),
];

const PRINTING: &[&str] = &["println!", "eprintln!", "print!", "eprint!", "dbg!"];

/// A module path (`["site", "writer"]`).
type Module = Vec<String>;
/// Each module and the modules it imports.
type Graph = BTreeMap<Module, BTreeSet<Module>>;

/// One library source file: its module path (`site::writer`) and its code
/// without comments and without its `#[cfg(test)]` part.
struct Source {
    path: PathBuf,
    module: Vec<String>,
    code: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn library_sources() -> Vec<Source> {
    crate::util::files_under(&src())
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter_map(|path| {
            let relative = path.strip_prefix(src()).unwrap().to_owned();
            let module = module_of(&relative)?;
            let text = fs::read_to_string(&path).unwrap();
            Some(Source {
                path: relative,
                module,
                code: code_of(&text),
            })
        })
        .collect()
}

/// `site/writer.rs` → `site::writer`; `build/mod.rs` → `build`. None for
/// the command line (`main.rs`, `cli/`), `lib.rs` and in-file test modules.
fn module_of(relative: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if parts.is_empty() && (stem == "main" || stem == "lib") {
        return None;
    }
    if parts.first().is_some_and(|p| p == "cli") || stem == "tests" {
        return None;
    }
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    Some(parts)
}

/// The code before the first `#[cfg(test)]`, with `//` comments removed.
fn code_of(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or("");
    before_tests
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a file names: `crate::a::b…` and `super::b…`, resolved to
/// the longest module path that exists as a file.
fn imports(source: &Source, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent_of(source))] {
        for (at, _) in source.code.match_indices(prefix) {
            let preceded_by_ident = source.code[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if preceded_by_ident {
                continue;
            }
            let rest = &source.code[at + prefix.len()..];
            let mut path = base.clone();
            let mut best = None;
            for segment in rest.split("::") {
                let name: String = segment
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if name.is_empty() {
                    break;
                }
                path.push(name.clone());
                if modules.contains(&path) {
                    best = Some(path.clone());
                }
                if name.len() != segment.len() {
                    break;
                }
            }
            if let Some(module) = best.filter(|m| *m != source.module) {
                found.insert(module);
            }
        }
    }
    found
}

/// The module `super::` means in this file (the parent of its module,
/// for a `mod.rs` as for any other file).
fn parent_of(source: &Source) -> Vec<String> {
    let mut parent = source.module.clone();
    parent.pop();
    parent
}

fn import_graph() -> (Vec<Source>, Graph) {
    let sources = library_sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let graph = sources
        .iter()
        .map(|s| (s.module.clone(), imports(s, &modules)))
        .collect();
    (sources, graph)
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let (_, graph) = import_graph();
    let mut broken = Vec::new();
    for (module, imported) in &graph {
        let layer = module[0].as_str();
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(l, _)| *l == layer) else {
            continue;
        };
        for target in imported {
            if forbidden.contains(&target[0].as_str()) {
                broken.push(format!(
                    "{} imports {}",
                    module.join("::"),
                    target.join("::")
                ));
            }
        }
    }
    assert!(
        graph.len() > 40,
        "the sources were not found ({})",
        graph.len()
    );
    assert_eq!(broken, Vec::<String>::new(), "layer rules broken");
}

#[test]
fn no_two_files_import_each_other_even_through_others() {
    let (_, graph) = import_graph();
    let mut loops = Vec::new();
    for start in graph.keys() {
        if let Some(path) = path_back(&graph, start) {
            loops.push(
                path.iter()
                    .map(|m| m.join("::"))
                    .collect::<Vec<_>>()
                    .join(" → "),
            );
        }
    }
    assert_eq!(loops, Vec::<String>::new(), "import loops");
}

/// A chain of imports from `start` that leads back to `start`, if any.
fn path_back(graph: &Graph, start: &Module) -> Option<Vec<Module>> {
    let mut stack = vec![vec![start.clone()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == start {
                let mut whole = path.clone();
                whole.push(next.clone());
                return Some(whole);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn only_the_command_line_prints() {
    let printing: Vec<String> = library_sources()
        .iter()
        .flat_map(|source| {
            PRINTING
                .iter()
                .filter(|mac| {
                    source.code.match_indices(*mac).any(|(at, _)| {
                        !source.code[..at]
                            .chars()
                            .last()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                })
                .map(|mac| format!("{} uses {mac}", source.path.display()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(printing, Vec::<String>::new());
}

#[test]
fn the_rules_catch_a_forbidden_import_and_a_loop() {
    let modules: BTreeSet<Vec<String>> =
        [vec!["photo".into()], vec!["site".into(), "writer".into()]]
            .into_iter()
            .collect();
    let photo = Source {
        path: "photo/mod.rs".into(),
        module: vec!["photo".into()],
        code: "use crate::site::writer::SiteWriter;".into(),
    };
    assert_eq!(
        imports(&photo, &modules),
        [vec!["site".to_owned(), "writer".to_owned()]]
            .into_iter()
            .collect()
    );
    let graph = BTreeMap::from([
        (vec!["a".to_owned()], BTreeSet::from([vec!["b".to_owned()]])),
        (vec!["b".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
    ]);
    assert!(path_back(&graph, &vec!["a".to_owned()]).is_some());
}
