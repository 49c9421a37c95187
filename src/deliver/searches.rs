//! Search strings that find a client's chosen photos in the photographer's
//! own software: paste one into the app's search field and it shows those
//! files.
//!
//! | app | where to paste | string |
//! | --- | --- | --- |
//! | Lightroom Classic | Library, Filter bar, Text, `Filename`, `Contains` | `a.jpg, b.jpg` |
//! | Capture One | Library tool tab, Filters tool, search field | `a.jpg b.jpg` |
//! | macOS Finder | a Finder window's search field (Spotlight) | `name:"a.jpg" OR name:"b.jpg"` |
//! | Windows Explorer | the search box of a File Explorer window | `filename:("a.jpg" OR "b.jpg")` |
//!
//! Lightroom's `Contains` and Capture One's search match any of the words
//! given, so a list separated by commas or spaces finds every name; a name
//! with a space or a comma in it is read as two words there and may find
//! more photos than were chosen ([`Search::loose`] lists them). Finder and
//! Explorer take a quoted name with `OR` (in capitals) between names;
//! neither documents how long its search field may be, so their strings are
//! cut into lines of at most [`FIELD_CHARS`] characters, one search each.

/// The apps lightproof writes search strings for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum App {
    Lightroom,
    CaptureOne,
    Finder,
    Explorer,
}

/// Longest Finder or Explorer string: 40 to 50 camera names, short enough
/// for any search field seen in practice.
pub const FIELD_CHARS: usize = 1000;

impl App {
    /// Every app, in the order `--for all` prints them.
    pub const ALL: [App; 4] = [App::Lightroom, App::CaptureOne, App::Finder, App::Explorer];
    /// The names `--for` takes.
    pub const NAMES: [&'static str; 4] = ["lightroom", "capture-one", "finder", "explorer"];

    pub fn from_name(name: &str) -> Option<App> {
        Self::NAMES
            .iter()
            .position(|known| *known == name)
            .map(|index| Self::ALL[index])
    }

    /// Where the photographer pastes the string.
    pub fn where_to_paste(self) -> &'static str {
        match self {
            App::Lightroom => {
                "Lightroom Classic: Library, Filter bar (\\), Text, Filename, Contains"
            }
            App::CaptureOne => "Capture One: Library tool tab, Filters tool, search field",
            App::Finder => {
                "macOS Finder: the search field of a Finder window (This Mac or the shoot folder)"
            }
            App::Explorer => "Windows File Explorer: the search box of the shoot folder's window",
        }
    }
}

/// The strings for one app: usually one line; Finder and Explorer get
/// several for long lists.
#[derive(Debug, PartialEq, Eq)]
pub struct Search {
    pub app: App,
    pub lines: Vec<String>,
    /// Names this app's string cannot match exactly (a space or comma for
    /// Lightroom and Capture One, a double quote for Finder and Explorer).
    pub loose: Vec<String>,
}

/// The search strings for `app` that find `names` (file names as the
/// client saw them, already made printable).
pub fn search(app: App, names: &[String]) -> Search {
    let (lines, loose) = match app {
        App::Lightroom => (vec![names.join(", ")], words_with(names, &[' ', ','])),
        App::CaptureOne => (vec![names.join(" ")], words_with(names, &[' ', ','])),
        App::Finder => (
            in_fields(names, |name| format!("name:\"{name}\""), " OR ", ("", "")),
            words_with(names, &['"']),
        ),
        App::Explorer => (
            in_fields(
                names,
                |name| format!("\"{name}\""),
                " OR ",
                ("filename:(", ")"),
            ),
            words_with(names, &['"']),
        ),
    };
    Search { app, lines, loose }
}

fn words_with(names: &[String], separators: &[char]) -> Vec<String> {
    names
        .iter()
        .filter(|name| name.contains(separators))
        .cloned()
        .collect()
}

/// `names` as terms joined by `or`, wrapped in `open`/`close`, in as few
/// lines of at most [`FIELD_CHARS`] characters as it takes (a single term
/// longer than that still gets a line of its own).
fn in_fields(
    names: &[String],
    term: impl Fn(&str) -> String,
    or: &str,
    (open, close): (&str, &str),
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut terms: Vec<String> = Vec::new();
    let mut length = open.len() + close.len();
    for name in names {
        let term = term(&name.replace('"', ""));
        if !terms.is_empty() && length + or.len() + term.chars().count() > FIELD_CHARS {
            lines.push(format!("{open}{}{close}", terms.join(or)));
            terms.clear();
            length = open.len() + close.len();
        }
        length += term.chars().count() + if terms.is_empty() { 0 } else { or.len() };
        terms.push(term);
    }
    if !terms.is_empty() {
        lines.push(format!("{open}{}{close}", terms.join(or)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("IMG_{i:04}.jpg")).collect()
    }

    #[test]
    fn each_app_gets_its_own_syntax() {
        let two = vec!["IMG_0201.jpg".to_owned(), "DSC 0001.jpg".to_owned()];
        let line = |app| search(app, &two).lines.join("\n");
        assert_eq!(line(App::Lightroom), "IMG_0201.jpg, DSC 0001.jpg");
        assert_eq!(line(App::CaptureOne), "IMG_0201.jpg DSC 0001.jpg");
        assert_eq!(
            line(App::Finder),
            "name:\"IMG_0201.jpg\" OR name:\"DSC 0001.jpg\""
        );
        assert_eq!(
            line(App::Explorer),
            "filename:(\"IMG_0201.jpg\" OR \"DSC 0001.jpg\")"
        );
        assert_eq!(search(App::Lightroom, &two).loose, vec!["DSC 0001.jpg"]);
        assert!(search(App::Finder, &two).loose.is_empty());
    }

    #[test]
    fn five_hundred_names_split_for_finder_and_explorer_only() {
        let many = names(500);
        for app in [App::Finder, App::Explorer] {
            let lines = search(app, &many).lines;
            assert!(lines.len() > 1, "{app:?}");
            assert!(lines.iter().all(|l| l.chars().count() <= FIELD_CHARS));
            let found: usize = lines.iter().map(|l| l.matches(".jpg").count()).sum();
            assert_eq!(found, 500, "{app:?}: every name once");
        }
        assert!(lines_start_and_end(&search(App::Explorer, &many).lines));
        assert_eq!(search(App::Lightroom, &many).lines.len(), 1);
        assert_eq!(search(App::CaptureOne, &many).lines.len(), 1);
    }

    fn lines_start_and_end(lines: &[String]) -> bool {
        lines
            .iter()
            .all(|l| l.starts_with("filename:(\"") && l.ends_with("\")"))
    }

    #[test]
    fn names_round_trip() {
        for (i, name) in App::NAMES.iter().enumerate() {
            assert_eq!(App::from_name(name), Some(App::ALL[i]));
        }
        assert_eq!(App::from_name("bridge"), None);
    }
}
