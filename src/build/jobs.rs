//! The per-photo stage of a build, run in parallel: each photo comes from
//! the cache or is rendered, sealed and written, with its original when a
//! grant may download it.

use std::path::{Path, PathBuf};

use crate::build::cache::{Cache, Fingerprint};
use crate::build::encrypt::Sealer;
use crate::build::options::BuildOptions;
use crate::format::manifest::{BlobRef, Photo, Rendition};
use crate::format::BlobKind;
use crate::photo::decode::PhotoError;
use crate::photo::original::{prepare_original, OriginalError, OriginalMetadata};
use crate::photo::render::{render_photo, RenderSettings};
use crate::shoot::grants::Grant;
use crate::shoot::scan::Shoot;
use crate::site::writer::{SiteWriter, WriteError};

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
pub(super) struct Job<'a> {
    pub(super) album: usize,
    pub(super) path: &'a Path,
    /// Path relative to the shoot folder: the photo's key in the cache.
    pub(super) source: String,
    /// A grant that opens its album may download originals.
    pub(super) needs_original: bool,
}

/// One photo that made it into the gallery.
pub(super) struct Done {
    pub(super) photo: Photo,
    pub(super) fingerprint: Option<Fingerprint>,
    /// Ciphertext bytes written by this build (0 when reused).
    pub(super) bytes: u64,
    pub(super) rendered: bool,
}

pub(super) fn jobs<'a>(shoot: &'a Shoot, grants: &[Grant]) -> Vec<Job<'a>> {
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
pub(super) fn photo(
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
