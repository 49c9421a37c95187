//! A site in object storage, or in a folder that stands for it: where
//! `lightproof publish` writes a gallery and where `verify` and `diff` read
//! it back. Names are site-relative (`gallery.bin`, `b/<id>`), as in
//! [`crate::site::files`].
//!
//! - `url`: `s3://bucket/prefix/` or a folder path, parsed;
//! - `credentials`: the AWS environment variables and shared config files;
//! - `bucket`: an S3-compatible bucket through the `object_store` crate;
//! - `folder`: a local folder with the same operations and guarantees.
//!
//! Invariants, for both kinds:
//! - A put is atomic: a reader sees the whole old object or the whole new
//!   one, never part of one, whatever happens to the process. Large files
//!   go up in parts from disk (memory stays flat) and appear only when the
//!   last part is in.
//! - [`Condition::Create`] fails with [`RemoteError::Exists`] when the name
//!   is taken; [`Condition::Unchanged`] fails with [`RemoteError::Changed`]
//!   when the object is no longer the version listed (someone else wrote
//!   it), or is gone.
//! - Listing leaves out nothing a put made visible.

mod bucket;
pub mod credentials;
mod folder;
mod url;

use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use bucket::{Bucket, Connection, MULTIPART_ABOVE};
pub use folder::Folder;
pub use url::{RemoteUrl, UrlError};

/// One object of a remote site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteObject {
    /// Site-relative, `/`-separated.
    pub name: String,
    pub bytes: u64,
    /// What a conditional put compares with (an ETag, or a hash of a
    /// folder's file).
    pub version: Version,
}

/// The version of an object as listed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Version {
    pub e_tag: Option<String>,
    pub version: Option<String>,
}

/// When a put may replace what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Only where nothing is (a blob: its name is never reused).
    Create,
    /// Only where the object is still the version listed at the start.
    Unchanged(Version),
    /// Whatever is there.
    Overwrite,
}

/// The response headers an object is stored with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("'{0}' is already there")]
    Exists(String),
    #[error("'{0}' was changed by someone else since this publish began")]
    Changed(String),
    #[error("cannot reach {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("{target} refused {action} '{name}': {reason}")]
    Refused {
        target: String,
        action: &'static str,
        name: String,
        reason: String,
    },
    #[error("cannot read '{path}': {source}")]
    Local { path: PathBuf, source: io::Error },
}

/// A published site: a bucket or a folder.
pub enum Remote {
    Bucket(Bucket),
    Folder(Folder),
}

impl Remote {
    /// Opens `url` with `connection` (ignored for a folder). Nothing is
    /// read yet: a bucket that does not exist or refuses the credentials
    /// shows at the first list.
    pub fn open(url: &RemoteUrl, connection: &Connection) -> Result<Self, RemoteError> {
        match url {
            RemoteUrl::S3 { bucket, prefix } => {
                Ok(Self::Bucket(Bucket::open(bucket, prefix, connection)?))
            }
            RemoteUrl::Folder(path) => Ok(Self::Folder(Folder::new(path))),
        }
    }

    /// `s3://bucket/prefix/` or the folder, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Bucket(bucket) => bucket.describe(),
            Self::Folder(folder) => format!("'{}'", folder.root().display()),
        }
    }

    /// Every object under the site's prefix, sorted by name.
    pub fn list(&self) -> Result<Vec<RemoteObject>, RemoteError> {
        let mut objects = match self {
            Self::Bucket(bucket) => bucket.list()?,
            Self::Folder(folder) => folder.list()?,
        };
        objects.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(objects)
    }

    /// Streams `name` into `read`. A missing object is
    /// [`io::ErrorKind::NotFound`].
    pub fn with_reader<T>(
        &self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        match self {
            Self::Bucket(bucket) => bucket.with_reader(name, read),
            Self::Folder(folder) => folder.with_reader(name, read),
        }
    }

    /// Puts the file at `source` (`bytes` long) as `name`, atomically,
    /// under `condition`. `on_bytes` hears of the bytes sent as they go.
    pub fn put_file(
        &self,
        name: &str,
        source: &Path,
        headers: &Headers,
        condition: &Condition,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<(), RemoteError> {
        match self {
            Self::Bucket(bucket) => bucket.put_file(name, source, headers, condition, on_bytes),
            Self::Folder(folder) => folder.put_file(name, source, condition, on_bytes),
        }
    }

    /// Cleans up after a publish that was killed: aborts its unfinished
    /// multipart uploads (a bucket) or removes its temporary files (a
    /// folder). Returns how many.
    pub fn abort_unfinished(&self) -> Result<usize, RemoteError> {
        match self {
            Self::Bucket(bucket) => bucket.abort_unfinished(),
            Self::Folder(folder) => folder.abort_unfinished(),
        }
    }

    /// The version of `name` now, asked of the object itself.
    pub fn version(&self, name: &str) -> Result<Version, RemoteError> {
        match self {
            Self::Bucket(bucket) => bucket.version(name),
            Self::Folder(folder) => folder.version(name),
        }
    }

    /// Deletes `name`; a missing object is no error.
    pub fn delete(&self, name: &str) -> Result<(), RemoteError> {
        match self {
            Self::Bucket(bucket) => bucket.delete(name),
            Self::Folder(folder) => folder.delete(name),
        }
    }
}
