//! The contract between `viewer.js` and this crate, read from both sources:
//! the exports the script calls are exactly the ones `src/lib.rs` defines,
//! and the status codes it knows are the module's `Status` codes. A rename
//! or a new code on one side only fails here, not in a browser.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// `viewer.js` as the site serves it: its parts, joined in name order.
fn viewer_js() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default/static/viewer");
    let mut parts: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "js"))
        .collect();
    parts.sort();
    parts
        .iter()
        .map(|path| fs::read_to_string(path).unwrap())
        .collect()
}

fn lib_rs() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap()
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} after {start:?}"));
    &text[from..from + len]
}

/// Every `lp_…` name in `text`.
fn lp_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("lp_") {
        let tail = &rest[at..];
        let len = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(tail.len());
        let starts_a_word = !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if starts_a_word {
            names.insert(tail[..len].to_string());
        }
        rest = &tail[len..];
    }
    names
}

/// The module's exports, as `src/lib.rs` defines them.
fn rust_exports() -> BTreeSet<String> {
    lib_rs()
        .lines()
        .filter_map(|line| line.split_once("extern \"C\" fn ").map(|(_, rest)| rest))
        .map(|rest| rest[..rest.find('(').unwrap()].to_string())
        .collect()
}

/// The list `viewer.js` checks the module against before using it.
fn js_exports() -> BTreeSet<String> {
    between(&viewer_js(), "const EXPORTS = [", "];")
        .split(',')
        .map(|name| name.trim().trim_matches('\'').to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// `Status` in `src/lib.rs`: code -> name.
fn rust_statuses() -> BTreeMap<u32, String> {
    between(&lib_rs(), "pub enum Status {", "}")
        .lines()
        .filter_map(|line| line.trim().trim_end_matches(',').split_once(" = "))
        .map(|(name, code)| (code.parse().unwrap(), name.to_string()))
        .collect()
}

/// The numbers that are keys of the object `const <name> = { … };`.
fn numeric_keys(js: &str, name: &str) -> BTreeSet<u32> {
    between(js, &format!("const {name} = {{"), "};")
        .split([',', '{', '\n'])
        .filter_map(|entry| entry.split_once(':'))
        .filter_map(|(key, _)| key.trim().parse().ok())
        .collect()
}

/// The codes of `lpError(<number>)` calls.
fn thrown_codes(js: &str) -> BTreeSet<u32> {
    js.split("lpError(")
        .skip(1)
        .filter_map(|rest| rest[..rest.find(')').unwrap()].parse().ok())
        .collect()
}

#[test]
fn viewer_js_calls_exactly_the_exports_of_lib_rs() {
    let rust = rust_exports();
    let js = js_exports();
    assert!(
        js.contains("memory"),
        "viewer.js must check for the module's memory"
    );
    let js_functions: BTreeSet<String> = js.iter().filter(|n| *n != "memory").cloned().collect();
    assert_eq!(
        js_functions,
        rust,
        "viewer.js's EXPORTS (left) and the `extern \"C\" fn`s of wasm-viewer/src/lib.rs (right) differ"
    );
    // Everything the script (and its Worker) calls is in the list it checks.
    let called = lp_names(&viewer_js());
    let unlisted: Vec<_> = called.difference(&js).collect();
    assert!(
        unlisted.is_empty(),
        "viewer.js calls {unlisted:?}, missing from its EXPORTS"
    );
}

#[test]
fn viewer_js_knows_the_status_codes_of_lib_rs() {
    let statuses = rust_statuses();
    assert_eq!(
        statuses.get(&0).map(String::as_str),
        Some("Ok"),
        "viewer.js takes 0 for success"
    );
    let js = viewer_js();
    let wrong_password: u32 = between(&js, "const WRONG_PASSWORD = ", ";")
        .parse()
        .unwrap();
    assert_eq!(
        statuses.get(&wrong_password).map(String::as_str),
        Some("WrongPassword")
    );
    // A message for every failure the module can report.
    let failures: BTreeSet<u32> = statuses.keys().copied().filter(|&code| code != 0).collect();
    assert_eq!(
        numeric_keys(&js, "MESSAGES"),
        failures,
        "MESSAGES (left) and Status (right)"
    );
    // No code the script uses on its own is unknown to the module.
    let used: BTreeSet<u32> = numeric_keys(&js, "DOWNLOAD_MESSAGES")
        .into_iter()
        .chain(numeric_keys(&js, "PHOTO_MESSAGES"))
        .chain(thrown_codes(&js))
        .collect();
    let unknown: Vec<_> = used.difference(&failures).collect();
    assert!(
        unknown.is_empty(),
        "viewer.js uses codes {unknown:?} that Status does not have"
    );
}
