//! `lightproof picks`: a client's selection back to the source files.
//!
//! The selection (made by the viewer's "Send selection") lists file names
//! with their album and notes, then a footer with the gallery id, the
//! grant's manifest id and an HMAC tag under that grant's manifest key. The
//! key comes from this computer's build cache, so a selection from another
//! gallery, or one edited after it was sent, is refused.

use std::path::{Path, PathBuf};

use crate::cache::Cache;
use crate::format::{encoding, vault, Id};
use crate::scan::{scan_shoot, ScanError};

/// One chosen photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub file: String,
    pub album: String,
    pub note: Option<String>,
    /// The source file in the shoot folder.
    pub source: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PicksError {
    #[error("cannot read the selection '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("'{0}' is not a lightproof selection (its last line should start with 'lightproof-selection 1')")]
    NotASelection(PathBuf),
    #[error("the selection '{0}' belongs to another gallery than the one in '{1}'")]
    OtherGallery(PathBuf, PathBuf),
    #[error("the selection '{0}' was changed after the client sent it (or it was made for a build this computer does not know)")]
    Tampered(PathBuf),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("'{file}' in album '{album}' is in the selection but not in the shoot folder")]
    MissingSource { file: String, album: String },
}

/// Checks `selection` against the gallery built into `site` and finds each
/// photo in `shoot`.
pub fn read_picks(
    selection: &Path,
    site: &Path,
    shoot: &Path,
    cache_dir: Option<&Path>,
) -> Result<Vec<Pick>, PicksError> {
    let text = std::fs::read_to_string(selection).map_err(|source| PicksError::Read {
        path: selection.to_owned(),
        source,
    })?;
    let not_one = || PicksError::NotASelection(selection.to_owned());
    let parsed = parse_selection(&text).ok_or_else(not_one)?;
    let site = site.canonicalize().map_err(|source| PicksError::Read {
        path: site.to_owned(),
        source,
    })?;
    let cache = Cache::open(&site, cache_dir, false);
    if cache.gallery_id(Some(&parsed.gallery)).is_none() {
        return Err(PicksError::OtherGallery(selection.to_owned(), site));
    }
    let key = cache
        .manifest_key(&parsed.manifest)
        .ok_or_else(|| PicksError::Tampered(selection.to_owned()))?;
    let expected = vault::selection_tag(&key, parsed.body.as_bytes());
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        &expected[..],
        &parsed.tag[..],
    )) {
        return Err(PicksError::Tampered(selection.to_owned()));
    }
    locate(parsed.photos, shoot)
}

/// A selection's text split into what its tag covers and its footer. The
/// text comes from the client, so this is the part that reads untrusted
/// bytes; [`read_picks`] then checks the tag.
#[derive(Debug)]
pub struct Selection<'a> {
    /// Everything before the footer: the text the tag covers.
    pub body: &'a str,
    pub gallery: Id,
    /// The grant's manifest id, as the footer writes it.
    pub manifest: String,
    pub tag: [u8; 32],
    /// File, album and note of every chosen photo, in the body's order.
    pub photos: Vec<(String, String, Option<String>)>,
}

/// Splits a selection's text; `None` unless it ends with a lightproof
/// selection footer.
pub fn parse_selection(text: &str) -> Option<Selection<'_>> {
    let (body, footer) = text.rsplit_once("--\n")?;
    let fields = footer_fields(footer.trim_end())?;
    Some(Selection {
        body,
        gallery: encoding::hex_decode::<16>(&fields.gallery)?,
        manifest: fields.manifest,
        tag: encoding::hex_decode::<32>(&fields.tag)?,
        photos: parse_body(body),
    })
}

struct Footer {
    gallery: String,
    manifest: String,
    tag: String,
}

fn footer_fields(line: &str) -> Option<Footer> {
    let rest = line.strip_prefix("lightproof-selection 1 ")?;
    let mut fields = rest.split(' ').filter_map(|f| f.split_once('='));
    let (mut gallery, mut manifest, mut tag) = (None, None, None);
    for (name, value) in fields.by_ref() {
        match name {
            "gallery" => gallery = Some(value.to_owned()),
            "manifest" => manifest = Some(value.to_owned()),
            "tag" => tag = Some(value.to_owned()),
            _ => {}
        }
    }
    Some(Footer {
        gallery: gallery?,
        manifest: manifest?,
        tag: tag?,
    })
}

/// Photo lines start at column 0; `    album:` and `    note:` follow.
fn parse_body(body: &str) -> Vec<(String, String, Option<String>)> {
    let mut picks: Vec<(String, String, Option<String>)> = Vec::new();
    for line in body.lines().skip(2) {
        if let Some(album) = line.strip_prefix("    album: ") {
            if let Some(last) = picks.last_mut() {
                last.1 = album.to_owned();
            }
        } else if let Some(note) = line.strip_prefix("    note: ") {
            if let Some(last) = picks.last_mut() {
                last.2 = Some(note.to_owned());
            }
        } else if !line.is_empty() {
            picks.push((line.to_owned(), String::new(), None));
        }
    }
    picks
}

fn locate(
    picks: Vec<(String, String, Option<String>)>,
    shoot: &Path,
) -> Result<Vec<Pick>, PicksError> {
    let scanned = scan_shoot(shoot)?;
    picks
        .into_iter()
        .map(|(file, album, note)| {
            let source = scanned
                .albums
                .iter()
                .filter(|a| a.name == album || (a.is_main && scanned.albums.len() == 1))
                .chain(scanned.albums.iter().filter(|a| a.is_main))
                .flat_map(|a| a.photos.iter())
                .find(|path| {
                    path.file_name()
                        .is_some_and(|n| crate::scan::display_name(n) == *file)
                })
                .cloned()
                .ok_or_else(|| PicksError::MissingSource {
                    file: file.clone(),
                    album: album.clone(),
                })?;
            Ok(Pick {
                file,
                album,
                note,
                source,
            })
        })
        .collect()
}
