//! `lightproof build`: runs the stages in order over a whole shoot.
//!
//! scan → (per photo, in parallel) decode + render → encrypt → write blob →
//! manifest → viewer files → header. A photo that fails is reported and the
//! others go on; the gallery is switched (header written) only when at least
//! one photo made it, so a failed build leaves the previous gallery intact.
//!
//! Rebuilds are incremental: a photo whose file and render settings are
//! unchanged keeps its encrypted renditions (see `cache`), and the manifest
//! blob is kept when nothing in it changed, so a password change rewrites
//! only `gallery.bin`. The password's PBKDF2 runs while photos render.

pub mod cache;
pub mod encrypt;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::cache::{Cache, Fingerprint, Links};
use crate::build::encrypt::{PreparedHeader, Sealer, SlotEntry};
use crate::format::header::SlotType;
use crate::format::header::{Header, Kdf, SlotContents, DEFAULT_KDF};
use crate::format::manifest::{Album, BlobRef, Manifest, Photo, Rendition, MANIFEST_FORMAT};
use crate::format::{encoding, BlobKind, Id, HEADER_FILE};
use crate::format::{vault, Key32};
use crate::photo::decode::PhotoError;
use crate::photo::original::{prepare_original, OriginalError, OriginalMetadata};
use crate::photo::render::{render_photo, RenderSettings};
use crate::random::random;
use crate::shoot::grants::{self, Grant, GrantError};
use crate::shoot::scan::{scan_shoot, ScanError, Shoot, Skipped};
use crate::site::viewer::{self, SiteError};
use crate::site::writer::{SiteWriter, WriteError};

#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub shoot: PathBuf,
    pub out: PathBuf,
    pub force: bool,
    pub render: RenderSettings,
    /// The password KDF: Argon2id by default, PBKDF2 on request.
    pub kdf: Kdf,
    /// Gallery title; the shoot folder's name when `None`.
    pub title: Option<String>,
    /// Reuse what the last build made (false: `--no-cache`).
    pub use_cache: bool,
    /// Where the cache lives; the user's cache folder when `None`.
    pub cache_dir: Option<PathBuf>,
    /// Build even with passwords that are easy to guess.
    pub allow_weak: bool,
    /// Let the viewer stay unlocked for the browser tab's session.
    pub remember: bool,
    /// "Choose up to N" favourites, shown by the viewer.
    pub selection_limit: Option<u32>,
    /// The address "Send my selection" writes to.
    pub photographer_email: Option<String>,
    /// What downloaded originals keep of the source's metadata.
    pub original_metadata: OriginalMetadata,
    /// Write offline copies so the site also opens from a disk (`offline`).
    pub offline_copies: bool,
    /// Fail, writing nothing, when any photo cannot be read.
    pub strict: bool,
}

impl BuildOptions {
    pub fn new(shoot: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            shoot: shoot.into(),
            out: out.into(),
            force: false,
            render: RenderSettings::default(),
            kdf: DEFAULT_KDF,
            title: None,
            use_cache: true,
            cache_dir: None,
            allow_weak: false,
            selection_limit: None,
            photographer_email: None,
            remember: false,
            original_metadata: OriginalMetadata::default(),
            offline_copies: true,
            strict: false,
        }
    }
}

/// What a build did, for the summary.
#[derive(Debug)]
pub struct BuildReport {
    pub out: PathBuf,
    pub albums: usize,
    pub photos: usize,
    /// Photos rendered by this build; the others came from the cache.
    pub rendered: usize,
    pub skipped: Vec<Skipped>,
    pub failed: Vec<PhotoFailure>,
    pub bytes_written: u64,
    /// Per grant: what it opens.
    pub grants: Vec<GrantSummary>,
    /// Blobs of the previous gallery that were removed.
    pub removed_blobs: Vec<String>,
    pub elapsed: Duration,
    /// Why the cache could not be saved (the next build will be a full one).
    pub cache_warning: Option<String>,
}

/// What one grant opens.
#[derive(Debug)]
pub struct GrantSummary {
    pub name: String,
    pub albums: usize,
    /// The names of those albums, in gallery order.
    pub album_names: Vec<String>,
    pub photos: usize,
    /// Originals it may download (0 for a view-only grant).
    pub originals: usize,
}

/// Build progress, in photos. The CLI shows a bar or a log.
pub trait Progress: Sync {
    fn start(&self, photos: u64);
    fn photo_done(&self);
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error(transparent)]
    Cache(#[from] crate::build::cache::CacheError),
    #[error("no photos found in '{0}' (lightproof reads JPEG, PNG, WebP and TIFF files)")]
    NoPhotos(PathBuf),
    #[error("none of the {} photos could be read; the output folder was left as it was", .0.len())]
    AllPhotosFailed(Vec<PhotoFailure>),
    #[error("--strict: {} could not be read; nothing was written", photos(.0.len()))]
    Strict(Vec<PhotoFailure>),
}

fn photos(count: usize) -> String {
    match count {
        1 => "1 photo".to_owned(),
        n => format!("{n} photos"),
    }
}

impl BuildError {
    /// The photos that failed, for a build that stopped because of them.
    pub fn photo_failures(&self) -> &[PhotoFailure] {
        match self {
            Self::AllPhotosFailed(failed) | Self::Strict(failed) => failed,
            _ => &[],
        }
    }
}

/// Why one photo is missing from the gallery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoFailure {
    #[error(transparent)]
    Render(#[from] PhotoError),
    #[error("cannot add '{path}' to the gallery: {source}")]
    Write { path: PathBuf, source: WriteError },
    #[error(transparent)]
    Original(#[from] OriginalError),
}

impl PhotoFailure {
    /// The photo's file in the shoot.
    pub fn path(&self) -> &Path {
        match self {
            Self::Render(error) => error.path(),
            Self::Write { path, .. } => path,
            Self::Original(error) => error.path(),
        }
    }
}

fn write_failure(path: &Path) -> impl FnOnce(WriteError) -> PhotoFailure + '_ {
    |source| PhotoFailure::Write {
        path: path.to_owned(),
        source,
    }
}

/// One photo's place in the shoot.
struct Job<'a> {
    album: usize,
    path: &'a Path,
    /// Path relative to the shoot folder: the photo's key in the cache.
    source: String,
    /// A grant that opens its album may download originals.
    needs_original: bool,
}

/// One photo that made it into the gallery.
struct Done {
    photo: Photo,
    fingerprint: Option<Fingerprint>,
    /// Ciphertext bytes written by this build (0 when reused).
    bytes: u64,
    rendered: bool,
}

/// Builds the gallery with one key slot and one manifest per grant.
pub fn build(
    options: &BuildOptions,
    grants: &[Grant],
    progress: &dyn Progress,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let mut shoot = scan_shoot(&options.shoot)?;
    if let Some(title) = &options.title {
        retitle(&mut shoot, title);
    }
    let jobs = jobs(&shoot, grants);
    if jobs.is_empty() {
        return Err(BuildError::NoPhotos(options.shoot.clone()));
    }
    grants::check(grants, &shoot, options.allow_weak)?;
    if options.strict {
        check_every_photo(&jobs, &options.render)?;
    }
    let cache_dir = crate::build::cache::resolve_dir(options.cache_dir.as_deref())?;
    let mut writer = SiteWriter::prepare(&options.out, &options.shoot, options.force)?;
    writer.set_offline(options.offline_copies);
    let mut cache = Cache::open(writer.root(), Some(&cache_dir), !options.use_cache)?;
    let sealer = Sealer::new(gallery_id(&mut cache, writer.root()));
    let settings = options.render.fingerprint();
    progress.start(jobs.len() as u64);
    let (outcomes, prepared_header) = rayon::join(
        || {
            jobs.par_iter()
                .map(|job| {
                    let outcome = photo(job, options, &settings, &cache, &sealer, &writer);
                    progress.photo_done();
                    outcome
                })
                .collect::<Vec<_>>()
        },
        || {
            let passwords: Vec<_> = grants.iter().map(|grant| &grant.password).collect();
            sealer.prepare_header(options.kdf, &passwords)
        },
    );
    let (albums, failed, done) = assemble(&shoot, &jobs, outcomes);
    let photos = done.len();
    if photos == 0 {
        return Err(BuildError::AllPhotosFailed(failed));
    }
    for (job, done) in &done {
        if let Some(fingerprint) = &done.fingerprint {
            cache.record_photo(job.clone(), fingerprint.clone(), &settings, &done.photo);
        }
    }
    let mut keep = HashSet::new();
    let mut slots: Vec<SlotEntry> = Vec::new();
    let mut grant_report = Vec::new();
    let mut manifest_bytes = 0;
    for (index, grant) in grants.iter().enumerate() {
        let manifest = manifest_for(grant, options, &shoot, &albums, &sealer);
        keep.extend(manifest.photos().flat_map(|(_, p)| {
            let original = p.original.as_ref().map(|o| o.blob.id.clone());
            [p.thumb.blob.id.clone(), p.preview.blob.id.clone()]
                .into_iter()
                .chain(original)
        }));
        let (blob, bytes) = write_manifest(&manifest, &grant.name, &sealer, &mut cache, &writer)?;
        keep.insert(blob.id.clone());
        manifest_bytes += bytes;
        slots.extend(grant_slots(
            index,
            grant,
            &blob,
            &prepared_header,
            &mut cache,
        ));
        grant_report.push(GrantSummary {
            name: grant.name.clone(),
            albums: manifest.albums.len(),
            album_names: manifest.albums.iter().map(|a| a.name.clone()).collect(),
            photos: manifest.photos().count(),
            originals: manifest.originals(),
        });
    }
    viewer::write_viewer(&writer)?;
    let header = sealer.seal_header(prepared_header, &slots).to_bytes();
    let out = writer.root().to_owned();
    let removed_blobs = writer.finish(&header, &keep)?;
    let cache_warning = cache.save().err().map(|error| error.to_string());
    let blob_bytes: u64 = done.iter().map(|(_, d)| d.bytes).sum();
    Ok(BuildReport {
        out,
        albums: albums.len(),
        photos,
        grants: grant_report,
        rendered: done.iter().filter(|(_, d)| d.rendered).count(),
        skipped: shoot.skipped,
        failed,
        bytes_written: blob_bytes + manifest_bytes + header.len() as u64,
        removed_blobs,
        elapsed: started.elapsed(),
        cache_warning,
    })
}

/// The key slots of grant number `index`: its password (or, for a
/// two-factor grant, password and link together only), and its key link.
/// Link secrets are kept from the last build, so links already sent work.
fn grant_slots(
    index: usize,
    grant: &Grant,
    manifest: &BlobRef,
    prepared: &PreparedHeader,
    cache: &mut Cache,
) -> Vec<SlotEntry> {
    let contents = || SlotContents {
        manifest_id: manifest.id_bytes().expect("our own blob id"),
        manifest_key: manifest.key.clone(),
    };
    let password_key = prepared.password_key(index);
    let previous = cache.links(&grant.name);
    let secret = |kept: Option<Key32>| kept.unwrap_or_else(|| Key32::from_bytes(random()));
    let links = Links {
        link: grant.link.then(|| secret(previous.link)),
        two_factor: grant.two_factor_link.then(|| secret(previous.two_factor)),
    };
    let mut slots = Vec::new();
    if let Some(link) = &links.two_factor {
        // Only link and password together: no slot for either alone.
        slots.push(SlotEntry {
            ikm: vault::two_factor_key(password_key, link),
            kind: SlotType::LinkAndPassword,
            contents: contents(),
        });
    } else {
        slots.push(SlotEntry {
            ikm: password_key.clone(),
            kind: SlotType::Password,
            contents: contents(),
        });
    }
    if let Some(link) = &links.link {
        slots.push(SlotEntry {
            ikm: link.clone(),
            kind: SlotType::Link,
            contents: contents(),
        });
    }
    cache.record_links(&grant.name, links);
    slots
}

/// The cached gallery id when the output folder still holds that gallery;
/// otherwise a fresh one, and the cache is forgotten.
fn gallery_id(cache: &mut Cache, site: &Path) -> Id {
    let current = std::fs::read(site.join(HEADER_FILE))
        .ok()
        .and_then(|bytes| Header::parse(&bytes).ok())
        .map(|header| header.gallery_id);
    cache.gallery_id(current.as_ref()).unwrap_or_else(|| {
        cache.forget();
        random()
    })
}

/// Decodes every photo before anything is written, so that a `--strict`
/// build that meets a damaged one leaves the output folder exactly as it
/// was (or absent). Only a full decode finds a file cut short, and undoing
/// writes afterwards would still change the folder (its dates, a created
/// folder), so the photos are decoded twice instead; JPEGs are decoded here
/// at 1/8 scale, which reads every byte of the file at a fraction of the
/// cost. Holding every rendition in memory until all succeed was the other
/// way, but its memory grows with the shoot.
fn check_every_photo(jobs: &[Job<'_>], settings: &RenderSettings) -> Result<(), BuildError> {
    let how = settings.decoding(1);
    let failed: Vec<PhotoFailure> = jobs
        .par_iter()
        .filter_map(|job| crate::photo::decode::decode_photo(job.path, &how).err())
        .map(PhotoFailure::Render)
        .collect();
    match failed.is_empty() {
        true => Ok(()),
        false => Err(BuildError::Strict(failed)),
    }
}

/// Seals and writes the manifest, or keeps the previous manifest blob when
/// the manifest is unchanged. Returns its reference and the bytes written.
fn write_manifest(
    manifest: &Manifest,
    grant: &str,
    sealer: &Sealer,
    cache: &mut Cache,
    writer: &SiteWriter,
) -> Result<(BlobRef, u64), WriteError> {
    let mut json = manifest.to_json();
    let result = match cache.manifest(grant, &json, writer.root()) {
        Some(blob) => Ok((blob, 0)),
        None => {
            let (sealed, _) = sealer.seal_manifest(&json);
            writer
                .write_blob(&sealed.id, &sealed.ciphertext)
                .map(|()| (sealed.blob, sealed.ciphertext.len() as u64))
        }
    };
    if let Ok((blob, _)) = &result {
        cache.record_manifest(sealer.gallery_id(), grant, &json, blob);
    }
    zeroize::Zeroize::zeroize(&mut json);
    result
}

/// Names the gallery and its main album `title`.
fn retitle(shoot: &mut Shoot, title: &str) {
    shoot.title = title.to_owned();
    shoot
        .albums
        .iter_mut()
        .filter(|album| album.is_main)
        .for_each(|album| album.name = title.to_owned());
}

fn jobs<'a>(shoot: &'a Shoot, grants: &[Grant]) -> Vec<Job<'a>> {
    let per_album = shoot.albums.iter().enumerate();
    per_album
        .flat_map(|(album, source)| {
            let needs_original = grants.iter().any(|g| g.download && g.opens(source));
            source.photos.iter().map(move |path| Job {
                album,
                path,
                source: relative_key(&shoot.root, path),
                needs_original,
            })
        })
        .collect()
}

fn relative_key(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().into_owned()
}

/// One photo from the cache, or rendered, sealed and written.
fn photo(
    job: &Job<'_>,
    options: &BuildOptions,
    settings: &str,
    cache: &Cache,
    sealer: &Sealer,
    writer: &SiteWriter,
) -> Result<Done, PhotoFailure> {
    let fingerprint = Fingerprint::of(job.path);
    let cached = fingerprint
        .as_ref()
        .and_then(|f| cache.photo(&job.source, f, settings, writer.root()));
    let done = match cached {
        Some(photo) => Done {
            photo,
            fingerprint,
            bytes: 0,
            rendered: false,
        },
        None => {
            let (photo, bytes) = render_and_seal(job.path, &options.render, sealer, writer)?;
            Done {
                photo,
                fingerprint,
                bytes,
                rendered: true,
            }
        }
    };
    with_original(done, job, options.original_metadata, sealer, writer)
}

/// Adds the encrypted original when a grant may download it (kept from the
/// last build when its blob is still there), or drops it when none may.
fn with_original(
    mut done: Done,
    job: &Job<'_>,
    metadata: OriginalMetadata,
    sealer: &Sealer,
    writer: &SiteWriter,
) -> Result<Done, PhotoFailure> {
    if !job.needs_original {
        done.photo.original = None;
        return Ok(done);
    }
    let cached = done
        .photo
        .original
        .take()
        .filter(|original| blob_present(writer.root(), &original.blob));
    let stripped = metadata == OriginalMetadata::Strip;
    if let Some(original) = cached.as_ref().filter(|o| o.stripped == stripped) {
        done.photo.original = Some(original.clone());
        return Ok(done);
    }
    // `stripped` is false for a file that had nothing to remove, so such
    // a cached original is reused once stripping is seen to change nothing.
    let prepared = prepare_original(job.path, metadata)?;
    let unchanged = cached.filter(|original| {
        !original.stripped
            && !prepared.stripped
            && original.bytes == prepared.bytes.len() as u64
            && original.crc32 == prepared.crc32
    });
    let original = match unchanged {
        Some(original) => original,
        None => {
            let original = sealer
                .seal_original(&prepared, writer)
                .map_err(write_failure(job.path))?;
            done.bytes += original.blob.size;
            original
        }
    };
    done.photo.original = Some(original);
    Ok(done)
}

/// Whether a blob from the last build is still in the site with its length.
/// Originals are too large to hash on every rebuild; `verify` does that.
fn blob_present(site: &Path, blob: &BlobRef) -> bool {
    std::fs::metadata(site.join(blob.path())).is_ok_and(|meta| meta.len() == blob.size)
}

/// Render, seal and write one photo's two renditions.
fn render_and_seal(
    path: &Path,
    settings: &RenderSettings,
    sealer: &Sealer,
    writer: &SiteWriter,
) -> Result<(Photo, u64), PhotoFailure> {
    let rendered = render_photo(path, settings)?;
    let thumb = sealer.seal(BlobKind::Thumbnail, &rendered.thumb.bytes);
    let preview = sealer.seal(BlobKind::Preview, &rendered.preview.bytes);
    writer
        .write_blob(&thumb.id, &thumb.ciphertext)
        .and_then(|()| writer.write_blob(&preview.id, &preview.ciphertext))
        .map_err(write_failure(path))?;
    let bytes = (thumb.ciphertext.len() + preview.ciphertext.len()) as u64;
    let photo = Photo {
        file: crate::shoot::scan::display_name(path.file_name().unwrap_or_default()),
        caption: rendered.caption,
        original: None,
        width: rendered.width,
        height: rendered.height,
        thumb: Rendition {
            blob: thumb.blob,
            width: rendered.thumb.width,
            height: rendered.thumb.height,
        },
        preview: Rendition {
            blob: preview.blob,
            width: rendered.preview.width,
            height: rendered.preview.height,
        },
    };
    Ok((photo, bytes))
}

/// Albums (with the index of their source) of the photos that made it.
type Assembled = (Vec<(usize, Album)>, Vec<PhotoFailure>, Vec<(String, Done)>);

/// Puts the photos that made it into albums, in shoot order; empty albums
/// are dropped.
fn assemble(
    shoot: &Shoot,
    jobs: &[Job<'_>],
    outcomes: Vec<Result<Done, PhotoFailure>>,
) -> Assembled {
    let mut albums: Vec<(usize, Album)> = shoot
        .albums
        .iter()
        .enumerate()
        .map(|(index, source)| {
            let album = Album {
                name: source.name.clone(),
                main: source.is_main,
                photos: Vec::new(),
            };
            (index, album)
        })
        .collect();
    let (mut failed, mut done) = (Vec::new(), Vec::new());
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Ok(photo) => {
                albums[job.album].1.photos.push(photo.photo.clone());
                done.push((job.source.clone(), photo));
            }
            Err(error) => failed.push(error),
        }
    }
    albums.retain(|(_, album)| !album.photos.is_empty());
    (albums, failed, done)
}

/// The manifest `grant` sees: only the albums it opens.
fn manifest_for(
    grant: &Grant,
    options: &BuildOptions,
    shoot: &Shoot,
    albums: &[(usize, Album)],
    sealer: &Sealer,
) -> Manifest {
    Manifest {
        format: MANIFEST_FORMAT,
        gallery: encoding::hex(sealer.gallery_id()),
        title: shoot.title.clone(),
        albums: albums
            .iter()
            .filter(|(source, _)| grant.opens(&shoot.albums[*source]))
            .map(|(_, album)| album_for(grant, album))
            .collect(),
        expires: grant.expires.clone(),
        selection_limit: options.selection_limit,
        remember: options.remember,
        photographer_email: options.photographer_email.clone(),
    }
}

/// `album` as `grant` sees it: a view-only grant gets no original at all,
/// so its manifest holds no key to one.
fn album_for(grant: &Grant, album: &Album) -> Album {
    let mut album = album.clone();
    if !grant.download {
        album
            .photos
            .iter_mut()
            .for_each(|photo| photo.original = None);
    }
    album
}
