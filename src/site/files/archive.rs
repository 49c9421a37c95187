//! A packed site: a zip archive read in place with the `zip` crate.
//!
//! Opening checks the whole structure once: every entry of the central
//! directory (the index at the end of the archive) must agree with the
//! local header in front of its data (name, CRC-32, sizes) and lie before
//! the index. A byte flipped in the index is then a damaged archive, not a
//! "missing" photo. Entries must be stored, as `pack` writes them.
//!
//! Readers are pooled: each thread reading at once takes its own open
//! archive (one file handle, one position), so `verify` stays parallel.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use zip::{CompressionMethod, ZipArchive};

use super::{SiteFile, SiteFilesError};
use crate::site::atomic::is_temp_file;

/// Local file header signature (APPNOTE 4.3.7).
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
/// Length of the local file header before the name (APPNOTE 4.3.7).
const LOCAL_HEADER_LEN: usize = 30;
/// General purpose flag bit 3: CRC and sizes follow the data instead.
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
/// A 32-bit size field whose value is in the ZIP64 extra field.
const ZIP64_MARK: u32 = u32::MAX;

pub struct ZipSite {
    path: PathBuf,
    /// Regular files, sorted by name, without temporary files.
    files: Vec<SiteFile>,
    /// Open archives not in use by any thread.
    idle: Mutex<Vec<ZipArchive<File>>>,
}

/// What the central directory says about one entry.
struct IndexEntry {
    name: String,
    name_raw: Vec<u8>,
    header_start: u64,
    crc32: u32,
    compressed: u64,
    size: u64,
}

impl ZipSite {
    /// Opens `path` and checks every entry against the index.
    pub fn open(path: &Path) -> Result<Self, SiteFilesError> {
        let mut archive = open_archive(path)?;
        let mut local = File::open(path).map_err(|source| SiteFilesError::Io {
            path: path.to_owned(),
            source,
        })?;
        let index_start = archive.central_directory_start();
        check_entry_names(path, &mut local, index_start)?;
        let mut files = Vec::new();
        for i in 0..archive.len() {
            let entry = index_entry(path, &mut archive, i)?;
            check_local_header(&mut local, &entry, index_start)
                .map_err(|reason| damaged(path, reason))?;
            let base_name = entry.name.rsplit('/').next().unwrap_or_default();
            if !entry.name.ends_with('/') && !is_temp_file(base_name) {
                files.push(SiteFile {
                    name: entry.name,
                    bytes: entry.size,
                });
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            path: path.to_owned(),
            files,
            idle: Mutex::new(vec![archive]),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn list(&self) -> &[SiteFile] {
        &self.files
    }

    pub fn contains(&self, name: &str) -> bool {
        self.files
            .binary_search_by(|file| file.name.as_str().cmp(name))
            .is_ok()
    }

    /// Runs `read` on entry `name`, with an archive of the pool.
    pub fn with_reader<T>(
        &self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut archive = match pooled {
            Some(archive) => archive,
            None => ZipArchive::new(File::open(&self.path)?)?,
        };
        let result = match archive.by_name(name) {
            Ok(mut entry) => read(&mut entry),
            Err(error) => Err(error.into()),
        };
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(archive);
        result
    }
}

/// Central directory file header signature (APPNOTE 4.3.12).
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
/// Length of the central directory file header before the name.
const CENTRAL_HEADER_LEN: usize = 46;

/// Refuses an archive with an entry name that is unsafe to unpack or that
/// clashes with another. The names are read from the index itself: the
/// `zip` crate keeps one entry per name, so it never shows a duplicate.
fn check_entry_names(path: &Path, file: &mut File, index_start: u64) -> Result<(), SiteFilesError> {
    let names = index_names(file, index_start)
        .map_err(|error| damaged(path, format!("its index of files cannot be read ({error})")))?;
    let mut seen = EntryNames::default();
    for name in names {
        let name = String::from_utf8_lossy(&name);
        seen.add(&name)
            .map_err(|reason| SiteFilesError::ArchiveUnsafeName {
                archive: path.to_owned(),
                entry: name.escape_debug().to_string(),
                reason,
            })?;
    }
    Ok(())
}

/// The raw name of every entry of the central directory at `start`, in
/// order, duplicates included.
fn index_names(file: &mut File, start: u64) -> io::Result<Vec<Vec<u8>>> {
    let mut reader = io::BufReader::new(file);
    reader.seek(SeekFrom::Start(start))?;
    let mut names = Vec::new();
    loop {
        let mut fixed = [0u8; CENTRAL_HEADER_LEN];
        if reader.read_exact(&mut fixed).is_err() {
            break;
        }
        let u16_at = |at: usize| usize::from(u16::from_le_bytes([fixed[at], fixed[at + 1]]));
        if u32::from_le_bytes(fixed[..4].try_into().expect("4 bytes")) != CENTRAL_SIGNATURE {
            break;
        }
        let mut name = vec![0u8; u16_at(28)];
        reader.read_exact(&mut name)?;
        let skip = (u16_at(30) + u16_at(32)) as i64;
        reader.seek_relative(skip)?;
        names.push(name);
    }
    Ok(names)
}

/// The entry names met so far, to refuse one that would clash with another
/// once unpacked.
#[derive(Default)]
struct EntryNames {
    /// By lowercase name (and without a folder's trailing `/`): the name as
    /// given.
    folded: std::collections::HashMap<String, String>,
}

impl EntryNames {
    /// Adds `name`; the reason it is refused, if it is.
    fn add(&mut self, name: &str) -> Result<(), String> {
        if let Some(reason) = unsafe_name(name) {
            return Err(reason.to_owned());
        }
        let key = name.trim_end_matches('/').to_lowercase();
        match self.folded.insert(key, name.to_owned()) {
            Some(earlier) if earlier == name => Err("appears twice: unzip tools keep one copy or the other, so what is checked may not be what is unpacked".to_owned()),
            Some(earlier) => Err(format!(
                "differs from the entry '{}' only in letter case: on Windows and macOS both are one file",
                earlier.escape_debug()
            )),
            None => Ok(()),
        }
    }
}

/// Why an entry name is unsafe to unpack, if it is: absolute, with a
/// `..`, `.` or empty part, a backslash (a folder separator on Windows) or
/// a control character.
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if name.starts_with('/') || (bytes.len() >= 2 && bytes[1] == b':') {
        return Some("is absolute (it starts at the top of a disk)");
    }
    if name.contains('\\') {
        return Some("holds a backslash, which Windows reads as a folder separator");
    }
    if name.chars().any(char::is_control) {
        return Some("holds a control character");
    }
    let parts = name.strip_suffix('/').unwrap_or(name).split('/');
    for part in parts {
        match part {
            ".." => return Some("climbs out of its folder ('..')"),
            "" | "." => return Some("has an empty or '.' part"),
            _ => {}
        }
    }
    None
}

fn open_archive(path: &Path) -> Result<ZipArchive<File>, SiteFilesError> {
    let file = File::open(path).map_err(|source| SiteFilesError::Io {
        path: path.to_owned(),
        source,
    })?;
    ZipArchive::new(file).map_err(|error| {
        let reason = match error {
            zip::result::ZipError::InvalidArchive(_) => format!(
                "the index of its files, at its end, is missing or damaged, as after an incomplete copy or download ({error})"
            ),
            _ => error.to_string(),
        };
        damaged(path, reason)
    })
}

fn damaged(path: &Path, reason: String) -> SiteFilesError {
    SiteFilesError::ArchiveDamaged {
        archive: path.to_owned(),
        reason,
    }
}

/// Entry `i` as the index describes it; refuses compressed and encrypted
/// entries.
fn index_entry(
    path: &Path,
    archive: &mut ZipArchive<File>,
    i: usize,
) -> Result<IndexEntry, SiteFilesError> {
    let entry = archive
        .by_index_raw(i)
        .map_err(|error| damaged(path, format!("entry {}: {error}", i + 1)))?;
    if entry.compression() != CompressionMethod::Stored || entry.encrypted() {
        return Err(SiteFilesError::ArchiveUnsupported {
            archive: path.to_owned(),
            entry: entry.name().to_owned(),
        });
    }
    Ok(IndexEntry {
        name: entry.name().to_owned(),
        name_raw: entry.name_raw().to_vec(),
        header_start: entry.header_start(),
        crc32: entry.crc32(),
        compressed: entry.compressed_size(),
        size: entry.size(),
    })
}

/// Compares `entry` with its local header; the reason when they disagree.
fn check_local_header(file: &mut File, entry: &IndexEntry, index_start: u64) -> Result<(), String> {
    let disagree = |what: &str| {
        format!(
            "its index and its entry '{}' disagree on the entry's {what}",
            entry.name
        )
    };
    let mut fixed = [0u8; LOCAL_HEADER_LEN];
    let mut name = vec![0u8; entry.name_raw.len()];
    file.seek(SeekFrom::Start(entry.header_start))
        .and_then(|_| file.read_exact(&mut fixed))
        .and_then(|()| file.read_exact(&mut name))
        .map_err(|error| format!("cannot read the entry '{}': {error}", entry.name))?;
    let u16_at = |at: usize| u16::from_le_bytes([fixed[at], fixed[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(fixed[at..at + 4].try_into().expect("4 bytes"));
    if u32_at(0) != LOCAL_SIGNATURE {
        return Err(disagree("position"));
    }
    if u16_at(8) != 0 {
        return Err(disagree("compression method"));
    }
    if usize::from(u16_at(26)) != name.len() || name != entry.name_raw {
        return Err(disagree("name"));
    }
    if u16_at(6) & FLAG_DATA_DESCRIPTOR == 0 {
        if u32_at(14) != entry.crc32 {
            return Err(disagree("checksum (CRC-32)"));
        }
        for (at, expected) in [(18, entry.compressed), (22, entry.size)] {
            let local = u32_at(at);
            if local != ZIP64_MARK && u64::from(local) != expected {
                return Err(disagree("size"));
            }
        }
    }
    let data_start = entry.header_start
        + (LOCAL_HEADER_LEN + usize::from(u16_at(26)) + usize::from(u16_at(28))) as u64;
    if entry.compressed != entry.size || data_start + entry.compressed > index_start {
        return Err(disagree("size"));
    }
    Ok(())
}
