//! `lightproof verify`: the restore test for a delivered or archived gallery.
//! With the password it opens the header and the manifest, then checks that
//! every blob is present, has the pinned length and SHA-256, and decrypts.
//! Problems are collected, not stopped at, and named in the photographer's
//! terms: which photo, which album, which rendition, which file (and which
//! archive, for a packed site). The site is read through [`SiteFiles`], so a
//! folder and a zip from `lightproof pack` are checked alike, in place.
//!
//! A grant is opened by a [`Credential`]: its password, its key link, or
//! its two-factor link with the password. What no grant needs to open —
//! the viewer, `robots.txt`, `_headers` and every offline copy (`*.js`,
//! which a browser runs as code) — is checked once per site by
//! [`check_site`] (see `files`), against what this version writes or what
//! the header leads to. Nothing is read whole before its length is known
//! to be possible: a header or a manifest longer than the largest valid one
//! is refused after reading one byte past that size.

mod files;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::format::header::{Header, SlotContents, MAX_SLOTS, PREFIX_LEN, SLOT_LEN};
use crate::format::manifest::{BlobRef, Manifest, Original, Studio, MAX_MANIFEST_LEN};
use crate::format::vault::OriginalReader;
use crate::format::{blob_path, encoding, vault, BlobKind, FormatError, Id, Key32, HEADER_FILE};
use crate::shoot::password::Password;
use crate::site::files::{is_damage, SiteFiles};
use crate::site::viewer::{LockLogo, LockStudio};

pub use files::{check_site, BuiltManifest, SiteCheck};

/// The longest valid header: the prefix and 32 slots.
const MAX_HEADER_LEN: u64 = (PREFIX_LEN + MAX_SLOTS * SLOT_LEN) as u64;

/// What opens one grant.
pub enum Credential {
    Password(Password),
    /// The secret of a key link (`#k=…`).
    Link(Key32),
    /// The secret of a two-factor link (`#k2=…`) and the grant's password.
    TwoFactorLink(Key32, Password),
}

impl Credential {
    fn unlock(&self, header: &Header) -> Result<SlotContents, FormatError> {
        match self {
            Self::Password(password) => vault::unlock_with_password(header, password.as_bytes()),
            Self::Link(secret) => vault::unlock_with_link(header, secret),
            Self::TwoFactorLink(secret, password) => {
                vault::unlock_with_link_and_password(header, secret, password.as_bytes())
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    #[error("'{0}' is not a key link: a key link ends with #k= or #k2= and 52 letters and digits (as `lightproof link` prints it)")]
    NotALink(String),
}

/// A key link's kind and secret, from the whole link or its `#k…` part.
/// Only the form `lightproof link` prints is accepted: lowercase base32
/// with no padding, 52 characters, unused final bits zero (so one secret
/// has exactly one spelling).
pub fn parse_link(link: &str) -> Result<(bool, Key32), LinkError> {
    let fragment = link.rsplit_once('#').map_or(link, |(_, fragment)| fragment);
    let (two_factor, secret) = if let Some(secret) = fragment.strip_prefix("k2=") {
        (true, secret)
    } else if let Some(secret) = fragment.strip_prefix("k=") {
        (false, secret)
    } else {
        return Err(LinkError::NotALink(redacted(link)));
    };
    encoding::base32_decode::<32>(secret)
        .map(|bytes| (two_factor, Key32::from_bytes(bytes)))
        .ok_or_else(|| LinkError::NotALink(redacted(link)))
}

/// `link` without its secret, for a message.
fn redacted(link: &str) -> String {
    match link.split_once('#') {
        Some((address, fragment)) => format!(
            "{address}#{}…",
            fragment.chars().take(3).collect::<String>()
        ),
        None => "(a link without #)".to_owned(),
    }
}

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
    #[error("the key link does not open this gallery (or the header's key slots are damaged); a two-factor link (#k2=) also needs its grant's password")]
    WrongLink,
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
    /// A file lightproof never writes in a site: `reason` says why it does
    /// not belong.
    Unexpected(String),
    /// A manifest that differs from the one the build on this computer
    /// wrote for `grant` (its build cache says so).
    Resealed {
        grant: Option<String>,
    },
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
            ProblemKind::Unexpected(why) => write!(
                f,
                "{item} is not part of the gallery: {why}; a browser could run it or show \
                 it with the gallery's address, so delete it, or build the gallery again \
                 and upload it"
            )?,
            ProblemKind::Resealed { grant: Some(grant) } => write!(
                f,
                "{item} differs from the one the build on this computer wrote for grant \
                 '{grant}': someone holding that grant's key replaced it (or it is damaged); \
                 build the gallery again and upload it"
            )?,
            ProblemKind::Resealed { grant: None } => write!(
                f,
                "{item} is not one the build on this computer wrote: someone holding a \
                 grant's password or link sealed another manifest into the header; build \
                 the gallery again and upload it"
            )?,
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
    /// The gallery id in the header.
    pub gallery: Id,
    pub albums: usize,
    pub photos: usize,
    /// Originals this grant may download, each checked to its last byte.
    pub originals: usize,
    pub blobs_checked: usize,
    pub problems: Vec<Problem>,
    /// The manifest's file (`b/…`) and the SHA-256 of its bytes, hex.
    pub manifest: (String, String),
    /// Every file this grant leads to (its manifest and blobs), with what
    /// it is, e.g. "the preview of 'IMG_0042.jpg' in album 'Ceremony'".
    pub reached: BTreeMap<String, String>,
    /// The studio as a lock screen that shows it would (its name and
    /// logo, decrypted), when the manifest has a studio: how `check_site`
    /// tells an opted-in lock screen from a page a host changed.
    pub lock_studio: Option<LockStudio>,
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

/// Checks the grant `credential` opens in `site` (a folder or a packed
/// zip). The files no grant needs are checked by [`check_site`].
pub fn verify(site: &SiteFiles, credential: &Credential) -> Result<VerifyReport, VerifyError> {
    verify_with_progress(site, credential, &())
}

/// `verify`, reporting the bytes checked as it goes.
pub fn verify_with_progress(
    site: &SiteFiles,
    credential: &Credential,
    progress: &dyn Progress,
) -> Result<VerifyReport, VerifyError> {
    let header_bytes = read_required(
        site,
        HEADER_FILE,
        MAX_HEADER_LEN,
        VerifyError::HeaderMissing,
    )?;
    let header = Header::parse(&header_bytes).map_err(|reason| VerifyError::HeaderDamaged {
        file: site.describe(HEADER_FILE),
        reason,
    })?;
    let slot = credential.unlock(&header).map_err(|_| match credential {
        Credential::Password(_) => VerifyError::WrongPassword,
        _ => VerifyError::WrongLink,
    })?;
    let manifest_file = blob_path(&slot.manifest_id);
    let manifest_bytes = read_required(
        site,
        &manifest_file,
        MAX_MANIFEST_LEN as u64,
        VerifyError::ManifestMissing,
    )?;
    let manifest = vault::open_manifest(&header, &slot, &manifest_bytes).map_err(|reason| {
        VerifyError::ManifestDamaged {
            file: site.describe(&manifest_file),
            reason,
        }
    })?;
    let checks = blob_checks(&manifest);
    progress.start(checks.iter().map(|check| check.blob.size).sum());
    let problems: Vec<Problem> = checks
        .par_iter()
        .filter_map(|check| {
            let checked = check_blob(site, &header, check);
            progress.checked(check.blob.size);
            checked.err()
        })
        .collect();
    let lock_studio = manifest
        .studio
        .as_ref()
        .map(|studio| lock_studio(site, &header, studio));
    Ok(VerifyReport {
        lock_studio,
        gallery: header.gallery_id,
        albums: manifest.albums.len(),
        photos: manifest.photos().count(),
        originals: manifest.originals(),
        blobs_checked: checks.len(),
        problems,
        manifest: (
            manifest_file.clone(),
            encoding::hex(&<sha2::Sha256 as sha2::Digest>::digest(&manifest_bytes)),
        ),
        reached: std::iter::once((manifest_file, "the manifest".to_owned()))
            .chain(checks.iter().map(|c| (c.blob.path(), c.item.clone())))
            .collect(),
    })
}

/// What the lock screen of a gallery with `studio` shows when the
/// photographer opted in (`build::studio::lock_studio`); the logo is left
/// out when its blob cannot be read (that blob's own check reports it).
fn lock_studio(site: &SiteFiles, header: &Header, studio: &Studio) -> LockStudio {
    use base64::Engine as _;
    let logo = studio.logo.as_ref().and_then(|logo| {
        let bytes = site.read_at_most(&logo.blob.path(), logo.blob.size).ok()?;
        let plain =
            vault::open_pinned_blob(&header.gallery_id, &logo.blob, BlobKind::Studio, &bytes)
                .ok()?;
        Some(LockLogo {
            media_type: logo.media_type.clone(),
            base64: base64::engine::general_purpose::STANDARD.encode(plain),
        })
    });
    LockStudio {
        name: studio.name.clone(),
        logo,
    }
}

/// Reads a file the gallery cannot be opened without, at most one byte more
/// than its largest valid length `limit`; `missing` names it when it is not
/// there.
fn read_required(
    site: &SiteFiles,
    name: &str,
    limit: u64,
    missing: fn(String) -> VerifyError,
) -> Result<Vec<u8>, VerifyError> {
    site.read_at_most(name, limit).map_err(|source| {
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
    let studio = manifest.studio.iter();
    let files = studio.flat_map(|s| [("logo", &s.logo), ("font", &s.font)]);
    for (what, file) in files {
        if let Some(file) = file {
            checks.push(BlobCheck {
                item: format!("the studio's {what}"),
                blob: &file.blob,
                kind: BlobKind::Studio,
                original: None,
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
    let bytes = site
        .read_at_most(&file, check.blob.size)
        .map_err(unreadable)?;
    let mut plaintext = vault::open_pinned_blob(&header.gallery_id, check.blob, check.kind, &bytes)
        .map_err(|_| problem(ProblemKind::Damaged))?;
    zeroize::Zeroize::zeroize(&mut plaintext);
    Ok(())
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
