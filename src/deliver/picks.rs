//! `lightproof picks`: a client's selection back to the source files.
//!
//! The selection (made by the viewer's "Send selection") lists file names
//! with their album and notes, then a footer with the gallery id, the
//! grant's manifest id and an HMAC tag under that grant's manifest key. The
//! key comes from this computer's build cache, so a selection from another
//! gallery, or one edited after it was sent, is refused.
//!
//! A valid tag proves only that a holder of that grant wrote the text, and
//! such a holder is a client, not the photographer: the selection may name
//! only photos that grant's own manifest lists (decrypted with the key in
//! the cache), so a one-album client cannot get originals of other albums
//! copied out. Every name and note is client text: [`printable`] escapes
//! the characters that could drive a terminal or reorder what it shows.

use std::path::{Path, PathBuf};

use crate::build::cache::{Cache, CacheError};
use crate::format::header::Header;
use crate::format::manifest::Manifest;
use crate::format::{encoding, vault, BlobKind, Id, HEADER_FILE};
use crate::shoot::scan::{scan_shoot, ScanError};

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
    #[error("'{}' in album '{}' is in the selection but not in the shoot folder", printable(.file), printable(.album))]
    MissingSource { file: String, album: String },
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("the gallery in '{0}' is damaged or was rebuilt elsewhere: the manifest of the grant that made this selection cannot be read with the key this computer's build cache holds (run `lightproof verify`)")]
    GrantManifest(PathBuf),
    #[error("the selection '{path}' names '{}' in album '{}', which the grant that made it does not show; nothing was copied (a client can only choose among the photos of its own grant)", printable(.file), printable(.album))]
    NotInGrant {
        path: PathBuf,
        file: String,
        album: String,
    },
}

/// `text` with every character that is not plain printable text written
/// as `\u{…}`: C0 and C1 controls, DEL, bidirectional overrides and
/// isolates, and other invisible format characters. A backslash is
/// doubled, so the escaped form cannot be mistaken for the original.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_unsafe_for_terminal(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Controls, and the format characters that change how a line reads
/// (U+202E turns `gpj.exe` around) or hide text.
fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
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
    let cache = Cache::open(&site, cache_dir, false)?;
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
    let manifest = grant_manifest(&cache, &parsed.manifest, &site)?;
    check_in_grant(&parsed.photos, &manifest, selection)?;
    locate(parsed.photos, shoot)
}

/// The manifest of the grant that signed the selection, decrypted from the
/// site with the key and pins the build cache recorded.
fn grant_manifest(cache: &Cache, id: &str, site: &Path) -> Result<Manifest, PicksError> {
    let damaged = || PicksError::GrantManifest(site.to_owned());
    let blob = cache.manifest_blob(id).ok_or_else(damaged)?;
    let header = std::fs::read(site.join(HEADER_FILE))
        .ok()
        .and_then(|bytes| Header::parse(&bytes).ok())
        .ok_or_else(damaged)?;
    let ciphertext = std::fs::read(site.join(blob.path())).map_err(|_| damaged())?;
    let mut json =
        vault::open_pinned_blob(&header.gallery_id, blob, BlobKind::Manifest, &ciphertext)
            .map_err(|_| damaged())?;
    let manifest = Manifest::parse(&json, &header.gallery_id).map_err(|_| damaged());
    zeroize::Zeroize::zeroize(&mut json);
    manifest
}

/// Every (file, album) pair of the selection must be a photo of `manifest`.
fn check_in_grant(
    photos: &[(String, String, Option<String>)],
    manifest: &Manifest,
    selection: &Path,
) -> Result<(), PicksError> {
    let listed = |file: &str, album: &str| {
        manifest
            .photos()
            .any(|(a, p)| p.file == file && a.name == album)
    };
    match photos.iter().find(|(file, album, _)| !listed(file, album)) {
        None => Ok(()),
        Some((file, album, _)) => Err(PicksError::NotInGrant {
            path: selection.to_owned(),
            file: file.clone(),
            album: album.clone(),
        }),
    }
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
                        .is_some_and(|n| crate::shoot::scan::display_name(n) == *file)
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
