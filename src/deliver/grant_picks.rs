//! `lightproof grant-picks`: a new download grant that opens exactly the
//! photos a client chose, and their originals.
//!
//! Every blob has its own key, and a grant holds only the keys its manifest
//! lists, so a manifest that lists the chosen photos alone gives a password
//! that opens nothing else: the quota is kept by cryptography, not by a
//! server. The new grant is a new manifest blob (thumbnail, preview and
//! original of each chosen photo, all already in the site) and one key slot
//! sealed into a slot of `gallery.bin` that the last build left as filler.
//! The prefix, the salt and every other slot stay as they were, so every
//! other password and link still opens what it did, and no other file of
//! the site changes.
//!
//! Everything is checked before anything is written: the selection's tag
//! and photos (as `picks` does), that each chosen photo has its original in
//! the site, the name, a free slot, and that the password is strong and
//! opens no other grant (a reader stops at the first slot that opens). Then
//! the manifest blob is written, the cache records the grant, and the
//! header is replaced last, atomically, so until that rename the site is
//! the old one.
//!
//! A later `build` writes `gallery.bin` from lightproof.toml alone, with a
//! fresh salt: the grant made here is not in it, so it stops opening.

use std::path::{Path, PathBuf};

use crate::build::cache::CacheError;
use crate::build::encrypt::Sealer;
use crate::format::header::{Header, SlotType, SLOT_SALT_LEN};
use crate::format::manifest::{Album, Manifest, Original, Photo, MANIFEST_FORMAT};
use crate::format::{blob_path, vault, HEADER_FILE};
use crate::random::random;
use crate::shoot::password::{Password, PasswordError};
use crate::site::writer::{SiteWriter, WriteError};

use super::picks::{check_selection, grant_manifest, printable, CheckedSelection, PicksError};

/// What `grant_picks` made, for the photographer.
#[derive(Debug)]
pub struct PicksGrant {
    pub name: String,
    /// Photos (each with its original) the new grant opens.
    pub photos: usize,
    /// The new manifest blob, `b/<id>`.
    pub manifest_file: String,
    /// Whether the site has offline copies (`.js`) to upload too.
    pub offline: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GrantPicksError {
    #[error(transparent)]
    Selection(#[from] PicksError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("'{0}' holds no readable gallery.bin")]
    NotAGallery(PathBuf),
    #[error("the gallery in '{0}' is not the one this computer's build cache knows (was it built or rotated elsewhere?); nothing was changed")]
    OtherGallery(PathBuf),
    #[error("the gallery already has a grant called '{0}'; choose another --name")]
    NameTaken(String),
    #[error("the selection names no photo; nothing was changed")]
    Empty,
    #[error("the gallery in '{0}' was built before lightproof recorded its free key slots; build it once more with this version (nothing changes for your clients), then run grant-picks again")]
    SlotsUnknown(PathBuf),
    #[error("gallery.bin has no free key slot left (8 in all, one per password and one per key link); remove a grant or a link from lightproof.toml and build again")]
    NoFreeSlot,
    #[error("the gallery holds no original of '{}' in album '{}': set download = true on a grant in lightproof.toml (a grant for yourself will do) and build again, so the originals are encrypted into the site; nothing was changed", printable(.file), printable(.album))]
    NoOriginal { file: String, album: String },
    #[error("the password of grant '{grant}' is too weak: {why}. `lightproof passwd` makes a strong one; --allow-weak goes on anyway")]
    WeakPassword { grant: String, why: String },
    #[error("that password already opens another grant of this gallery (a viewer would open whichever comes first); choose another; nothing was changed")]
    PasswordInUse,
    #[error("cannot save the build cache: {0}; nothing was changed")]
    SaveCache(std::io::Error),
}

/// What `grant_picks` needs besides the files.
pub struct GrantPicksRequest<'a> {
    pub selection: &'a Path,
    pub site: &'a Path,
    pub cache_dir: Option<&'a Path>,
    /// The new grant's name.
    pub name: &'a str,
    pub allow_weak: bool,
}

/// Issues grant `request.name`, opened by the password `password` returns,
/// for exactly the photos of the selection, with their originals.
pub fn grant_picks(
    request: &GrantPicksRequest<'_>,
    password: impl FnOnce() -> Result<Password, PasswordError>,
) -> Result<PicksGrant, GrantPicksError> {
    let writer = SiteWriter::existing(request.site)?;
    let checked = check_selection(request.selection, writer.root(), request.cache_dir)?;
    let mut header = read_header(&checked)?;
    if checked.cache.has_grant(request.name) {
        return Err(GrantPicksError::NameTaken(request.name.to_owned()));
    }
    let slot = free_slot(&checked)?;
    let manifest = picked_manifest(&checked, &header)?;
    let password = password()?;
    if !request.allow_weak {
        check_strength(&password, request.name, &manifest)?;
    }
    let password_key = header.derive_password_key(password.as_bytes());
    if opens_a_grant(&header, &checked, &password_key) {
        return Err(GrantPicksError::PasswordInUse);
    }
    let mut json = manifest.to_json();
    let (sealed, contents) = Sealer::new(header.gallery_id).seal_manifest(&json);
    writer.write_blob(&sealed.id, &sealed.ciphertext)?;
    let saved = checked
        .cache
        .add_grant(request.name, &json, &sealed.blob, slot);
    zeroize::Zeroize::zeroize(&mut json);
    saved.map_err(GrantPicksError::SaveCache)?;
    let salt = random::<SLOT_SALT_LEN>();
    header.seal_slot(slot, &password_key, SlotType::Password, salt, &contents);
    writer.replace_header(&header.to_bytes())?;
    Ok(PicksGrant {
        name: request.name.to_owned(),
        photos: manifest.photos().count(),
        manifest_file: blob_path(&sealed.id),
        offline: writer.offline(),
    })
}

/// The header in the site, if it is the gallery the cache knows.
fn read_header(checked: &CheckedSelection) -> Result<Header, GrantPicksError> {
    let header = std::fs::read(checked.site.join(HEADER_FILE))
        .ok()
        .and_then(|bytes| Header::parse(&bytes).ok())
        .ok_or_else(|| GrantPicksError::NotAGallery(checked.site.clone()))?;
    match checked.cache.gallery_id(Some(&header.gallery_id)) {
        Some(_) => Ok(header),
        None => Err(GrantPicksError::OtherGallery(checked.site.clone())),
    }
}

/// A filler slot of the header, chosen at random among the free ones, so
/// the slot of the new grant says nothing either.
fn free_slot(checked: &CheckedSelection) -> Result<usize, GrantPicksError> {
    let free = checked
        .cache
        .free_slots()
        .ok_or_else(|| GrantPicksError::SlotsUnknown(checked.site.clone()))?;
    if free.is_empty() {
        return Err(GrantPicksError::NoFreeSlot);
    }
    let draw = u32::from_le_bytes(random::<4>()) as usize;
    Ok(free[draw % free.len()])
}

/// The signing grant's manifest cut down to the chosen photos, each with
/// its original (from whichever grant of the gallery may download it).
fn picked_manifest(
    checked: &CheckedSelection,
    header: &Header,
) -> Result<Manifest, GrantPicksError> {
    if checked.photos.is_empty() {
        return Err(GrantPicksError::Empty);
    }
    let others = download_manifests(checked, header);
    let chosen = |album: &Album, photo: &Photo| {
        checked
            .photos
            .iter()
            .any(|(file, name, _)| *file == photo.file && *name == album.name)
    };
    let mut albums = Vec::new();
    for album in &checked.manifest.albums {
        let mut photos = Vec::new();
        for photo in album.photos.iter().filter(|photo| chosen(album, photo)) {
            let original = original_of(photo, &checked.manifest, &others).ok_or_else(|| {
                GrantPicksError::NoOriginal {
                    file: photo.file.clone(),
                    album: album.name.clone(),
                }
            })?;
            photos.push(Photo {
                original: Some(original),
                ..photo.clone()
            });
        }
        if !photos.is_empty() {
            albums.push(Album {
                name: album.name.clone(),
                main: album.main,
                photos,
            });
        }
    }
    let signing = &checked.manifest;
    Ok(Manifest {
        format: MANIFEST_FORMAT,
        gallery: signing.gallery.clone(),
        title: signing.title.clone(),
        albums,
        expires: None,
        selection_limit: None,
        selection_min: None,
        remember: signing.remember,
        photographer_email: signing.photographer_email.clone(),
        date: signing.date.clone(),
        // The first chosen photo: the gallery's cover may not be among them.
        cover: None,
        studio: signing.studio.clone(),
    })
}

/// The manifests of the gallery's grants, decrypted with the cache's keys
/// (those that cannot be read are skipped: they cannot lend an original).
fn download_manifests(checked: &CheckedSelection, header: &Header) -> Vec<Manifest> {
    checked
        .cache
        .built_manifests(&header.gallery_id)
        .filter_map(|(_, blob)| grant_manifest(&checked.cache, &blob.id, &checked.site).ok())
        .filter(|manifest| manifest.originals() > 0)
        .collect()
}

/// The original of `photo` (the same thumbnail blob is the same photo) in
/// `signing` or any of `others`.
fn original_of(photo: &Photo, signing: &Manifest, others: &[Manifest]) -> Option<Original> {
    std::iter::once(signing)
        .chain(others)
        .flat_map(|manifest| manifest.photos())
        .find(|(_, candidate)| {
            candidate.thumb.blob.id == photo.thumb.blob.id && candidate.original.is_some()
        })
        .and_then(|(_, candidate)| candidate.original.clone())
}

/// The strength check `build` makes, knowing the gallery's title, albums,
/// the grant's name and the photos' names.
fn check_strength(
    password: &Password,
    grant: &str,
    manifest: &Manifest,
) -> Result<(), GrantPicksError> {
    let mut names: Vec<&str> = vec![manifest.title.as_str(), grant];
    names.extend(manifest.albums.iter().map(|album| album.name.as_str()));
    let files: Vec<&str> = manifest
        .photos()
        .map(|(_, photo)| {
            photo
                .file
                .rsplit_once('.')
                .map_or(&*photo.file, |(stem, _)| stem)
        })
        .collect();
    match crate::shoot::passphrase::weakness_knowing(password.as_str(), &names, &files) {
        None => Ok(()),
        Some(why) => Err(GrantPicksError::WeakPassword {
            grant: grant.to_owned(),
            why,
        }),
    }
}

/// Whether `password_key` already opens a slot: alone, or with one of the
/// two-factor links the cache knows.
fn opens_a_grant(
    header: &Header,
    checked: &CheckedSelection,
    password_key: &crate::format::Key32,
) -> bool {
    header.open_slots(password_key, SlotType::Password).is_ok()
        || checked
            .cache
            .all_links()
            .values()
            .filter_map(|links| links.two_factor.as_ref())
            .any(|secret| {
                let key = vault::two_factor_key(password_key, secret);
                header.open_slots(&key, SlotType::LinkAndPassword).is_ok()
            })
}
