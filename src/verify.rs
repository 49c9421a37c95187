//! `lightproof verify`: the restore test for a delivered or archived gallery.
//! With the password it opens the header and the manifest, then checks that
//! every blob is present, has the pinned length and SHA-256, and decrypts.
//! Problems are collected, not stopped at, and named in the photographer's
//! terms: which photo, which album, which rendition, which file (and which
//! archive, for a packed site). The site is read through [`SiteFiles`], so a
//! folder and a zip from `lightproof pack` are checked alike, in place.

use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::format::header::Header;
use crate::format::manifest::{BlobRef, Manifest, Original};
use crate::format::vault::OriginalReader;
use crate::format::{blob_path, vault, BlobKind, FormatError, Id, HEADER_FILE};
use crate::offline;
use crate::password::Password;
use crate::site_files::{is_damage, SiteFiles};

/// Each `file` is quoted and placed, as [`SiteFiles::describe`] gives it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("{0} is missing: this is not a lightproof gallery, or its header was lost")]
    HeaderMissing(String),
    #[error("cannot read {file}: {source}")]
    Io { file: String, source: io::Error },
    #[error("{file} is damaged: its bytes do not match the archive's checksum (CRC-32); copy the archive again from a good copy")]
    EntryDamaged { file: String },
    #[error("the header {file} is damaged or not a gallery header ({reason})")]
    HeaderDamaged { file: String, reason: FormatError },
    #[error("the password does not open this gallery (or the header's key slots are damaged)")]
    WrongPassword,
    #[error("the manifest {0} (the list of albums and photos) is missing")]
    ManifestMissing(String),
    #[error("the manifest {file} is damaged: {reason}")]
    ManifestDamaged { file: String, reason: FormatError },
}

/// One thing wrong with a gallery that could still be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// E.g. "preview of 'IMG_0042.jpg' in album 'Ceremony'".
    pub item: String,
    /// Site-relative file, e.g. `b/abc…`.
    pub file: String,
    /// The zip holding `file`, for a packed site.
    pub archive: Option<PathBuf>,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    Missing,
    /// Wrong length or hash, or failed authentication.
    Damaged,
    /// A viewer file that differs from the one this lightproof writes.
    Changed,
    Unreadable(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let item = &self.item;
        match &self.kind {
            ProblemKind::Missing => write!(f, "{item} is missing")?,
            ProblemKind::Damaged => {
                write!(f, "{item} is damaged: it does not match what was encrypted")?
            }
            ProblemKind::Changed => write!(
                f,
                "{item} differs from the one lightproof {} writes: it was changed after the \
                 build (a host can change the viewer to read passwords), or built by another \
                 version; build the gallery again and upload it",
                env!("CARGO_PKG_VERSION")
            )?,
            ProblemKind::Unreadable(why) => write!(f, "{item} cannot be read: {why}")?,
        }
        write!(f, " (file '{}'", self.file)?;
        if let Some(archive) = &self.archive {
            write!(f, " in '{}'", archive.display())?;
        }
        write!(f, ")")
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

/// Checks the gallery in `site` (a folder or a packed zip) with `password`.
pub fn verify(site: &SiteFiles, password: &Password) -> Result<VerifyReport, VerifyError> {
    verify_with_progress(site, password, &())
}

/// `verify`, reporting the bytes checked as it goes.
pub fn verify_with_progress(
    site: &SiteFiles,
    password: &Password,
    progress: &dyn Progress,
) -> Result<VerifyReport, VerifyError> {
    let header_bytes = read_required(site, HEADER_FILE, VerifyError::HeaderMissing)?;
    let header = Header::parse(&header_bytes).map_err(|reason| VerifyError::HeaderDamaged {
        file: site.describe(HEADER_FILE),
        reason,
    })?;
    let slot = vault::unlock_with_password(&header, password.as_bytes())
        .map_err(|_| VerifyError::WrongPassword)?;
    let manifest_file = blob_path(&slot.manifest_id);
    let manifest_bytes = read_required(site, &manifest_file, VerifyError::ManifestMissing)?;
    let manifest = vault::open_manifest(&header, &slot, &manifest_bytes).map_err(|reason| {
        VerifyError::ManifestDamaged {
            file: site.describe(&manifest_file),
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
    problems.extend(viewer_problems(site));
    if site.contains(&offline::part_name(HEADER_FILE, 0)) {
        let mut copies = vec![
            ("the header".to_owned(), HEADER_FILE.to_owned()),
            ("the viewer".to_owned(), crate::site::WASM_FILE.to_owned()),
            ("the manifest".to_owned(), manifest_file.clone()),
        ];
        copies.extend(checks.iter().map(|c| (c.item.clone(), c.blob.path())));
        // A file already found missing or damaged is not compared again.
        copies.retain(|(_, file)| !problems.iter().any(|p| &p.file == file));
        problems.extend(
            copies
                .par_iter()
                .filter_map(|(item, file)| check_offline_copy(site, item, file).err())
                .collect::<Vec<_>>(),
        );
    }
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
fn read_required(
    site: &SiteFiles,
    name: &str,
    missing: fn(String) -> VerifyError,
) -> Result<Vec<u8>, VerifyError> {
    site.read(name).map_err(|source| {
        let file = site.describe(name);
        match source.kind() {
            io::ErrorKind::NotFound => missing(file),
            _ if is_damage(&source) => VerifyError::EntryDamaged { file },
            _ => VerifyError::Io { file, source },
        }
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

fn check_blob(site: &SiteFiles, header: &Header, check: &BlobCheck<'_>) -> Result<(), Problem> {
    let file = check.blob.path();
    let problem = |kind| Problem {
        item: check.item.clone(),
        file: file.clone(),
        archive: site.archive().map(ToOwned::to_owned),
        kind,
    };
    let unreadable = |error: io::Error| match error.kind() {
        io::ErrorKind::NotFound => problem(ProblemKind::Missing),
        _ if is_damage(&error) => problem(ProblemKind::Damaged),
        _ => problem(ProblemKind::Unreadable(error.to_string())),
    };
    if let Some(original) = check.original {
        let opened = site
            .with_reader(&file, |reader| {
                Ok(open_original(reader, &header.gallery_id, original))
            })
            .unwrap_or_else(|error| Err(OriginalCheck::Io(error)));
        return match opened {
            Err(OriginalCheck::Io(error)) => Err(unreadable(error)),
            Err(OriginalCheck::Damaged) => Err(problem(ProblemKind::Damaged)),
            Ok(()) => Ok(()),
        };
    }
    let bytes = site.read(&file).map_err(unreadable)?;
    let mut plaintext = vault::open_pinned_blob(&header.gallery_id, check.blob, check.kind, &bytes)
        .map_err(|_| problem(ProblemKind::Damaged))?;
    zeroize::Zeroize::zeroize(&mut plaintext);
    Ok(())
}

/// Checks that the offline copy of `file` (see `offline`) holds exactly
/// its bytes, reading both one part at a time. A missing `file` is
/// reported by the blob checks, not here.
fn check_offline_copy(site: &SiteFiles, item: &str, file: &str) -> Result<(), Problem> {
    let problem = |part: String, kind| Problem {
        item: format!("the offline copy of {item}"),
        file: part,
        archive: site.archive().map(ToOwned::to_owned),
        kind,
    };
    let outcome = site.with_reader(file, |reader| {
        let mut piece = Vec::with_capacity(offline::PART_BYTES);
        let mut count = 1;
        let mut index = 0;
        while index < count {
            let part_file = offline::part_name(file, index);
            let Ok(script) = site.read(&part_file) else {
                return Ok(Err(problem(part_file, ProblemKind::Missing)));
            };
            piece.clear();
            reader
                .take(offline::PART_BYTES as u64)
                .read_to_end(&mut piece)?;
            let matches = offline::decode_part(&script).is_some_and(|part| {
                let same_count = index == 0 || part.count == count;
                count = part.count;
                same_count && part.name == file && part.index == index && part.bytes == piece
            });
            if !matches {
                return Ok(Err(problem(part_file, ProblemKind::Damaged)));
            }
            index += 1;
        }
        let longer = reader.read(&mut [0u8; 1])? > 0;
        Ok(if longer {
            Err(problem(
                offline::part_name(file, count - 1),
                ProblemKind::Damaged,
            ))
        } else {
            Ok(())
        })
    });
    outcome.unwrap_or(Ok(()))
}

enum OriginalCheck {
    Io(io::Error),
    Damaged,
}

/// Decrypts an original as a stream, 1 MiB at a time, as the viewer does:
/// a 2 GB original never has to fit in memory.
fn open_original(
    file: &mut dyn Read,
    gallery_id: &Id,
    original: &Original,
) -> Result<(), OriginalCheck> {
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

/// Each viewer file must be present and equal to what this version writes:
/// the viewer is the one part of a site a host could change without the
/// encryption noticing.
fn viewer_problems(site: &SiteFiles) -> Vec<Problem> {
    let expected = crate::site::viewer_files().unwrap_or_default();
    expected
        .into_iter()
        .filter_map(|(name, bytes)| {
            let kind = match site.read(name) {
                Ok(actual) if actual == bytes => return None,
                Ok(_) => ProblemKind::Changed,
                Err(error) if error.kind() == io::ErrorKind::NotFound => ProblemKind::Missing,
                Err(error) => ProblemKind::Unreadable(error.to_string()),
            };
            Some(Problem {
                item: "the viewer".to_owned(),
                file: name.to_owned(),
                archive: site.archive().map(ToOwned::to_owned),
                kind,
            })
        })
        .collect()
}
