//! Assembling the gallery from the photos that made it: albums in shoot
//! order, one manifest per grant, sealed and written (or kept when
//! unchanged).

use crate::build::cache::Cache;
use crate::build::encrypt::Sealer;
use crate::build::jobs::{Done, Job, PhotoFailure};
use crate::build::options::BuildOptions;
use crate::build::studio::{cover_number, CoverPhoto};
use crate::format::encoding;
use crate::format::manifest::{Album, BlobRef, Manifest, Studio, MANIFEST_FORMAT};
use crate::shoot::grants::Grant;
use crate::shoot::scan::Shoot;
use crate::site::writer::{SiteWriter, WriteError};

/// Albums (with the index of their source) of the photos that made it.
pub(super) type Assembled = (Vec<(usize, Album)>, Vec<PhotoFailure>, Vec<(String, Done)>);

/// Puts the photos that made it into albums, in shoot order; empty albums
/// are dropped.
pub(super) fn assemble(
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

/// What every grant's manifest shows of the cover and the studio.
pub(super) struct Cover {
    pub(super) photo: CoverPhoto,
    pub(super) date: Option<String>,
    pub(super) studio: Option<Studio>,
}

/// The manifest `grant` sees: only the albums it opens.
pub(super) fn manifest_for(
    grant: &Grant,
    options: &BuildOptions,
    shoot: &Shoot,
    albums: &[(usize, Album)],
    sealer: &Sealer,
    cover: &Cover,
) -> Manifest {
    let opened: Vec<(usize, &Album)> = albums
        .iter()
        .filter(|(source, _)| grant.opens(&shoot.albums[*source]))
        .map(|(source, album)| (*source, album))
        .collect();
    Manifest {
        format: MANIFEST_FORMAT,
        gallery: encoding::hex(sealer.gallery_id()),
        title: shoot.title.clone(),
        cover: cover_number(&cover.photo, &opened).filter(|&n| n > 0),
        date: cover.date.clone(),
        studio: cover.studio.clone(),
        albums: opened
            .iter()
            .map(|(_, album)| album_for(grant, album))
            .collect(),
        expires: grant.expires.clone(),
        selection_limit: options.selection_limit,
        selection_min: options.selection_min,
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

/// Seals and writes the manifest, or keeps the previous manifest blob when
/// the manifest is unchanged. Returns its reference and the bytes written.
pub(super) fn write_manifest(
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
