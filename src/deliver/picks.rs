//! `lightproof picks`: a client's selection back to the source files.
//!
//! The selection (made by the viewer's "Send selection") lists file names
//! with their album and notes, then a footer with the gallery id, the
//! grant's manifest id and an HMAC tag under that grant's manifest key. The
//! key comes from this computer's build cache, so a selection from another
//! gallery, or one edited after it was sent, is refused. The viewer's
//! email carries the same selection as a short sealed code instead
//! (`sealed.rs`), read here with the same checks.
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
use crate::format::{vault, BlobKind, HEADER_FILE};
use crate::shoot::scan::{scan_shoot, ScanError};

pub use super::selection::{parse_selection, parse_sent, printable, Selection, Sent};

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
    #[error("'{0}' is not a lightproof selection: it holds neither a selection code ('[lightproof …]', as in the client's email) nor a selection's last line ('lightproof-selection 1 …', as in its file)")]
    NotASelection(PathBuf),
    #[error("the selection '{0}' belongs to another gallery than the one in '{1}'")]
    OtherGallery(PathBuf, PathBuf),
    #[error("the selection '{0}' was changed after the client sent it (or it was made for a build this computer does not know)")]
    Tampered(PathBuf),
    #[error("the selection code in '{0}' was made by a newer lightproof (code version {1}); update lightproof to read it")]
    NewerCode(PathBuf, u8),
    #[error("the selection code in '{0}' was made for a gallery of {1} photos, but that grant's manifest here lists {2} (was the gallery rebuilt with other photos?)")]
    CodeForOtherPhotos(PathBuf, u32, usize),
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

/// Checks `selection` against the gallery built into `site` and finds each
/// photo in `shoot`.
pub fn read_picks(
    selection: &Path,
    site: &Path,
    shoot: &Path,
    cache_dir: Option<&Path>,
) -> Result<Vec<Pick>, PicksError> {
    let checked = check_selection(selection, site, cache_dir)?;
    locate(checked.photos, shoot)
}

/// A selection whose tag and photos checked out.
pub struct CheckedSelection {
    /// File, album and note of every chosen photo, in the order sent.
    pub photos: Vec<(String, String, Option<String>)>,
    /// The manifest of the grant that signed it.
    pub manifest: Manifest,
    /// The build cache that holds the gallery's keys.
    pub cache: Cache,
    /// The gallery folder, canonical.
    pub site: PathBuf,
}

/// The photos a selection names, with the manifest of its grant.
pub(super) type Checked = (Vec<(String, String, Option<String>)>, Manifest);

/// Checks the tag of `selection` (its text, or the sealed code of an email)
/// with the key in the build cache of `site`, and that every photo it names
/// is one its grant shows.
pub fn check_selection(
    selection: &Path,
    site: &Path,
    cache_dir: Option<&Path>,
) -> Result<CheckedSelection, PicksError> {
    let text = read_sent(selection)?;
    let not_one = || PicksError::NotASelection(selection.to_owned());
    let sent = parse_sent(&text).ok_or_else(not_one)?;
    let site = site.canonicalize().map_err(|source| PicksError::Read {
        path: site.to_owned(),
        source,
    })?;
    let cache = Cache::open(&site, cache_dir, false)?;
    let (photos, manifest) = match sent {
        Sent::Text(parsed) => checked_text(parsed, &cache, &site, selection)?,
        Sent::Code(code) => super::sealed::checked_code(&code, &cache, &site, selection)?,
    };
    Ok(CheckedSelection {
        photos,
        manifest,
        cache,
        site,
    })
}

/// The file the client sent, or with `-` what is pasted on stdin.
fn read_sent(selection: &Path) -> Result<String, PicksError> {
    let read = if selection == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(selection)
    };
    read.map_err(|source| PicksError::Read {
        path: selection.to_owned(),
        source,
    })
}

/// The photos of a selection's text, once its tag and grant are checked.
fn checked_text(
    parsed: Selection<'_>,
    cache: &Cache,
    site: &Path,
    selection: &Path,
) -> Result<Checked, PicksError> {
    if cache.gallery_id(Some(&parsed.gallery)).is_none() {
        return Err(PicksError::OtherGallery(
            selection.to_owned(),
            site.to_owned(),
        ));
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
    let manifest = grant_manifest(cache, &parsed.manifest, site)?;
    check_in_grant(&parsed.photos, &manifest, selection)?;
    Ok((parsed.photos, manifest))
}

/// The manifest of the grant that signed the selection, decrypted from the
/// site with the key and pins the build cache recorded.
pub(super) fn grant_manifest(cache: &Cache, id: &str, site: &Path) -> Result<Manifest, PicksError> {
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
pub(super) fn check_in_grant(
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
