//! The scan stage: find albums and photos in a shoot folder. Never writes.
//!
//! Photos at the top level form the main album, named "Photos" (the build
//! names it after the gallery's title when the photographer gives one); each
//! subfolder that holds photos is an album named by its path ("Ceremony /
//! Details"). Hidden files, operating-system junk, non-images and formats we
//! cannot read are skipped and listed, never silently dropped. Symlinks are
//! followed; a symlink loop is reported, not walked forever.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

pub struct Shoot {
    pub root: PathBuf,
    /// The shoot folder's name made readable ([`readable_title`]).
    pub title: String,
    pub albums: Vec<AlbumSource>,
    pub skipped: Vec<Skipped>,
}

pub struct AlbumSource {
    pub name: String,
    /// The album of the photos at the top level of the shoot.
    pub is_main: bool,
    pub photos: Vec<PathBuf>,
}

#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Hidden,
    OsJunk,
    NotAnImage,
    Unsupported(&'static str),
    Unreadable(String),
    SymlinkLoop,
    /// A backslash or a control character in the name.
    UnsafeName,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hidden => write!(f, "hidden"),
            Self::OsJunk => write!(f, "system file"),
            Self::NotAnImage => write!(f, "not a photo"),
            Self::Unsupported(format) => {
                write!(f, "{format} is not supported yet; convert to JPEG first")
            }
            Self::Unreadable(why) => write!(f, "cannot be read: {why}"),
            Self::SymlinkLoop => write!(f, "link that loops back to a parent folder"),
            Self::UnsafeName => write!(
                f,
                "its name holds a backslash or a control character, which could make a \
                 client's download land in another folder; rename it"
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("the shoot folder '{0}' does not exist")]
    Missing(PathBuf),
    #[error("'{0}' is not a folder; give the folder that holds the photos")]
    NotAFolder(PathBuf),
    #[error("cannot read the shoot folder '{path}': {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

const PHOTO_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "tif", "tiff"];
const RAW_EXTENSIONS: &[&str] = &[
    "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "dng", "raf", "orf", "rw2", "pef",
    "srw", "x3f", "3fr", "iiq", "rwl",
];
const HEIF_EXTENSIONS: &[&str] = &["heic", "heif", "avif", "hif"];
const OS_JUNK: &[&str] = &["thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"];

pub fn scan_shoot(root: &Path) -> Result<Shoot, ScanError> {
    let metadata = std::fs::metadata(root).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ScanError::Missing(root.to_owned()),
        _ => ScanError::Unreadable {
            path: root.to_owned(),
            source,
        },
    })?;
    if !metadata.is_dir() {
        return Err(ScanError::NotAFolder(root.to_owned()));
    }
    std::fs::read_dir(root).map_err(|source| ScanError::Unreadable {
        path: root.to_owned(),
        source,
    })?;
    let title = folder_title(root);
    let mut by_folder: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut walker = WalkDir::new(root)
        .follow_links(true)
        .min_depth(1)
        .into_iter();
    while let Some(entry) = walker.next() {
        match entry {
            Ok(entry) if is_hidden(entry.file_name()) => {
                if entry.file_type().is_dir() {
                    walker.skip_current_dir(); // listed once, contents not walked
                }
                let reason = if is_os_junk(entry.file_name()) {
                    SkipReason::OsJunk
                } else {
                    SkipReason::Hidden
                };
                skipped.push(Skipped {
                    path: entry.into_path(),
                    reason,
                });
            }
            Ok(entry) if !has_safe_name(entry.file_name()) => {
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                skipped.push(Skipped {
                    path: entry.into_path(),
                    reason: SkipReason::UnsafeName,
                });
            }
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry)
                if entry.depth() == 1 && entry.file_name() == crate::shoot::config::CONFIG_FILE => {
            }
            Ok(entry) => match classify(entry.path()) {
                Ok(()) => {
                    let folder = entry.path().parent().unwrap_or(root).to_owned();
                    by_folder.entry(folder).or_default().push(entry.into_path());
                }
                Err(reason) => skipped.push(Skipped {
                    path: entry.into_path(),
                    reason,
                }),
            },
            Err(error) => skipped.push(walk_error(root, error)),
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Shoot {
        root: root.to_owned(),
        albums: albums(root, by_folder),
        title,
        skipped,
    })
}

/// A file or folder name as the gallery shows it: in NFC, the form every
/// system but macOS writes (macOS writes "é" as "e" and a combining accent),
/// so the same name always looks and compares the same.
pub fn display_name(name: &std::ffi::OsStr) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.to_string_lossy().nfc().collect()
}

/// The name of the album of the photos at the top of the shoot folder,
/// when the photographer gave the gallery no title.
pub const MAIN_ALBUM_NAME: &str = "Photos";

fn folder_title(root: &Path) -> String {
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
    absolute
        .file_name()
        .map(|name| readable_title(&display_name(name)))
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| "Gallery".to_owned())
}

/// A folder's name as a title: `_` and `-` between words become spaces
/// (a `-` between digits stays, as in a date), runs of spaces become one,
/// and a first letter in lowercase becomes a capital: "smith-wedding_2024"
/// is "Smith wedding 2024", "2024-06-14 smith" stays as it is.
pub fn readable_title(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut text = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let space = c == '_' || (c == '-' && !between_digits) || c.is_whitespace();
        if !space {
            text.push(c);
        } else if !text.is_empty() && !text.ends_with(' ') {
            text.push(' ');
        }
    }
    let text = text.trim_end();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text.to_owned(),
    }
}

/// Whether a file or folder name can reach the gallery: what every
/// reader may take as one part of a path (see `format::manifest`).
fn has_safe_name(name: &std::ffi::OsStr) -> bool {
    crate::format::manifest::is_safe_file_name(&display_name(name))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

fn is_os_junk(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy().to_lowercase();
    name == ".ds_store" || name.starts_with("._") || OS_JUNK.contains(&name.as_str())
}

fn classify(path: &Path) -> Result<(), SkipReason> {
    let name = path.file_name().unwrap_or_default();
    if is_os_junk(name) {
        return Err(SkipReason::OsJunk);
    }
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        e if PHOTO_EXTENSIONS.contains(&e) => Ok(()),
        e if RAW_EXTENSIONS.contains(&e) => Err(SkipReason::Unsupported("a camera RAW file")),
        e if HEIF_EXTENSIONS.contains(&e) => Err(SkipReason::Unsupported("HEIC/HEIF/AVIF")),
        _ => Err(SkipReason::NotAnImage),
    }
}

fn walk_error(root: &Path, error: walkdir::Error) -> Skipped {
    let path = error.path().unwrap_or(root).to_owned();
    let reason = if error.loop_ancestor().is_some() {
        SkipReason::SymlinkLoop
    } else {
        SkipReason::Unreadable(
            error
                .io_error()
                .map(|e| e.to_string())
                .unwrap_or_else(|| error.to_string()),
        )
    };
    Skipped { path, reason }
}

/// Main album first, then the others by name; photos in natural order.
fn albums(root: &Path, by_folder: BTreeMap<PathBuf, Vec<PathBuf>>) -> Vec<AlbumSource> {
    let mut albums: Vec<(bool, AlbumSource)> = by_folder
        .into_iter()
        .map(|(folder, mut photos)| {
            photos.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
            let main = folder == root;
            let name = if main {
                MAIN_ALBUM_NAME.to_owned()
            } else {
                album_name(root, &folder)
            };
            (
                main,
                AlbumSource {
                    name,
                    is_main: main,
                    photos,
                },
            )
        })
        .collect();
    albums.sort_by(|(main_a, a), (main_b, b)| {
        main_b
            .cmp(main_a)
            .then_with(|| natural_cmp(&a.name, &b.name))
    });
    albums.into_iter().map(|(_, album)| album).collect()
}

fn album_name(root: &Path, folder: &Path) -> String {
    let relative = folder.strip_prefix(root).unwrap_or(folder);
    relative
        .components()
        .map(|c| display_name(c.as_os_str()))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Case-insensitive order in which digit runs compare by value:
/// IMG_2 before IMG_10.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (n, m) = (take_number(&mut a), take_number(&mut b));
                let order = n
                    .trim_start_matches('0')
                    .len()
                    .cmp(&m.trim_start_matches('0').len())
                    .then_with(|| n.trim_start_matches('0').cmp(m.trim_start_matches('0')));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(x), Some(y)) => {
                let order = x.to_lowercase().cmp(y.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                a.next();
                b.next();
            }
        }
    }
}

fn take_number(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut digits = String::new();
    while let Some(c) = chars.peek().copied().filter(char::is_ascii_digit) {
        digits.push(c);
        chars.next();
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_readable_titles() {
        for (name, title) in [
            ("sample-shoot", "Sample shoot"),
            ("smith_wedding-2024", "Smith wedding 2024"),
            ("2024-06-14 smith", "2024-06-14 smith"),
            ("Anna & Tom", "Anna & Tom"),
            ("__x--y__", "X y"),
            ("été", "Été"),
            ("---", ""),
        ] {
            assert_eq!(readable_title(name), title, "{name}");
        }
    }

    #[test]
    fn natural_order_compares_numbers_by_value() {
        let mut names = vec!["IMG_10.jpg", "img_2.jpg", "IMG_1.jpg", "a.jpg"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["a.jpg", "IMG_1.jpg", "img_2.jpg", "IMG_10.jpg"]);
    }

    #[test]
    fn albums_junk_and_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("Smith wedding");
        for name in [
            "IMG_10.jpg",
            "IMG_2.JPG",
            "Ceremony/a.png",
            "Ceremony/Details/b.webp",
            ".hidden.jpg",
            ".trash/c.jpg",
            "notes.txt",
            "x.CR2",
            "y.heic",
            "Thumbs.db",
            ".DS_Store",
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let shoot = scan_shoot(&root).unwrap();
        let names: Vec<_> = shoot.albums.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Photos", "Ceremony", "Ceremony / Details"]);
        assert!(shoot.albums[0].photos[0].ends_with("IMG_2.JPG"));
        let skipped: Vec<_> = shoot
            .skipped
            .iter()
            .map(|s| {
                (
                    s.path.file_name().unwrap().to_string_lossy().into_owned(),
                    s.reason.clone(),
                )
            })
            .collect();
        assert!(
            skipped.contains(&(".DS_Store".into(), SkipReason::OsJunk)),
            "{skipped:?}"
        );
        assert!(skipped.contains(&("Thumbs.db".into(), SkipReason::OsJunk)));
        assert!(skipped.contains(&(".hidden.jpg".into(), SkipReason::Hidden)));
        assert!(skipped.contains(&(".trash".into(), SkipReason::Hidden)));
        assert!(
            !skipped.iter().any(|(name, _)| name == "c.jpg"),
            "hidden folder contents are not listed one by one"
        );
        assert!(skipped.contains(&("notes.txt".into(), SkipReason::NotAnImage)));
        assert!(skipped
            .iter()
            .any(|(name, r)| name == "x.CR2" && matches!(r, SkipReason::Unsupported(_))));
        assert!(skipped
            .iter()
            .any(|(name, r)| name == "y.heic" && matches!(r, SkipReason::Unsupported(_))));
    }

    #[test]
    fn a_symlink_loop_is_reported_not_followed_forever() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/p.jpg"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        let shoot = scan_shoot(dir.path()).unwrap();
        assert_eq!(shoot.albums.len(), 1);
        assert!(shoot
            .skipped
            .iter()
            .any(|s| s.reason == SkipReason::SymlinkLoop));
    }
}
