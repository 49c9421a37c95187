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
//! only `gallery.bin`. The password's KDF runs while photos render.
//!
//! The stages: `jobs` (each photo, in parallel), `manifest` (albums and one
//! manifest per grant), `slots` (the header's key slots), `encrypt`
//! (sealing), `cache` (what the last build made); `options` is the input.

pub mod cache;
pub mod encrypt;
mod jobs;
mod manifest;
mod options;
mod slots;
pub mod studio;

pub use jobs::PhotoFailure;
pub use options::BuildOptions;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::cache::Cache;
use crate::build::encrypt::{Sealer, SlotEntry};
use crate::build::jobs::{jobs, photo, Job};
use crate::build::manifest::{assemble, manifest_for, write_manifest, Cover};
use crate::build::slots::{gallery_id, grant_slots};
use crate::photo::render::RenderSettings;
use crate::shoot::grants::{self, Grant, GrantError};
use crate::shoot::scan::{scan_shoot, ScanError, Shoot, Skipped};
use crate::site::viewer::{self, SiteError};
use crate::site::writer::{SiteWriter, WriteError};

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
    /// Grants of the last build of this gallery (such as those made by
    /// `grant-picks`) that this one left out: their passwords no longer
    /// open it.
    pub left_out_grants: Vec<String>,
    /// The theme of the pages, and the studio on the lock screen (opt-in):
    /// what a single-file copy of the gallery is made with.
    pub theme: &'static viewer::Theme,
    pub lock_studio: Option<viewer::LockStudio>,
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
    #[error(transparent)]
    Studio(#[from] crate::build::studio::StudioError),
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
    let cover_photo = studio::cover_photo(&shoot, options.cover.as_deref())?;
    let branding = studio::read_branding(&options.branding)?;
    let lock_studio = match options.lock_screen_studio {
        true => Some(studio::lock_studio(&branding)?),
        false => None,
    };
    if options.strict {
        check_every_photo(&jobs, &options.render)?;
    }
    let cache_dir = crate::build::cache::resolve_dir(options.cache_dir.as_deref())?;
    let mut writer = SiteWriter::prepare(&options.out, &options.shoot, options.force)?;
    writer.set_offline(options.offline_copies);
    let mut cache = Cache::open(writer.root(), Some(&cache_dir), !options.use_cache)?;
    let sealer = Sealer::new(gallery_id(&mut cache, writer.root()));
    let left_out_grants: Vec<String> = cache
        .previous_grants()
        .filter(|name| grants.iter().all(|grant| grant.name != *name))
        .map(str::to_owned)
        .collect();
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
    let (studio, studio_blobs) = studio::seal_studio(&branding, &sealer, &writer)?;
    let mut keep: HashSet<String> = studio_blobs.into_iter().collect();
    let cover = Cover {
        date: options
            .date
            .clone()
            .or_else(|| studio::date_taken(&cover_photo)),
        photo: cover_photo,
        studio,
    };
    let mut slots: Vec<SlotEntry> = Vec::new();
    let mut grant_report = Vec::new();
    let mut manifest_bytes = 0;
    for (index, grant) in grants.iter().enumerate() {
        let manifest = manifest_for(grant, options, &shoot, &albums, &sealer, &cover);
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
    let page = viewer::Page {
        theme: options.theme,
        studio: lock_studio.as_ref(),
    };
    viewer::write_viewer(&writer, page)?;
    let (header, free_slots) = sealer.seal_header(prepared_header, &slots);
    cache.record_free_slots(free_slots);
    let header = header.to_bytes();
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
        left_out_grants,
        theme: options.theme,
        lock_studio,
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

/// Names the gallery and its main album `title`.
fn retitle(shoot: &mut Shoot, title: &str) {
    shoot.title = title.to_owned();
    shoot
        .albums
        .iter_mut()
        .filter(|album| album.is_main)
        .for_each(|album| album.name = title.to_owned());
}
