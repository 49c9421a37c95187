//! The write stage: a guarded output folder and atomic writes.
//!
//! Every file is written to a temporary name in its final folder, synced and
//! renamed into place, so a reader (or an interrupted build) only ever sees a
//! whole old file or a whole new one; a file whose bytes would not change is
//! left alone. A build that is killed at any moment (or loses power) leaves
//! a gallery that opens and verifies, because the writes come in this order:
//!
//! 1. Blobs and their offline copies, under fresh random names that the
//!    gallery in place does not use.
//! 2. The viewer files. They only change with the lightproof version; when
//!    `viewer.wasm` does, `gallery.bin.js` is withdrawn first (step 3).
//! 3. The switch. The new header and its offline copy are written and
//!    synced under temporary names, and the folders are synced, so that
//!    everything the new header names is on disk before it. `gallery.bin.js`
//!    vouches that every offline copy equals its file, so it is removed
//!    (durably) before `gallery.bin` changes; then `gallery.bin` is renamed
//!    into place. Up to this rename the previous gallery is whole; from it
//!    on, the new one is. Killed between the removal and step 4, the site
//!    opens from a web host only, until the next build.
//! 4. `gallery.bin.js` is renamed into place, and the folder synced.
//! 5. Blobs the new gallery does not use, their copies and temporary files
//!    left by interrupted builds are removed. None of them is named by the
//!    header in place, so a kill here costs only disk space, which the next
//!    build reclaims.
//!
//! The build cache (see `cache`) is saved after all this: killed earlier,
//! the next build works from the previous cache, whose every entry is
//! checked against the site before it is reused.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::atomic::{self, Staged, WriteFailed};
use super::names::{is_blob_name, MARKER_FILE, MARKER_TEXT, WASM_FILE};
use super::offline;
use crate::format::{blob_path, header::MAGIC, Id, BLOB_DIR, HEADER_FILE};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    #[error("the output folder '{0}' is not empty and is not a lightproof gallery; choose an empty folder, or add --force to write into it anyway")]
    NotASite(PathBuf),
    #[error("the output folder '{out}' must be outside the shoot folder '{shoot}' (lightproof never writes into a shoot)")]
    OverlapsShoot { out: PathBuf, shoot: PathBuf },
    #[error(transparent)]
    Io(#[from] WriteFailed),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io(WriteFailed::at(path)(source))
}

/// Whether `dir` holds a gallery header or our marker.
pub fn is_site(dir: &Path) -> bool {
    let header_ok = fs::read(dir.join(HEADER_FILE)).is_ok_and(|bytes| bytes.starts_with(MAGIC));
    header_ok || dir.join(MARKER_FILE).is_file()
}

/// An output folder that passed the guards.
pub struct SiteWriter {
    out: PathBuf,
    offline: bool,
}

impl SiteWriter {
    /// Checks and creates `out`. Refuses a folder that overlaps `shoot`, and
    /// a non-empty folder that is not a gallery unless `force`.
    pub fn prepare(out: &Path, shoot: &Path, force: bool) -> Result<Self, WriteError> {
        check_outside_shoot(out, shoot)?;
        fs::create_dir_all(out).map_err(io_error(out))?;
        let out = out.canonicalize().map_err(io_error(out))?;
        let empty = fs::read_dir(&out).map_err(io_error(&out))?.next().is_none();
        if !empty && !is_site(&out) && !force {
            return Err(WriteError::NotASite(out));
        }
        let writer = Self { out, offline: true };
        writer.write_file(MARKER_FILE, MARKER_TEXT.as_bytes())?;
        let blobs = writer.out.join(BLOB_DIR);
        fs::create_dir_all(&blobs).map_err(io_error(&blobs))?;
        Ok(writer)
    }

    /// An existing gallery folder, opened only to replace its header
    /// (`link --renew`). Its header keeps an offline copy if it has one.
    pub fn existing(out: &Path) -> Result<Self, WriteError> {
        let out = out.canonicalize().map_err(io_error(out))?;
        if !is_site(&out) {
            return Err(WriteError::NotASite(out));
        }
        let offline = offline::is_present(&out, HEADER_FILE);
        Ok(Self { out, offline })
    }

    /// Replaces `gallery.bin` (and `gallery.bin.js`, if the site has
    /// offline copies) in the order of the switch in [`SiteWriter::finish`],
    /// and nothing else.
    pub fn replace_header(&self, header: &[u8]) -> Result<(), WriteError> {
        let mut staged = vec![stage(&self.out.join(HEADER_FILE), header)?];
        if self.offline {
            staged.extend(self.staged_offline_copy(HEADER_FILE, header)?);
        }
        self.withdraw_offline_header()?;
        for file in staged {
            commit(file)?;
        }
        sync(&self.out)
    }

    pub fn root(&self) -> &Path {
        &self.out
    }

    /// Whether files get offline copies (see `offline`); on by default.
    pub fn set_offline(&mut self, offline: bool) {
        self.offline = offline;
    }

    pub fn offline(&self) -> bool {
        self.offline
    }

    /// Writes `b/<id>` atomically, and its offline copy.
    pub fn write_blob(&self, id: &Id, bytes: &[u8]) -> Result<(), WriteError> {
        let name = blob_path(id);
        atomic::write(&self.out.join(&name), bytes).map_err(io_error(&self.out.join(&name)))?;
        if self.offline {
            offline::write(&self.out, &name, bytes)?;
        }
        Ok(())
    }

    /// Writes `b/<id>` atomically from `fill`, which streams into a
    /// buffered temporary file (for originals too large to hold twice).
    pub fn write_blob_with<T>(
        &self,
        id: &Id,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<T>,
    ) -> Result<T, WriteError> {
        let name = blob_path(id);
        let value = atomic::write_streamed(&self.out.join(&name), fill)
            .map_err(io_error(&self.out.join(&name)))?;
        if self.offline {
            offline::write_from_file(&self.out, &name)?;
        }
        Ok(value)
    }

    /// Writes a file at the root of the site atomically, unless it already
    /// holds `bytes` (the viewer files rarely change between builds).
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        if self.holds(name, bytes) {
            return Ok(());
        }
        atomic::write(&self.out.join(name), bytes).map_err(io_error(&self.out.join(name)))
    }

    /// Writes a file the viewer reads (at the root of the site) and its
    /// offline copy, unless both already hold `bytes`. The header's offline
    /// copy is withdrawn first: it must never vouch for a copy that differs
    /// from its file.
    pub fn write_viewer_input(&self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let copy_current = !self.offline || offline::is_current(&self.out, name, bytes);
        if copy_current && self.holds(name, bytes) {
            return Ok(());
        }
        self.withdraw_offline_header()?;
        atomic::write(&self.out.join(name), bytes).map_err(io_error(&self.out.join(name)))?;
        if self.offline {
            offline::write(&self.out, name, bytes)?;
        }
        Ok(())
    }

    /// Switches to the new gallery by writing the header (see the module
    /// doc for the order and why it is safe to kill), then removes blobs
    /// not in `keep` and temporary files left by interrupted builds.
    /// Offline copies missing for kept blobs (reused from a build without
    /// them) are written first; stale ones go with their blobs.
    /// Returns the names of the removed blobs.
    pub fn finish(self, header: &[u8], keep: &HashSet<String>) -> Result<Vec<String>, WriteError> {
        if self.offline {
            self.complete_offline_copies(keep)?;
        }
        // The new header and its offline copy are written and synced
        // under temporary names first, so that the switch itself is only
        // an unlink and two renames.
        let mut staged = vec![stage(&self.out.join(HEADER_FILE), header)?];
        if self.offline {
            staged.extend(self.staged_offline_copy(HEADER_FILE, header)?);
        }
        // Without these, a power cut could keep the header's rename but
        // lose the renames of the files it needs.
        sync(&self.out.join(BLOB_DIR))?;
        sync(&self.out)?;
        self.withdraw_offline_header()?;
        for file in staged {
            commit(file)?;
        }
        sync(&self.out)?;
        let removed = self.remove_stale_blobs(keep)?;
        if !self.offline {
            self.remove_root_offline_copies()?;
        }
        atomic::remove_temp_files(&self.out).map_err(io_error(&self.out))?;
        Ok(removed)
    }

    /// The offline copy of `name`, staged.
    fn staged_offline_copy(&self, name: &str, bytes: &[u8]) -> Result<Vec<Staged>, WriteError> {
        offline::parts(name, bytes)
            .map(|(file, script)| stage(&self.out.join(file), script.as_bytes()))
            .collect()
    }

    /// Whether the file `name` already holds exactly `bytes`.
    fn holds(&self, name: &str, bytes: &[u8]) -> bool {
        fs::read(self.out.join(name)).is_ok_and(|current| current == bytes)
    }

    /// Removes `gallery.bin.js` (part 0 first: its presence is what says
    /// the site has complete offline copies) and durably so, before a file
    /// with an offline copy changes.
    fn withdraw_offline_header(&self) -> Result<(), WriteError> {
        let mut parts = Vec::new();
        for entry in fs::read_dir(&self.out).map_err(io_error(&self.out))? {
            let entry = entry.map_err(io_error(&self.out))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if offline::blob_of_part(&name) == Some(HEADER_FILE) {
                parts.push(name);
            }
        }
        if parts.is_empty() {
            return Ok(());
        }
        let first = offline::part_name(HEADER_FILE, 0);
        parts.sort_by_key(|name| *name != first);
        for name in parts {
            let path = self.out.join(name);
            fs::remove_file(&path).map_err(io_error(&path))?;
        }
        sync(&self.out)
    }

    /// Removes blobs not in `keep`, offline copies of blobs that are gone
    /// or no longer wanted, and temporary files in `b/`. Copies go first,
    /// durably, and blobs after them: a kill in between leaves a blob
    /// without its copy (which `verify` accepts for a blob no grant reaches),
    /// never a copy without its blob (an orphaned script).
    fn remove_stale_blobs(&self, keep: &HashSet<String>) -> Result<Vec<String>, WriteError> {
        let blobs = self.out.join(BLOB_DIR);
        let mut stale_blobs = Vec::new();
        let mut removed = Vec::new();
        for entry in fs::read_dir(&blobs).map_err(io_error(&blobs))? {
            let entry = entry.map_err(io_error(&blobs))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_blob_name(&name) && !keep.contains(&name) {
                stale_blobs.push(name);
                continue;
            }
            let stale_copy = offline::blob_of_part(&name)
                .is_some_and(|blob| !self.offline || !keep.contains(blob));
            if stale_copy || atomic::has_temp_infix(&name) {
                fs::remove_file(entry.path()).map_err(io_error(&entry.path()))?;
                removed.extend(stale_copy.then_some(name));
            }
        }
        sync(&blobs)?;
        for name in stale_blobs {
            let path = blobs.join(&name);
            fs::remove_file(&path).map_err(io_error(&path))?;
            removed.push(name);
        }
        removed.sort();
        Ok(removed)
    }

    fn complete_offline_copies(&self, keep: &HashSet<String>) -> Result<(), WriteError> {
        for blob in keep {
            let name = format!("{BLOB_DIR}/{blob}");
            if !offline::is_present(&self.out, &name) {
                offline::write_from_file(&self.out, &name)?;
            }
        }
        Ok(())
    }

    /// Removes `gallery.bin.js`, `viewer.wasm.js` and their parts.
    fn remove_root_offline_copies(&self) -> Result<(), WriteError> {
        for entry in fs::read_dir(&self.out).map_err(io_error(&self.out))? {
            let entry = entry.map_err(io_error(&self.out))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let copy = [HEADER_FILE, WASM_FILE]
                .iter()
                .any(|file| offline::blob_of_part(&name) == Some(file));
            if copy {
                fs::remove_file(entry.path()).map_err(io_error(&entry.path()))?;
            }
        }
        Ok(())
    }
}

/// Refuses an output path inside the shoot folder (or one that holds it).
pub fn check_outside_shoot(out: &Path, shoot: &Path) -> Result<(), WriteError> {
    let shoot = shoot.canonicalize().map_err(io_error(shoot))?;
    let resolved = resolve(out).map_err(io_error(out))?;
    if resolved.starts_with(&shoot) || shoot.starts_with(&resolved) {
        return Err(WriteError::OverlapsShoot {
            out: resolved,
            shoot,
        });
    }
    Ok(())
}

/// The absolute, symlink-free form of `path`, which may not exist yet: its
/// nearest existing ancestor, canonicalised, joined with the rest.
pub(crate) fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name().unwrap_or_default().to_owned());
        existing = existing.parent().unwrap_or(Path::new("/"));
    }
    let mut resolved = existing.canonicalize()?;
    resolved.extend(rest.iter().rev());
    Ok(resolved)
}

fn stage(path: &Path, bytes: &[u8]) -> Result<Staged, WriteError> {
    Staged::new(path, bytes).map_err(io_error(path))
}

fn commit(file: Staged) -> Result<(), WriteError> {
    let path = file.path().to_owned();
    file.commit().map_err(io_error(&path))
}

fn sync(dir: &Path) -> Result<(), WriteError> {
    atomic::sync_dir(dir).map_err(io_error(dir))
}
