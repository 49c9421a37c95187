//! A folder as a publish target: the same operations as a bucket, so the
//! whole publish (its order, its conditions, its sweep) runs and is tested
//! without a server, and a gallery can be published to a mounted share.
//!
//! Puts go through a temporary file and a rename (`site::atomic`). A
//! version is the file's size, modification time and inode: cheap to list,
//! and changed by any write. The conditions are checked just before the
//! rename, which is as close as a plain folder allows.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::{Condition, RemoteError, RemoteObject, Version};
use crate::site::atomic::{self, is_temp_file};
use crate::site::files::site_name;

pub struct Folder {
    root: PathBuf,
}

impl Folder {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn unreadable(&self, path: &Path, source: io::Error) -> RemoteError {
        RemoteError::Local {
            path: path.to_owned(),
            source,
        }
    }

    /// Every file but temporary ones; a missing folder is empty.
    pub fn list(&self) -> Result<Vec<RemoteObject>, RemoteError> {
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        let mut objects = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root).min_depth(1) {
            let entry = entry.map_err(|error| {
                let path = error.path().unwrap_or(&self.root).to_owned();
                self.unreadable(&path, error.into())
            })?;
            if !entry.file_type().is_file() || is_temp_file(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let Some(name) = site_name(&self.root, entry.path()) else {
                continue;
            };
            let meta = entry
                .metadata()
                .map_err(|error| self.unreadable(entry.path(), error.into()))?;
            objects.push(RemoteObject {
                name,
                bytes: meta.len(),
                version: version_of(&meta),
            });
        }
        Ok(objects)
    }

    pub fn with_reader<T>(
        &self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        read(&mut fs::File::open(self.root.join(name))?)
    }

    pub fn put_file(
        &self,
        name: &str,
        source: &Path,
        condition: &Condition,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<(), RemoteError> {
        let target = self.root.join(name);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|error| self.unreadable(parent, error))?;
        }
        let current = fs::metadata(&target).ok();
        match (condition, &current) {
            (Condition::Create, Some(_)) => return Err(RemoteError::Exists(name.to_owned())),
            (Condition::Unchanged(_), None) => return Err(RemoteError::Changed(name.to_owned())),
            (Condition::Unchanged(version), Some(meta)) if &version_of(meta) != version => {
                return Err(RemoteError::Changed(name.to_owned()))
            }
            _ => {}
        }
        let mut input = fs::File::open(source).map_err(|error| self.unreadable(source, error))?;
        let copied = atomic::write_streamed(&target, |output| io::copy(&mut input, output))
            .map_err(|error| self.unreadable(&target, error))?;
        on_bytes(copied);
        Ok(())
    }

    pub fn version(&self, name: &str) -> Result<Version, RemoteError> {
        let path = self.root.join(name);
        let meta = fs::metadata(&path).map_err(|error| self.unreadable(&path, error))?;
        Ok(version_of(&meta))
    }

    pub fn delete(&self, name: &str) -> Result<(), RemoteError> {
        let path = self.root.join(name);
        match fs::remove_file(&path) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => {
                Err(self.unreadable(&path, error))
            }
            _ => Ok(()),
        }
    }

    /// Removes the temporary files a killed publish left; returns how many.
    pub fn abort_unfinished(&self) -> Result<usize, RemoteError> {
        if !self.root.exists() {
            return Ok(0);
        }
        let mut removed = 0;
        for entry in walkdir::WalkDir::new(&self.root)
            .min_depth(1)
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_file() && is_temp_file(&entry.file_name().to_string_lossy()) {
                fs::remove_file(entry.path())
                    .map_err(|error| self.unreadable(entry.path(), error))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn version_of(meta: &fs::Metadata) -> Version {
    let modified = meta
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    Version {
        e_tag: Some(format!("{:x}-{modified:x}-{inode:x}", meta.len())),
        version: None,
    }
}
