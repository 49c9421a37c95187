//! `lightproof verify`: the restore test for a delivered or archived gallery.
//! With the password it opens the header and the manifest, then checks that
//! every blob is present, has the pinned length and SHA-256, and decrypts.
//! Problems are collected, not stopped at, and named in the photographer's
//! terms: which photo, which album, which rendition, which file.

use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::format::header::Header;
use crate::format::manifest::{BlobRef, Manifest, Original};
use crate::format::vault::OriginalReader;
use crate::format::{blob_path, vault, BlobKind, FormatError, Id, HEADER_FILE};
use crate::password::Password;

/// Files every site needs besides the header and the blobs.
const VIEWER_FILES: &[&str] = &["index.html", "viewer.js", "viewer.wasm", "style.css"];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("'{0}' is missing: this folder is not a lightproof gallery, or its header was lost")]
    HeaderMissing(PathBuf),
    #[error("cannot read '{path}': {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the header '{path}' is damaged or not a gallery header ({reason})")]
    HeaderDamaged { path: PathBuf, reason: FormatError },
    #[error("the password does not open this gallery (or the header's key slots are damaged)")]
    WrongPassword,
    #[error("the manifest '{0}' (the list of albums and photos) is missing")]
    ManifestMissing(PathBuf),
    #[error("the manifest '{path}' is damaged: {reason}")]
    ManifestDamaged { path: PathBuf, reason: FormatError },
}

/// One thing wrong with a gallery that could still be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// E.g. "preview of 'IMG_0042.jpg' in album 'Ceremony'".
    pub item: String,
    /// Site-relative file, e.g. `b/abc…`.
    pub file: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    Missing,
    /// Wrong length or hash, or failed authentication.
    Damaged,
    Unreadable(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ProblemKind::Missing => write!(f, "{} is missing (file '{}')", self.item, self.file),
            ProblemKind::Damaged => write!(
                f,
                "{} is damaged: it does not match what was encrypted (file '{}')",
                self.item, self.file
            ),
            ProblemKind::Unreadable(why) => write!(
                f,
                "{} cannot be read: {why} (file '{}')",
                self.item, self.file
            ),
        }
    }
}

#[derive(Debug)]
pub struct VerifyReport {
    pub albums: usize,
    pub photos: usize,
    /// Originals this grant may download, each checked to its last byte.
    pub originals: usize,
    pub blobs_checked: usize,
    pub problems: Vec<Problem>,
}

/// Verify progress, in bytes of encrypted files checked. The CLI shows a
/// bar.
pub trait Progress: Sync {
    fn start(&self, bytes: u64);
    fn checked(&self, bytes: u64);
}

/// No progress shown.
impl Progress for () {
    fn start(&self, _: u64) {}
    fn checked(&self, _: u64) {}
}

/// Checks the gallery in `site` with `password`.
pub fn verify(site: &Path, password: &Password) -> Result<VerifyReport, VerifyError> {
    verify_with_progress(site, password, &())
}

/// `verify`, reporting the bytes checked as it goes.
pub fn verify_with_progress(
    site: &Path,
    password: &Password,
    progress: &dyn Progress,
) -> Result<VerifyReport, VerifyError> {
    let header_path = site.join(HEADER_FILE);
    let header_bytes = read_required(&header_path, VerifyError::HeaderMissing)?;
    let header = Header::parse(&header_bytes).map_err(|reason| VerifyError::HeaderDamaged {
        path: header_path,
        reason,
    })?;
    let slot = vault::unlock_with_password(&header, password.as_bytes())
        .map_err(|_| VerifyError::WrongPassword)?;
    let manifest_path = site.join(blob_path(&slot.manifest_id));
    let manifest_bytes = read_required(&manifest_path, VerifyError::ManifestMissing)?;
    let manifest = vault::open_manifest(&header, &slot, &manifest_bytes).map_err(|reason| {
        VerifyError::ManifestDamaged {
            path: manifest_path,
            reason,
        }
    })?;
    let checks = blob_checks(&manifest);
    progress.start(checks.iter().map(|check| check.blob.size).sum());
    let mut problems: Vec<Problem> = checks
        .par_iter()
        .filter_map(|check| {
            let checked = check_blob(site, &header, check);
            progress.checked(check.blob.size);
            checked.err()
        })
        .collect();
    problems.extend(missing_viewer_files(site));
    Ok(VerifyReport {
        albums: manifest.albums.len(),
        photos: manifest.photos().count(),
        originals: manifest.originals(),
        blobs_checked: checks.len(),
        problems,
    })
}

/// Reads a file the gallery cannot be opened without; `missing` names it
/// when it is not there.
fn read_required(path: &Path, missing: fn(PathBuf) -> VerifyError) -> Result<Vec<u8>, VerifyError> {
    std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => missing(path.to_owned()),
        _ => VerifyError::Io {
            path: path.to_owned(),
            source,
        },
    })
}

struct BlobCheck<'a> {
    item: String,
    blob: &'a BlobRef,
    kind: BlobKind,
    /// Set for originals, which are read as a stream.
    original: Option<&'a Original>,
}

fn blob_checks(manifest: &Manifest) -> Vec<BlobCheck<'_>> {
    let mut checks = Vec::new();
    for (album, photo) in manifest.photos() {
        let place = format!("'{}' in album '{}'", photo.file, album.name);
        checks.push(BlobCheck {
            item: format!("the thumbnail of {place}"),
            blob: &photo.thumb.blob,
            kind: BlobKind::Thumbnail,
            original: None,
        });
        checks.push(BlobCheck {
            item: format!("the preview of {place}"),
            blob: &photo.preview.blob,
            kind: BlobKind::Preview,
            original: None,
        });
        if let Some(original) = &photo.original {
            checks.push(BlobCheck {
                item: format!("the original of {place}"),
                blob: &original.blob,
                kind: BlobKind::Original,
                original: Some(original),
            });
        }
    }
    checks
}

fn check_blob(site: &Path, header: &Header, check: &BlobCheck<'_>) -> Result<(), Problem> {
    let file = check.blob.path();
    let problem = |kind| Problem {
        item: check.item.clone(),
        file: file.clone(),
        kind,
    };
    let unreadable = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => problem(ProblemKind::Missing),
        _ => problem(ProblemKind::Unreadable(error.to_string())),
    };
    if let Some(original) = check.original {
        let opened = open_original(&site.join(&file), &header.gallery_id, original);
        return match opened {
            Err(OriginalCheck::Io(error)) => Err(unreadable(error)),
            Err(OriginalCheck::Damaged) => Err(problem(ProblemKind::Damaged)),
            Ok(()) => Ok(()),
        };
    }
    let bytes = std::fs::read(site.join(&file)).map_err(unreadable)?;
    let mut plaintext = vault::open_pinned_blob(&header.gallery_id, check.blob, check.kind, &bytes)
        .map_err(|_| problem(ProblemKind::Damaged))?;
    zeroize::Zeroize::zeroize(&mut plaintext);
    Ok(())
}

enum OriginalCheck {
    Io(std::io::Error),
    Damaged,
}

/// Decrypts an original as a stream, 1 MiB at a time, as the viewer does:
/// a 2 GB original never has to fit in memory.
fn open_original(path: &Path, gallery_id: &Id, original: &Original) -> Result<(), OriginalCheck> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(OriginalCheck::Io)?;
    let mut reader =
        OriginalReader::new(gallery_id, original).map_err(|_| OriginalCheck::Damaged)?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(OriginalCheck::Io)?;
        if read == 0 {
            break;
        }
        let mut plaintext = reader
            .push(&buffer[..read])
            .map_err(|_| OriginalCheck::Damaged)?;
        zeroize::Zeroize::zeroize(&mut plaintext);
    }
    let mut tail = reader.finish().map_err(|_| OriginalCheck::Damaged)?;
    zeroize::Zeroize::zeroize(&mut tail);
    Ok(())
}

fn missing_viewer_files(site: &Path) -> Vec<Problem> {
    VIEWER_FILES
        .iter()
        .filter(|name| !site.join(name).is_file())
        .map(|name| Problem {
            item: "the viewer".to_owned(),
            file: (*name).to_owned(),
            kind: ProblemKind::Missing,
        })
        .collect()
}
