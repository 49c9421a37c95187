//! The build cache: what the last build of a gallery made, so that the next
//! build re-renders only new or changed photos and re-encrypts nothing when
//! only the password changed.
//!
//! It lives outside the output folder (it must never be uploaded), one JSON
//! file per output folder under `$XDG_CACHE_HOME/lightproof/galleries/` (or
//! `~/.cache/…`), readable by the owner only. It holds no pixels: only the
//! gallery id, each photo's source fingerprint and render settings, and the
//! manifest entries of its encrypted renditions, *including their keys*.
//! Anyone who can read it can decrypt that gallery; it is as sensitive as
//! the shoot folder on the same computer. `--no-cache` ignores it.
//!
//! A cached rendition is reused only if its blob is still in the output
//! folder with the exact length and SHA-256 the manifest pins.
//!
//! Because it holds keys and link secrets, a cache is trusted only where no
//! one else can have written it: without `HOME` and `XDG_CACHE_HOME` there
//! is no such place by default (the system temp folder is shared), so
//! lightproof refuses to guess one; and a cache folder or file that belongs
//! to another user, or that group or others may write, is refused by name.
//! Going on without a cache was the other choice, but a build without one
//! gives every key link a new secret (links already sent stop working) and
//! `picks` and `link` cannot work at all, so a clear refusal serves better.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::format::encoding;
use crate::format::manifest::{BlobRef, Photo};
use crate::site::atomic;

const CACHE_FORMAT: u32 = 2;

/// What identifies a source file's contents cheaply: its length and
/// modification time (as `make` and `rsync` do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub size: u64,
    pub modified_ns: u128,
}

impl Fingerprint {
    pub fn of(path: &Path) -> Option<Self> {
        let meta = fs::metadata(path).ok()?;
        let modified_ns = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Self {
            size: meta.len(),
            modified_ns: modified_ns.as_nanos(),
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedPhoto {
    fingerprint: Fingerprint,
    /// `RenderSettings::fingerprint()` of the build that made it.
    settings: String,
    photo: Photo,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CachedManifest {
    /// SHA-256 of the manifest JSON, hex.
    pub plaintext_sha256: String,
    pub blob: BlobRef,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    format: u32,
    /// Gallery id, hex.
    gallery: String,
    /// By grant name.
    manifests: BTreeMap<String, CachedManifest>,
    /// By source path relative to the shoot folder.
    photos: BTreeMap<String, CachedPhoto>,
    /// Key-link secrets by grant name, kept so links stay valid.
    #[serde(default)]
    links: BTreeMap<String, Links>,
    /// The header's slots that hold random filler, which `grant-picks`
    /// may fill (absent in caches written before it existed).
    #[serde(default)]
    free_slots: Option<Vec<usize>>,
}

/// The secrets in a grant's key links.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Links {
    pub link: Option<crate::format::Key32>,
    pub two_factor: Option<crate::format::Key32>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    #[error("there is no safe place for the build cache: neither HOME nor XDG_CACHE_HOME is set. Set one of them (or pass --cache-dir DIR, a folder of your own); lightproof does not keep gallery keys in a shared folder such as the system temp folder")]
    NoPrivatePlace,
    #[error("the build cache '{path}' belongs to another user (uid {owner}), so the keys and link secrets in it cannot be trusted; remove it, or use a cache folder of your own (--cache-dir DIR)")]
    NotYours { path: PathBuf, owner: u32 },
    #[error("the build cache '{path}' can be changed by other users (mode {mode:04o}), so the keys and link secrets in it cannot be trusted; check it, then run: chmod go-w '{path}'")]
    OpenToOthers { path: PathBuf, mode: u32 },
    #[error("cannot read the build cache '{path}': {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One gallery's cache file and what it held when the build started.
pub struct Cache {
    file: PathBuf,
    previous: State,
    next: State,
}

impl Cache {
    /// The cache for output folder `site` (canonical path), in `dir` or the
    /// default cache folder. `ignore_previous` starts empty (`--no-cache`).
    /// Refuses a cache that someone else could have written (see the
    /// module doc), whether or not `ignore_previous`.
    pub fn open(
        site: &Path,
        dir: Option<&Path>,
        ignore_previous: bool,
    ) -> Result<Self, CacheError> {
        let dir = resolve_dir(dir)?;
        let name = encoding::hex(&Sha256::digest(site.as_os_str().as_encoded_bytes()));
        let galleries = dir.join("galleries");
        let file = galleries.join(format!("{}.json", &name[..32]));
        check_private(&galleries)?;
        check_private(&file)?;
        let previous = if ignore_previous {
            State::default()
        } else {
            fs::read(&file)
                .ok()
                .and_then(|json| serde_json::from_slice::<State>(&json).ok())
                .filter(|state| state.format == CACHE_FORMAT)
                .unwrap_or_default()
        };
        Ok(Self {
            file,
            previous,
            next: State::default(),
        })
    }

    /// The blob of the manifest with id `id` (base32), from the last build
    /// of any grant: where it is, its key and its pins.
    pub fn manifest_blob(&self, id: &str) -> Option<&BlobRef> {
        self.previous
            .manifests
            .values()
            .map(|cached| &cached.blob)
            .find(|blob| blob.id == id)
    }

    /// Gives `grant` new link secrets and saves the cache at once, keeping
    /// everything else the last build recorded (`link --renew`).
    pub fn replace_links(self, grant: &str, links: Links) -> Result<PathBuf, std::io::Error> {
        let mut state = self.previous;
        state.links.insert(grant.to_owned(), links);
        let json = serde_json::to_vec(&state).expect("the cache state serializes");
        atomic::write_private(&self.file, &json)?;
        Ok(self.file)
    }

    /// Adds grant `grant` (its manifest written into the site, its slot
    /// sealed at `slot`) and saves the cache at once, keeping everything
    /// else the last build recorded (`grant-picks`).
    pub fn add_grant(
        self,
        grant: &str,
        json: &[u8],
        blob: &BlobRef,
        slot: usize,
    ) -> Result<PathBuf, std::io::Error> {
        let mut state = self.previous;
        state.manifests.insert(
            grant.to_owned(),
            CachedManifest {
                plaintext_sha256: encoding::hex(&Sha256::digest(json)),
                blob: blob.clone(),
            },
        );
        if let Some(free) = &mut state.free_slots {
            free.retain(|&index| index != slot);
        }
        let json = serde_json::to_vec(&state).expect("the cache state serializes");
        atomic::write_private(&self.file, &json)?;
        Ok(self.file)
    }

    /// The grants the last build (or `grant-picks`) made, by name.
    pub fn previous_grants(&self) -> impl Iterator<Item = &str> {
        self.previous.manifests.keys().map(String::as_str)
    }

    /// Whether the last build (or `grant-picks`) made a grant called `grant`.
    pub fn has_grant(&self, grant: &str) -> bool {
        self.previous.manifests.contains_key(grant)
    }

    /// The header slots that hold filler, as the last build recorded them;
    /// `None` for a cache written before lightproof recorded them.
    pub fn free_slots(&self) -> Option<&[usize]> {
        self.previous.free_slots.as_deref()
    }

    /// Records which header slots this build left as filler.
    pub fn record_free_slots(&mut self, free: Vec<usize>) {
        self.next.free_slots = Some(free);
    }

    /// The cached gallery id, if it is the gallery now in the output folder.
    pub fn gallery_id(&self, current: Option<&crate::format::Id>) -> Option<crate::format::Id> {
        let cached = encoding::hex_decode::<16>(&self.previous.gallery)?;
        (Some(&cached) == current).then_some(cached)
    }

    /// Forgets everything cached (the output folder holds another gallery).
    pub fn forget(&mut self) {
        self.previous = State::default();
    }

    /// The cached entry for `source`, if its file, the settings and both
    /// blobs in `site` are unchanged.
    pub fn photo(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
        settings: &str,
        site: &Path,
    ) -> Option<Photo> {
        let cached = self.previous.photos.get(source)?;
        let unchanged = &cached.fingerprint == fingerprint && cached.settings == settings;
        let blobs_intact = blob_intact(site, &cached.photo.thumb.blob)
            && blob_intact(site, &cached.photo.preview.blob);
        (unchanged && blobs_intact).then(|| cached.photo.clone())
    }

    /// The cached manifest blob of `grant`, if the manifest is byte for
    /// byte the same and its blob is intact in `site`.
    pub fn manifest(&self, grant: &str, json: &[u8], site: &Path) -> Option<BlobRef> {
        let cached = self.previous.manifests.get(grant)?;
        let same = cached.plaintext_sha256 == encoding::hex(&Sha256::digest(json));
        (same && blob_intact(site, &cached.blob)).then(|| cached.blob.clone())
    }

    /// The link secrets the last build gave `grant`.
    pub fn links(&self, grant: &str) -> Links {
        self.previous.links.get(grant).cloned().unwrap_or_default()
    }

    /// The key of the manifest with blob id `id` (base32), from the last
    /// build of any grant.
    pub fn manifest_key(&self, id: &str) -> Option<crate::format::Key32> {
        self.previous
            .manifests
            .values()
            .find(|cached| cached.blob.id == id)
            .map(|cached| cached.blob.key.clone())
    }

    /// Every grant's manifest blob as the last build wrote it, by grant
    /// name, if that build made the gallery `current` (`verify` compares).
    pub fn built_manifests(
        &self,
        current: &crate::format::Id,
    ) -> impl Iterator<Item = (&str, &BlobRef)> {
        let same_gallery = self.gallery_id(Some(current)).is_some();
        self.previous
            .manifests
            .iter()
            .filter(move |_| same_gallery)
            .map(|(grant, cached)| (grant.as_str(), &cached.blob))
    }

    /// Every grant's link secrets, as of the last build.
    pub fn all_links(&self) -> &BTreeMap<String, Links> {
        &self.previous.links
    }

    pub fn record_links(&mut self, grant: &str, links: Links) {
        self.next.links.insert(grant.to_owned(), links);
    }

    /// Records what this build made, for the next one.
    pub fn record_photo(
        &mut self,
        source: String,
        fingerprint: Fingerprint,
        settings: &str,
        photo: &Photo,
    ) {
        self.next.photos.insert(
            source,
            CachedPhoto {
                fingerprint,
                settings: settings.to_owned(),
                photo: photo.clone(),
            },
        );
    }

    pub fn record_manifest(
        &mut self,
        gallery: &crate::format::Id,
        grant: &str,
        json: &[u8],
        blob: &BlobRef,
    ) {
        self.next.format = CACHE_FORMAT;
        self.next.gallery = encoding::hex(gallery);
        self.next.manifests.insert(
            grant.to_owned(),
            CachedManifest {
                plaintext_sha256: encoding::hex(&Sha256::digest(json)),
                blob: blob.clone(),
            },
        );
    }

    /// Writes what was recorded, readable by the owner only. A cache that
    /// cannot be written costs the next build time, not this one its result,
    /// so the error is returned for a warning.
    pub fn save(self) -> Result<PathBuf, std::io::Error> {
        let json = serde_json::to_vec(&self.next).expect("the cache state serializes");
        atomic::write_private(&self.file, &json)?;
        Ok(self.file)
    }
}

/// The cache folder: `dir` if given, else the default one, checked with
/// [`check_private`].
pub fn resolve_dir(dir: Option<&Path>) -> Result<PathBuf, CacheError> {
    let dir = match dir {
        Some(dir) => dir.to_owned(),
        None => default_dir().ok_or(CacheError::NoPrivatePlace)?,
    };
    check_private(&dir)?;
    Ok(dir)
}

/// `$XDG_CACHE_HOME/lightproof` or `~/.cache/lightproof`; `None` without
/// either (never a shared folder).
fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| Path::new(home).is_absolute())
                .map(|home| Path::new(&home).join(".cache"))
        })?;
    Some(base.join("lightproof"))
}

/// Refuses `path` (if it exists) when another user owns it or group or
/// others may write it. A missing path is fine: it is created private.
fn check_private(path: &Path) -> Result<(), CacheError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(CacheError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != current_user() {
            return Err(CacheError::NotYours {
                path: path.to_owned(),
                owner: meta.uid(),
            });
        }
        if meta.mode() & 0o022 != 0 {
            return Err(CacheError::OpenToOthers {
                path: path.to_owned(),
                mode: meta.mode() & 0o7777,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

#[cfg(unix)]
fn current_user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn blob_intact(site: &Path, blob: &BlobRef) -> bool {
    let Ok(bytes) = fs::read(site.join(blob.path())) else {
        return false;
    };
    bytes.len() as u64 == blob.size && encoding::hex(&Sha256::digest(&bytes)) == blob.sha256
}
