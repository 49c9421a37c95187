//! Fixed keys and real sealed objects. Everything is deterministic (fixed
//! salts and filler) so the seed corpus is reproducible and a target knows
//! the keys its seeds were sealed with.
//!
//! PBKDF2 at 600,000 iterations takes far too long per execution, so slots
//! are sealed with a fixed password key `K_pw` and opened with
//! [`Header::open_slots`], the step after key derivation.

use lightproof::format::chunked::SALT_LEN;
use lightproof::format::header::{
    Header, SlotContents, SlotType, MIN_ITERATIONS, SLOT_LEN, SLOT_SALT_LEN,
};
use lightproof::format::manifest::{Album, BlobRef, Manifest, Original, Photo, Rendition};
use lightproof::format::vault::{seal_blob, seal_original_to, two_factor_key};
use lightproof::format::{BlobKind, Id, Key32};

pub const GALLERY: Id = [0x11; 16];
pub const MANIFEST_ID: Id = [0x33; 16];
pub const PASSWORD_KEY: [u8; 32] = [0x42; 32];
pub const LINK_SECRET: [u8; 32] = [0x24; 32];
pub const MANIFEST_KEY: [u8; 32] = [0x55; 32];
/// Key and id of the bare blobs of the `blob` target (sealed as originals).
pub const BLOB_KEY: [u8; 32] = [0x66; 32];
pub const BLOB_ID: Id = [0x77; 16];

pub fn password_key() -> Key32 {
    Key32::from_bytes(PASSWORD_KEY)
}

pub fn link_secret() -> Key32 {
    Key32::from_bytes(LINK_SECRET)
}

/// The wrapping key of a slot of `slot_type` from the fixed keys.
pub fn slot_key(slot_type: SlotType) -> Key32 {
    match slot_type {
        SlotType::Password => password_key(),
        SlotType::Link => link_secret(),
        SlotType::LinkAndPassword => two_factor_key(&password_key(), &link_secret()),
    }
}

pub fn slot_contents() -> SlotContents {
    SlotContents {
        manifest_id: MANIFEST_ID,
        manifest_key: Key32::from_bytes(MANIFEST_KEY),
    }
}

/// A header of `slot_count` slots of filler whose slot `real` opens with
/// the fixed key of `slot_type`.
pub fn sealed_header(slot_count: usize, real: usize, slot_type: SlotType) -> Header {
    let filler = (0..slot_count)
        .map(|i| core::array::from_fn(|j| (i * 31 + j * 7) as u8))
        .collect::<Vec<[u8; SLOT_LEN]>>();
    let mut header = Header::new(GALLERY, MIN_ITERATIONS, [0x5a; 32], filler);
    let salt = [real as u8; SLOT_SALT_LEN];
    header.seal_slot(
        real,
        &slot_key(slot_type),
        slot_type,
        salt,
        &slot_contents(),
    );
    header
}

/// One photo's blobs as the host serves them, and the manifest entry.
pub struct SealedPhoto {
    pub thumb: Vec<u8>,
    pub preview: Vec<u8>,
    pub original: Vec<u8>,
    pub photo: Photo,
}

fn blob_id(photo: usize, kind: BlobKind) -> Id {
    let mut id = [photo as u8; 16];
    id[0] = kind as u8;
    id
}

fn rendition(photo: usize, kind: BlobKind, content: &[u8]) -> (Vec<u8>, Rendition) {
    let id = blob_id(photo, kind);
    let key = Key32::from_bytes([kind as u8 ^ photo as u8; 32]);
    let sealed = seal_blob(&GALLERY, &id, kind, &key, &[7; SALT_LEN], content);
    let blob = BlobRef::new(&id, key, &sealed);
    (
        sealed,
        Rendition {
            blob,
            width: 3,
            height: 2,
        },
    )
}

/// Photo `n`, with renditions and an original of `original_len` bytes.
pub fn sealed_photo(n: usize, original_len: usize) -> SealedPhoto {
    let (thumb, thumb_ref) = rendition(n, BlobKind::Thumbnail, format!("thumb {n}").as_bytes());
    let (preview, preview_ref) = rendition(n, BlobKind::Preview, format!("preview {n}").as_bytes());
    let content: Vec<u8> = (0..original_len).map(|i| (i * 13 + n) as u8).collect();
    let mut original = Vec::new();
    let id = blob_id(n, BlobKind::Original);
    let key = Key32::from_bytes([0x90 ^ n as u8; 32]);
    let blob = seal_original_to(&mut original, &GALLERY, &id, &key, &[9; SALT_LEN], &content)
        .expect("writing to memory");
    let photo = Photo {
        file: format!("IMG_{n:04}.jpg"),
        caption: (n % 2 == 0).then(|| format!("caption {n}")),
        width: 3000,
        height: 2000,
        thumb: thumb_ref,
        preview: preview_ref,
        original: Some(Original {
            blob,
            bytes: original_len as u64,
            crc32: 0x1234_5678,
            media_type: "image/jpeg".into(),
            stripped: n % 2 == 1,
            modified: 1_700_000_000,
        }),
    };
    SealedPhoto {
        thumb,
        preview,
        original,
        photo,
    }
}

/// A manifest of `photos` in two albums, with every optional field set
/// (the studio without its files).
pub fn manifest(photos: &[SealedPhoto]) -> Manifest {
    let (first, second) = photos.split_at(photos.len() / 2);
    let album = |name: &str, photos: &[SealedPhoto]| Album {
        name: name.into(),
        main: name == "Ceremony",
        photos: photos.iter().map(|p| p.photo.clone()).collect(),
    };
    Manifest {
        format: lightproof::format::manifest::MANIFEST_FORMAT,
        gallery: lightproof::format::encoding::hex(&GALLERY),
        title: "Wedding".into(),
        albums: vec![album("Ceremony", first), album("Party", second)],
        expires: Some("2030-02-28".into()),
        selection_limit: Some(10),
        selection_min: Some(2),
        remember: true,
        photographer_email: Some("studio@example.com".into()),
        date: Some("2024-06-14".into()),
        cover: Some(1),
        // The studio's files (logo, font) are blobs like the photos'.
        studio: Some(lightproof::format::manifest::Studio {
            name: Some("Lumen Studio".into()),
            logo: None,
            accent: Some("#8a3b12".into()),
            font: None,
        }),
    }
}

/// The manifest blob the fixed slot points to.
pub fn seal_manifest(json: &[u8]) -> Vec<u8> {
    seal_blob(
        &GALLERY,
        &MANIFEST_ID,
        BlobKind::Manifest,
        &Key32::from_bytes(MANIFEST_KEY),
        &[5; SALT_LEN],
        json,
    )
}

/// A bare blob of the `blob` target: `content` sealed as an original.
pub fn seal_bare_blob(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    seal_original_to(
        &mut out,
        &GALLERY,
        &BLOB_ID,
        &Key32::from_bytes(BLOB_KEY),
        &[3; SALT_LEN],
        content,
    )
    .expect("writing to memory");
    out
}
