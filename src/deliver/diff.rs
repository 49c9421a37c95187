//! `lightproof diff`: what to upload and what to delete to turn a published
//! site (OLD) into a new build (NEW), each a folder or a packed zip.
//!
//! A file is changed when its size differs or, at equal size, its SHA-256
//! does. The `.lightproof` marker and temporary files are never listed.
//!
//! Invariant: uploading in the order given never leaves the live site
//! pointing at a file that is not there yet. Blobs (`b/…`) come first, then
//! their offline copies (`b/….js`, which verify refuses without their blob),
//! then the page and the viewer, and the header last (`gallery.bin.js`, then
//! `gallery.bin`): the header names the manifest, which names the blobs.
//! Deletes come after every upload, and old blobs are only deleted once the
//! new header no longer names them.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::format::HEADER_FILE;
use crate::site::files::{SiteFile, SiteFiles, SiteFilesError};
use crate::site::names::{in_blob_dir, MARKER_FILE};
use crate::site::offline;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    #[error(transparent)]
    Site(#[from] SiteFilesError),
    #[error("cannot read {file}: {source}")]
    Read { file: String, source: io::Error },
}

/// The changes, in upload order. Serialises as
/// `{"upload":[{"path":…,"bytes":…}],"delete":[…],"unchanged":N}`.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub upload: Vec<Upload>,
    pub delete: Vec<String>,
    /// Files in both, byte for byte the same.
    pub unchanged: usize,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Upload {
    pub path: String,
    pub bytes: u64,
}

/// Compares the files of `old` and `new`.
pub fn diff(old: &SiteFiles, new: &SiteFiles) -> Result<Diff, DiffError> {
    let old_files: BTreeMap<String, u64> = listed(old)?
        .into_iter()
        .map(|file| (file.name, file.bytes))
        .collect();
    let new_files = listed(new)?;
    let (same_size, mut upload): (Vec<SiteFile>, Vec<SiteFile>) = new_files
        .iter()
        .cloned()
        .partition(|file| old_files.get(&file.name) == Some(&file.bytes));
    let changed = same_size
        .par_iter()
        .map(|file| Ok((file, digest(old, &file.name)? != digest(new, &file.name)?)))
        .collect::<Result<Vec<_>, DiffError>>()?;
    let unchanged = changed.iter().filter(|(_, differs)| !differs).count();
    upload.extend(
        changed
            .into_iter()
            .filter(|(_, differs)| *differs)
            .map(|(file, _)| file.clone()),
    );
    upload.sort_by(|a, b| UploadStep::order(&a.name, &b.name));
    let kept: BTreeSet<&str> = new_files.iter().map(|file| file.name.as_str()).collect();
    let delete = old_files
        .into_keys()
        .filter(|name| !kept.contains(name.as_str()))
        .collect();
    Ok(Diff {
        upload: upload
            .into_iter()
            .map(|file| Upload {
                path: file.name,
                bytes: file.bytes,
            })
            .collect(),
        delete,
        unchanged,
    })
}

/// The files of `site` that belong on a host (no marker).
fn listed(site: &SiteFiles) -> Result<Vec<SiteFile>, DiffError> {
    Ok(site
        .list()?
        .into_iter()
        .filter(|file| file.name != MARKER_FILE)
        .collect())
}

/// When a file goes up, in the order of the steps: a file is only named by
/// files of later steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum UploadStep {
    /// An encrypted file in `b/` (or anything else there but a copy).
    Blob,
    /// The offline copy of a blob: `b/NAME.js`, `b/NAME.3.js`.
    BlobCopy,
    /// The page, the viewer and whatever else is not the header.
    Page,
    /// `gallery.bin.js` and its parts.
    HeaderCopy,
    /// `gallery.bin`.
    Header,
}

impl UploadStep {
    pub(crate) fn of(name: &str) -> UploadStep {
        if in_blob_dir(name) {
            match offline::part_of(name) {
                Some(_) => UploadStep::BlobCopy,
                None => UploadStep::Blob,
            }
        } else if name == HEADER_FILE {
            UploadStep::Header
        } else if offline::part_of(name).is_some_and(|(file, _)| file == HEADER_FILE) {
            UploadStep::HeaderCopy
        } else {
            UploadStep::Page
        }
    }

    /// The upload order of two site files: by step, then by name.
    pub(crate) fn order(a: &str, b: &str) -> std::cmp::Ordering {
        UploadStep::of(a)
            .cmp(&UploadStep::of(b))
            .then_with(|| a.cmp(b))
    }
}

fn digest(site: &SiteFiles, name: &str) -> Result<[u8; 32], DiffError> {
    site.with_reader(name, |reader| {
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = reader.read(&mut buffer)?;
            if read == 0 {
                return Ok(hasher.finalize().into());
            }
            hasher.update(&buffer[..read]);
        }
    })
    .map_err(|source| DiffError::Read {
        file: site.describe(name),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::UploadStep;

    #[test]
    fn blobs_go_up_first_then_their_copies_and_the_header_last() {
        let mut names = [
            "gallery.bin",
            "viewer.wasm",
            "b/zzz.js",
            "b/aaa.js",
            "b/zzz",
            "gallery.bin.js",
            "index.html",
            "b/aaa",
            "bogus/file",
            "_headers",
        ];
        names.sort_by(|a, b| UploadStep::order(a, b));
        assert_eq!(
            names,
            [
                "b/aaa",
                "b/zzz",
                "b/aaa.js",
                "b/zzz.js",
                "_headers",
                "bogus/file",
                "index.html",
                "viewer.wasm",
                "gallery.bin.js",
                "gallery.bin"
            ]
        );
    }
}
