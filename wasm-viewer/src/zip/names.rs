//! Entry names: every name the archive holds is made safe for unzip tools
//! on Linux, macOS and Windows ([`entry_name`], `safe_path`), then numbered
//! if it would clash on extraction with an earlier entry ([`Names`]).

use std::collections::{HashMap, HashSet};

/// Longest album or file name part, in UTF-8 bytes. ext4 and APFS allow 255
/// per name, but Windows Explorer still stops at MAX_PATH (260 UTF-16 units)
/// for the whole path: two parts of 100 leave room for the folder the client
/// extracts into and a " (n)" suffix.
pub(super) const MAX_PART_BYTES: usize = 100;
/// An extension longer than this is not kept when a part is shortened.
const MAX_EXTENSION_BYTES: usize = 16;
/// Deepest path `local_header` keeps (the viewer uses two: album and file);
/// bounds names far below the 16-bit name length field.
const MAX_DEPTH: usize = 8;

/// "Album/IMG_0101.jpg" made safe for every unzip tool: no absolute paths,
/// no "..", no backslashes or control characters, no empty parts,
/// Windows-reserved characters and names defused, length bounded. `album`
/// may be any untrusted string; one that sanitises to nothing (such as "")
/// puts the file at the top of the archive, as for the main album.
pub fn entry_name(album: &str, file: &str) -> String {
    let file = non_empty(safe_part(file));
    match safe_part(album) {
        album if album.is_empty() => file,
        album => format!("{album}/{file}"),
    }
}

/// A `/`- or `\`-separated path, each part made safe, empty parts dropped,
/// and at most `MAX_DEPTH` parts (the leading folders and the file name).
/// `entry_name`'s output passes unchanged.
pub(super) fn safe_path(path: &str) -> String {
    let mut parts: Vec<String> = path
        .split(['/', '\\'])
        .map(safe_part)
        .filter(|part| !part.is_empty())
        .collect();
    if parts.len() > MAX_DEPTH {
        parts.drain(MAX_DEPTH - 1..parts.len() - 1);
    }
    non_empty(parts.join("/"))
}

fn non_empty(name: String) -> String {
    if name.is_empty() {
        "_".to_owned()
    } else {
        name
    }
}

/// One path part, or "" if nothing is left. Idempotent, so a name that is
/// sanitised twice (by `entry_name`, then `local_header`) stays the same.
fn safe_part(raw: &str) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| if is_unsafe_char(c) { '_' } else { c })
        .collect();
    let part = fit(trim(&replaced));
    if is_windows_reserved(&part) {
        // A leading '_' keeps the part non-empty and never reserved again.
        return fit(&format!("_{part}"));
    }
    part
}

/// Separators; characters Windows forbids in names (':' would also open an
/// NTFS alternate data stream); control characters, which terminals and
/// unzip listings interpret; and bidirectional controls, which can make
/// "IMG\u{202E}gpj.exe" display as "IMGexe.jpg".
pub(super) fn is_unsafe_char(c: char) -> bool {
    const BIDI: [char; 12] = [
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    ];
    c.is_control() || "/\\<>:\"|?*".contains(c) || BIDI.contains(&c)
}

/// Leading dots hide files on Unix (and ".." climbs); Windows drops trailing
/// dots and spaces, so "a." and "a" would collide there.
pub(super) fn trim(part: &str) -> &str {
    part.trim_matches(|c: char| c == '.' || c.is_whitespace())
}

/// `part` cut to `MAX_PART_BYTES` on a character boundary, keeping a short
/// extension so the file still opens in the right application.
fn fit(part: &str) -> String {
    if part.len() <= MAX_PART_BYTES {
        return trim(part).to_owned();
    }
    let extension = match part.rfind('.') {
        Some(dot) if dot > 0 && part.len() - dot <= MAX_EXTENSION_BYTES => &part[dot..],
        _ => "",
    };
    let stem = &part[..part.len() - extension.len()];
    let mut end = MAX_PART_BYTES - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    trim(&format!("{}{extension}", trim(&stem[..end]))).to_owned()
}

/// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with superscript digits),
/// CONIN$ and CONOUT$ name devices on Windows, with any extension.
pub(super) fn is_windows_reserved(part: &str) -> bool {
    let stem = part
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_uppercase();
    let numbered = stem
        .strip_prefix("COM")
        .or_else(|| stem.strip_prefix("LPT"));
    matches!(
        stem.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || numbered.is_some_and(|n| {
        n.chars().count() == 1 && n.chars().all(|c| c.is_ascii_digit() || "¹²³".contains(c))
    })
}

/// Names already in the archive, compared as a case-insensitive file system
/// (Windows, macOS) would: a clash there means an overwritten photo or a
/// failed extraction.
#[derive(Debug, Default)]
pub(super) struct Names {
    files: HashSet<String>,
    folders: HashSet<String>,
    /// The next " (n)" to try for a clashing prefix, so that many copies of
    /// one name cost one look-up each instead of a scan from 2.
    next_number: HashMap<String, u64>,
}

impl Names {
    /// `path` itself, or numbered ("IMG_1 (2).jpg") until it clashes with
    /// nothing.
    pub(super) fn claim(&mut self, mut path: String) -> String {
        while let Some(end) = self.clash(&path) {
            path = self.renumber(&path, end);
        }
        for (slash, _) in path.match_indices('/') {
            self.folders.insert(key(&path[..slash]));
        }
        self.files.insert(key(&path));
        path
    }

    /// The end of the first part of `path` that clashes: a folder that is
    /// already a file, or the whole path that is already a file or folder.
    fn clash(&self, path: &str) -> Option<usize> {
        let folder = path
            .match_indices('/')
            .map(|(slash, _)| slash)
            .find(|&slash| self.files.contains(&key(&path[..slash])));
        folder.or_else(|| {
            let whole = key(path);
            (self.files.contains(&whole) || self.folders.contains(&whole)).then_some(path.len())
        })
    }

    /// `path` with the part ending at `end` numbered so that it, and all
    /// before it, no longer clash. A renamed folder keeps its number (no
    /// file can take a folder's name later), so an album stays together.
    fn renumber(&mut self, path: &str, end: usize) -> String {
        let is_file = end == path.len();
        // A folder's key keeps its '/', apart from a file of the same name.
        let base = key(&path[..if is_file { end } else { end + 1 }]);
        let mut number = self.next_number.get(&base).copied().unwrap_or(2);
        loop {
            let candidate = numbered(path, end, number);
            let candidate_end = candidate.len() - (path.len() - end);
            if self.clash(&candidate) != Some(candidate_end) {
                let next = number.saturating_add(u64::from(is_file));
                self.next_number.insert(base, next);
                return candidate;
            }
            number = number.saturating_add(1);
        }
    }
}

pub(super) fn key(path: &str) -> String {
    path.to_lowercase()
}

/// `path` with " (number)" added to the part ending at `end`, before the
/// extension if that part is the file name.
fn numbered(path: &str, end: usize, number: u64) -> String {
    let start = path[..end].rfind('/').map_or(0, |slash| slash + 1);
    let part = &path[start..end];
    let dot = part.rfind('.').filter(|&dot| dot > 0 && end == path.len());
    let (stem, extension) = part.split_at(dot.unwrap_or(part.len()));
    format!(
        "{}{stem} ({number}){extension}{}",
        &path[..start],
        &path[end..]
    )
}
