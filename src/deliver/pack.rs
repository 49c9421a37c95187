//! `lightproof pack`: a built site as one reproducible `.zip`, to archive
//! or to hand to a host that takes an upload as an archive.
//!
//! Invariant: the same files give the same bytes, whatever their times,
//! owners and permissions and whatever order the file system lists them
//! in. Entries are sorted by name, stamped 1980-01-01 00:00 (the earliest
//! time a zip can hold) with mode 0644, and stored: blobs are ciphertext,
//! so compression gains nothing. No folder entries and no extra fields but
//! ZIP64's, which an entry gets only when it or its offset passes 4 GiB.
//! Every regular file of the site goes in, the `.lightproof` marker too;
//! temporary files of interrupted builds stay out.
//!
//! The zip is written under a temporary name beside its target and renamed
//! into place, so an interrupted pack never leaves a half archive.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::site::atomic::{self, WriteFailed};
use crate::site::files::{SiteFile, SiteFiles, SiteFilesError};
use crate::site::writer::{is_site, resolve, WriteError};

/// Mode of every entry: `rw-r--r--`.
const FILE_MODE: u32 = 0o644;
/// Entries at or past this size or offset need ZIP64 fields.
const ZIP64_LIMIT: u64 = u32::MAX as u64;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    #[error("'{0}' is not a folder: give the gallery folder that `lightproof build --out` wrote")]
    NotAFolder(PathBuf),
    #[error("'{0}' is not a lightproof gallery (no gallery.bin and no .lightproof marker): give the folder that `lightproof build --out` wrote")]
    NotAGallery(PathBuf),
    #[error("the zip '{out}' would be inside the gallery '{site}' it packs; write it beside the folder (the default) or anywhere else")]
    InsideSite { out: PathBuf, site: PathBuf },
    #[error("'{0}' is a folder; give the name of the zip file to write, e.g. -o gallery.zip")]
    OutIsFolder(PathBuf),
    #[error("cannot open '{path}': {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Site(#[from] SiteFilesError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

#[derive(Debug)]
pub struct PackReport {
    /// The zip written.
    pub out: PathBuf,
    pub files: usize,
    /// Size of the zip.
    pub bytes: u64,
}

/// Packs the gallery folder `site` into `out`, by default `<site>.zip`
/// beside it.
pub fn pack(site: &Path, out: Option<&Path>) -> Result<PackReport, PackError> {
    let root = gallery_folder(site)?;
    let out = match out {
        Some(out) => out.to_owned(),
        None => default_out(&root),
    };
    check_out(&root, &out)?;
    let files = SiteFiles::Folder(root.clone()).list()?;
    atomic::write_with(&out, |file| write_zip(&root, &files, file))
        .map_err(|e| WriteError::from(WriteFailed::at(&out)(e)))?;
    let bytes = std::fs::metadata(&out)
        .map_err(|source| PackError::Io {
            path: out.clone(),
            source,
        })?
        .len();
    Ok(PackReport {
        out,
        files: files.len(),
        bytes,
    })
}

/// `site`, absolute, once it is known to be a gallery folder.
fn gallery_folder(site: &Path) -> Result<PathBuf, PackError> {
    let root = site.canonicalize().map_err(|source| PackError::Io {
        path: site.to_owned(),
        source,
    })?;
    if !root.is_dir() {
        return Err(PackError::NotAFolder(site.to_owned()));
    }
    if !is_site(&root) {
        return Err(PackError::NotAGallery(site.to_owned()));
    }
    Ok(root)
}

/// `<folder>.zip` beside the folder.
fn default_out(root: &Path) -> PathBuf {
    let name = root.file_name().unwrap_or_default().to_string_lossy();
    root.with_file_name(format!("{name}.zip"))
}

fn check_out(root: &Path, out: &Path) -> Result<(), PackError> {
    if out.is_dir() {
        return Err(PackError::OutIsFolder(out.to_owned()));
    }
    let resolved = resolve(out).map_err(|source| PackError::Io {
        path: out.to_owned(),
        source,
    })?;
    if resolved.starts_with(root) {
        return Err(PackError::InsideSite {
            out: out.to_owned(),
            site: root.to_owned(),
        });
    }
    Ok(())
}

/// Writes `files` of `root` as a zip into `file`, and syncs it.
fn write_zip(root: &Path, files: &[SiteFile], file: &mut File) -> io::Result<()> {
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    for entry in files {
        let path = root.join(&entry.name);
        let context = |error: io::Error| {
            let message = format!("cannot read '{}': {error}", path.display());
            io::Error::new(error.kind(), message)
        };
        let mut source = File::open(&path).map_err(context)?;
        let bytes = source.metadata().map_err(context)?.len();
        zip.start_file(entry.name.as_str(), entry_options(bytes))?;
        copy(&mut source, &mut zip, context)?;
    }
    let mut buffered = zip.finish()?;
    buffered.flush()?;
    buffered
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()
}

/// `io::copy`, with read errors (the site's) told apart from write errors
/// (the zip's) by `context`.
fn copy(
    source: &mut impl Read,
    target: &mut impl Write,
    context: impl Fn(io::Error) -> io::Error,
) -> io::Result<()> {
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = source.read(&mut buffer).map_err(&context)?;
        if read == 0 {
            return Ok(());
        }
        target.write_all(&buffer[..read])?;
    }
}

/// The fixed options of an entry of `bytes` bytes.
fn entry_options(bytes: u64) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(FILE_MODE)
        .large_file(bytes >= ZIP64_LIMIT)
}
