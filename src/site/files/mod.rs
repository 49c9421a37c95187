//! Reading a built site wherever it lies: a folder, a `.zip` made by
//! `lightproof pack`, or object storage (`lightproof publish`). `verify`
//! and `diff` read sites only through [`SiteFiles`], so both work on an
//! archive without unpacking it and on a bucket without downloading it.
//!
//! Invariants:
//! - Names are site-relative with `/` separators (`gallery.bin`, `b/<id>`),
//!   the same for a folder and for a zip.
//! - [`SiteFiles::list`] is sorted by name, lists regular files only (no
//!   folders) and leaves out the temporary files of interrupted builds.
//! - A read that fails with [`io::ErrorKind::InvalidData`] means the stored
//!   bytes fail the archive's own check (an entry's CRC-32, or its local
//!   header): that file is damaged. [`is_damage`] tells.
//! - A zip whose central directory disagrees with its entries is refused
//!   whole when opened: its index cannot be trusted to name anything.
//! - So is a zip with an entry name that could mean two files or a place
//!   outside the site once unpacked: a name given twice, two names that
//!   differ only in letter case, an absolute name, a `..`, `.` or empty
//!   part, a backslash or a control character ([`archive::unsafe_name`]).

mod archive;

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::format::{header::MAGIC, HEADER_FILE};
use crate::site::atomic::is_temp_file;
use crate::site::names::MARKER_FILE;

pub use archive::{unsafe_name, ZipSite};

/// One file of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Site-relative, `/`-separated.
    pub name: String,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteFilesError {
    #[error("cannot read '{path}': {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("'{path}' {reason}")]
    UnusualFile { path: PathBuf, reason: &'static str },
    #[error("the archive '{archive}' is damaged or is not a zip file: {reason}; if it is a copy, copy it again from the original")]
    ArchiveDamaged { archive: PathBuf, reason: String },
    #[error("the archive '{archive}' holds compressed or encrypted files (first: '{entry}'); lightproof reads the zips `lightproof pack` writes: unpack it and pack the folder again")]
    ArchiveUnsupported { archive: PathBuf, entry: String },
    #[error("'{0}' is not a lightproof gallery: it has no gallery.bin (the header) and no .lightproof marker")]
    NotAGallery(PathBuf),
    #[cfg(feature = "generator")]
    #[error(transparent)]
    Remote(#[from] crate::site::remote::RemoteError),
    #[error("the archive '{archive}' holds an entry named '{entry}', which {reason}; lightproof never writes such a name, so the archive was changed after `lightproof pack`: unpacking it could put a file outside its folder or replace another file")]
    ArchiveUnsafeName {
        archive: PathBuf,
        entry: String,
        reason: String,
    },
}

/// A site folder, a packed site, or a published one.
pub enum SiteFiles {
    Folder(PathBuf),
    Zip(ZipSite),
    #[cfg(feature = "generator")]
    Remote(Box<RemoteSite>),
}

/// A site in object storage, listed once.
#[cfg(feature = "generator")]
pub struct RemoteSite {
    remote: crate::site::remote::Remote,
    /// `s3://bucket/prefix/`, for messages.
    label: PathBuf,
    listed: Vec<SiteFile>,
}

impl SiteFiles {
    /// Opens `path`: a folder as it is, a file as a zip archive (whose
    /// structure is checked here).
    pub fn open(path: &Path) -> Result<Self, SiteFilesError> {
        let meta = fs::metadata(path).map_err(|source| SiteFilesError::Io {
            path: path.to_owned(),
            source,
        })?;
        if meta.is_dir() {
            Ok(Self::Folder(path.to_owned()))
        } else {
            ZipSite::open(path).map(Self::Zip)
        }
    }

    /// Like [`SiteFiles::open`], and refuses anything that is not a gallery.
    pub fn open_gallery(path: &Path) -> Result<Self, SiteFilesError> {
        Self::gallery_only(Self::open(path)?)
    }

    /// Opens `location`: `s3://bucket/prefix/` through `connection`, else
    /// a folder or a zip as [`SiteFiles::open`]. Refuses anything that is
    /// not a gallery.
    #[cfg(feature = "generator")]
    pub fn open_location(
        location: &str,
        connection: &crate::site::remote::Connection,
    ) -> Result<Self, SiteFilesError> {
        use crate::site::remote::{Remote, RemoteUrl};
        let url = RemoteUrl::parse(location).map_err(crate::site::remote::RemoteError::from)?;
        let site = match url {
            RemoteUrl::Folder(path) => Self::open(&path)?,
            url @ RemoteUrl::S3 { .. } => {
                let remote = Remote::open(&url, connection)?;
                let listed = remote
                    .list()?
                    .into_iter()
                    .filter(|object| !is_temp_file(object.name.rsplit('/').next().unwrap_or("")))
                    .map(|object| SiteFile {
                        name: object.name,
                        bytes: object.bytes,
                    })
                    .collect();
                Self::Remote(Box::new(RemoteSite {
                    label: PathBuf::from(remote.describe()),
                    remote,
                    listed,
                }))
            }
        };
        Self::gallery_only(site)
    }

    fn gallery_only(site: Self) -> Result<Self, SiteFilesError> {
        if site.is_gallery() {
            Ok(site)
        } else {
            Err(SiteFilesError::NotAGallery(site.location().to_owned()))
        }
    }

    /// The folder or the archive, as given.
    pub fn location(&self) -> &Path {
        match self {
            Self::Folder(root) => root,
            Self::Zip(zip) => zip.path(),
            #[cfg(feature = "generator")]
            Self::Remote(remote) => &remote.label,
        }
    }

    /// The archive, when the site is packed (or the bucket and prefix, when
    /// it is published): where the messages say a file is.
    pub fn archive(&self) -> Option<&Path> {
        match self {
            Self::Folder(_) => None,
            Self::Zip(zip) => Some(zip.path()),
            #[cfg(feature = "generator")]
            Self::Remote(remote) => Some(&remote.label),
        }
    }

    /// `name` for a message, quoted: `'site/b/…'` or `'b/…' in 'site.zip'`.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Self::Folder(root) => format!("'{}'", root.join(name).display()),
            Self::Zip(zip) => format!("'{name}' in '{}'", zip.path().display()),
            #[cfg(feature = "generator")]
            Self::Remote(remote) => format!("'{name}' in {}", remote.label.display()),
        }
    }

    /// Whether the site holds a gallery header or the generator's marker
    /// (as [`crate::site::writer::is_site`] for folders).
    pub fn is_gallery(&self) -> bool {
        let mut magic = [0u8; MAGIC.len()];
        let header_ok = self
            .with_reader(HEADER_FILE, |reader| reader.read_exact(&mut magic))
            .is_ok_and(|()| &magic == MAGIC);
        header_ok || self.contains(MARKER_FILE)
    }

    pub fn contains(&self, name: &str) -> bool {
        match self {
            Self::Folder(root) => root.join(name).is_file(),
            Self::Zip(zip) => zip.contains(name),
            #[cfg(feature = "generator")]
            Self::Remote(remote) => remote.listed.iter().any(|file| file.name == name),
        }
    }

    /// Every regular file, sorted by name, without temporary files.
    pub fn list(&self) -> Result<Vec<SiteFile>, SiteFilesError> {
        match self {
            Self::Folder(root) => list_folder(root),
            Self::Zip(zip) => Ok(zip.list().to_vec()),
            #[cfg(feature = "generator")]
            Self::Remote(remote) => Ok(remote.listed.clone()),
        }
    }

    /// The whole of `name`.
    pub fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        self.with_reader(name, |reader| {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            Ok(bytes)
        })
    }

    /// At most `limit + 1` bytes of `name`: enough for a caller to see that
    /// a file is longer than any valid one without reading it whole (a
    /// hostile or sparse file can claim gigabytes).
    pub fn read_at_most(&self, name: &str, limit: u64) -> io::Result<Vec<u8>> {
        self.with_reader(name, |reader| {
            let mut bytes = Vec::new();
            reader
                .take(limit.saturating_add(1))
                .read_to_end(&mut bytes)?;
            Ok(bytes)
        })
    }

    /// Runs `read` on a stream of `name`'s bytes. Safe to call from several
    /// threads at once. A zip entry's CRC-32 is checked when the stream
    /// reaches its end.
    pub fn with_reader<T>(
        &self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        match self {
            Self::Folder(root) => read(&mut fs::File::open(root.join(name))?),
            Self::Zip(zip) => zip.with_reader(name, read),
            #[cfg(feature = "generator")]
            Self::Remote(remote) => remote.remote.with_reader(name, read),
        }
    }
}

/// Whether a read error means the file's stored bytes are damaged.
pub fn is_damage(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData
}

fn list_folder(root: &Path) -> Result<Vec<SiteFile>, SiteFilesError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.map_err(|error| SiteFilesError::Io {
            path: error.path().unwrap_or(root).to_owned(),
            source: error.into(),
        })?;
        let path = entry.path();
        let kind = entry.file_type();
        if kind.is_dir() || is_temp_file(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let unusual = |reason| SiteFilesError::UnusualFile {
            path: path.to_owned(),
            reason,
        };
        if kind.is_symlink() {
            return Err(unusual("is a symbolic link: a site holds only regular files; replace the link with the file itself"));
        }
        if !kind.is_file() {
            return Err(unusual(
                "is not a regular file: a site holds only regular files",
            ));
        }
        let name = site_name(root, path).ok_or_else(|| {
            unusual("has a name that is not valid UTF-8: rename it (lightproof never writes such names)")
        })?;
        let bytes = entry
            .metadata()
            .map_err(|error| SiteFilesError::Io {
                path: path.to_owned(),
                source: error.into(),
            })?
            .len();
        files.push(SiteFile { name, bytes });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// `path` relative to `root`, `/`-separated; `None` for a name that is
/// not UTF-8 (lightproof never writes one).
pub(crate) fn site_name(root: &Path, path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path
        .strip_prefix(root)
        .ok()?
        .components()
        .map(|part| part.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}
