//! Atomic file writes, used by everything that writes: the contents go to a
//! temporary name in the file's own folder, are synced, and are renamed into
//! place, so a reader (or an interrupted write) sees the whole old file or
//! the whole new one. Temporary names are `.<name>.tmp-<random>`, which
//! [`is_temp_file`] recognises and every reader of a site skips.
//!
//! These are primitives: they return plain I/O errors, and a caller names
//! the file with [`WriteFailed::at`] (or its own error type).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::format::encoding;
use crate::random::random;

const TEMP_INFIX: &str = ".tmp-";

/// A write that failed, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("cannot write '{path}': {source}")]
pub struct WriteFailed {
    pub path: PathBuf,
    pub source: io::Error,
}

impl WriteFailed {
    /// Turns an I/O error about `path` into a `WriteFailed`.
    pub fn at(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self {
            path: path.to_owned(),
            source,
        }
    }
}

/// Whether `name` (a file name, not a path) is a temporary file that an
/// interrupted write left behind: never part of a site.
pub fn is_temp_file(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_INFIX)
}

/// Whether a name holds the temporary-file infix (in `b/`, where stale
/// temporary files are swept with the blobs).
pub fn has_temp_infix(name: &str) -> bool {
    name.contains(TEMP_INFIX)
}

/// Writes `path` through a temporary file in the same folder and a rename.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |file| {
        file.write_all(bytes)?;
        file.sync_all()
    })
}

/// [`write`] for contents that `fill` streams into a buffered temporary
/// file (too large to hold in memory).
pub fn write_streamed<T>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    write_with(path, |file| {
        let mut buffered = io::BufWriter::with_capacity(1 << 20, file);
        let value = fill(&mut buffered)?;
        buffered
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        Ok(value)
    })
}

/// [`write`] with the contents written (and synced) by `fill`.
pub fn write_with<T>(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> io::Result<T>,
) -> io::Result<T> {
    write_opened(path, fs::OpenOptions::new(), fill)
}

/// [`write`] for secrets: the temporary file is created new with mode 0600
/// in a folder created with mode 0700. Temporary files of `path` left by
/// killed writes are removed first (they hold secrets too).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    remove_leftovers_of(path);
    let mut options = fs::OpenOptions::new();
    options.create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    write_opened(path, options, |file| {
        file.write_all(bytes)?;
        file.sync_all()
    })
}

fn write_opened<T>(
    path: &Path,
    mut options: fs::OpenOptions,
    fill: impl FnOnce(&mut fs::File) -> io::Result<T>,
) -> io::Result<T> {
    let temp = temp_path(path);
    let result = (|| {
        let mut file = options
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        let value = fill(&mut file)?;
        fs::rename(&temp, path)?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A fresh temporary name beside `path`, which [`is_temp_file`] knows.
pub fn temp_path(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        "{}{}",
        temp_prefix(path),
        encoding::hex(&random::<6>())
    ))
}

fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}{TEMP_INFIX}")
}

/// Removes the temporary files of `path`; one that cannot be removed is
/// left for the next write.
fn remove_leftovers_of(path: &Path) {
    let dir = path.parent().unwrap_or(Path::new("."));
    let prefix = temp_prefix(path);
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Removes every temporary file directly in `dir`.
pub fn remove_temp_files(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_temp_file(&name) && entry.path().is_file() {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Makes the names in `dir` durable (after renames and removals).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir).and_then(|d| d.sync_all())
}

/// A file written and synced under a temporary name in its folder, put in
/// place by [`Staged::commit`]; dropped uncommitted, it is removed. For
/// several files that must appear in a chosen order, after a folder sync.
pub struct Staged {
    temp: PathBuf,
    path: PathBuf,
}

impl Staged {
    pub fn new(path: &Path, bytes: &[u8]) -> io::Result<Self> {
        let staged = Self {
            temp: temp_path(path),
            path: path.to_owned(),
        };
        let mut file = fs::File::create(&staged.temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(staged)
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn commit(self) -> io::Result<()> {
        fs::rename(&self.temp, &self.path)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.temp);
    }
}
