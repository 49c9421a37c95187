//! `lightproof build`: runs the stages in order over a whole shoot.
//!
//! scan → (per photo, in parallel) decode + render → encrypt → write blob →
//! manifest → viewer files → header. A photo that fails is reported and the
//! others go on; the gallery is switched (header written) only when at least
//! one photo made it, so a failed build leaves the previous gallery intact.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::decode::PhotoError;
use crate::encrypt::{random, Sealer};
use crate::format::header::DEFAULT_ITERATIONS;
use crate::format::manifest::{Album, Manifest, Photo, Rendition, MANIFEST_FORMAT};
use crate::format::{encoding, BlobKind};
use crate::password::Password;
use crate::render::{render_photo, RenderSettings};
use crate::scan::{scan_shoot, ScanError, Shoot, Skipped};
use crate::site::{self, SiteError};
use crate::write::{SiteWriter, WriteError};

#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub shoot: PathBuf,
    pub out: PathBuf,
    pub force: bool,
    pub render: RenderSettings,
    pub kdf_iterations: u32,
    /// Gallery title; the shoot folder's name when `None`.
    pub title: Option<String>,
}

impl BuildOptions {
    pub fn new(shoot: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            shoot: shoot.into(),
            out: out.into(),
            force: false,
            render: RenderSettings::default(),
            kdf_iterations: DEFAULT_ITERATIONS,
            title: None,
        }
    }
}

/// What a build did, for the summary.
#[derive(Debug)]
pub struct BuildReport {
    pub out: PathBuf,
    pub albums: usize,
    pub photos: usize,
    pub skipped: Vec<Skipped>,
    pub failed: Vec<PhotoFailure>,
    pub bytes_written: u64,
    /// Blobs of the previous gallery that were removed.
    pub removed_blobs: Vec<String>,
    pub elapsed: Duration,
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
    #[error("no photos found in '{0}' (lightproof reads JPEG, PNG, WebP and TIFF files)")]
    NoPhotos(PathBuf),
    #[error("none of the {} photos could be read; the output folder was left as it was", .0.len())]
    AllPhotosFailed(Vec<PhotoFailure>),
}

/// Why one photo is missing from the gallery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoFailure {
    #[error(transparent)]
    Render(#[from] PhotoError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One photo's place in the shoot.
struct Job<'a> {
    album: usize,
    path: &'a Path,
}

/// Builds the gallery. `progress` counts photos.
pub fn build(
    options: &BuildOptions,
    password: &Password,
    progress: &ProgressBar,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let mut shoot = scan_shoot(&options.shoot)?;
    if let Some(title) = &options.title {
        retitle(&mut shoot, title);
    }
    let jobs = jobs(&shoot);
    if jobs.is_empty() {
        return Err(BuildError::NoPhotos(options.shoot.clone()));
    }
    let writer = SiteWriter::prepare(&options.out, &options.shoot, options.force)?;
    let sealer = Sealer::new(random());
    progress.set_length(jobs.len() as u64);
    let outcomes: Vec<Result<(Photo, u64), PhotoFailure>> = jobs
        .par_iter()
        .map(|job| {
            let outcome = process_photo(job.path, &options.render, &sealer, &writer);
            progress.inc(1);
            outcome
        })
        .collect();
    let (manifest, failed, blob_bytes) = assemble(&shoot, &jobs, outcomes, &sealer);
    let photos = manifest.photos().count();
    if photos == 0 {
        return Err(BuildError::AllPhotosFailed(failed));
    }
    let mut keep: HashSet<String> = manifest
        .photos()
        .flat_map(|(_, p)| [p.thumb.blob.id.clone(), p.preview.blob.id.clone()])
        .collect();
    let (sealed_manifest, slot) = sealer.seal_manifest(&manifest);
    writer.write_blob(&sealed_manifest.id, &sealed_manifest.ciphertext)?;
    keep.insert(encoding::base32(&sealed_manifest.id));
    site::write_viewer(&writer)?;
    let header = sealer
        .header(options.kdf_iterations, password, &slot)
        .to_bytes();
    let out = writer.root().to_owned();
    let removed_blobs = writer.finish(&header, &keep)?;
    Ok(BuildReport {
        out,
        albums: manifest.albums.len(),
        photos,
        skipped: shoot.skipped,
        failed,
        bytes_written: blob_bytes + sealed_manifest.ciphertext.len() as u64 + header.len() as u64,
        removed_blobs,
        elapsed: started.elapsed(),
    })
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

fn jobs(shoot: &Shoot) -> Vec<Job<'_>> {
    let per_album = shoot.albums.iter().enumerate();
    per_album
        .flat_map(|(album, source)| source.photos.iter().map(move |path| Job { album, path }))
        .collect()
}

/// Render, seal and write one photo's two renditions.
fn process_photo(
    path: &Path,
    settings: &RenderSettings,
    sealer: &Sealer,
    writer: &SiteWriter,
) -> Result<(Photo, u64), PhotoFailure> {
    let rendered = render_photo(path, settings)?;
    let thumb = sealer.seal(BlobKind::Thumbnail, &rendered.thumb.bytes);
    let preview = sealer.seal(BlobKind::Preview, &rendered.preview.bytes);
    writer.write_blob(&thumb.id, &thumb.ciphertext)?;
    writer.write_blob(&preview.id, &preview.ciphertext)?;
    let bytes = (thumb.ciphertext.len() + preview.ciphertext.len()) as u64;
    let photo = Photo {
        file: path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        caption: rendered.caption,
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

/// Puts the photos that made it into albums, in shoot order.
fn assemble(
    shoot: &Shoot,
    jobs: &[Job<'_>],
    outcomes: Vec<Result<(Photo, u64), PhotoFailure>>,
    sealer: &Sealer,
) -> (Manifest, Vec<PhotoFailure>, u64) {
    let mut albums: Vec<Album> = shoot
        .albums
        .iter()
        .map(|source| Album {
            name: source.name.clone(),
            photos: Vec::new(),
        })
        .collect();
    let (mut failed, mut bytes) = (Vec::new(), 0);
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Ok((photo, size)) => {
                albums[job.album].photos.push(photo);
                bytes += size;
            }
            Err(error) => failed.push(error),
        }
    }
    albums.retain(|album| !album.photos.is_empty());
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        gallery: encoding::hex(sealer.gallery_id()),
        title: shoot.title.clone(),
        albums,
    };
    (manifest, failed, bytes)
}
