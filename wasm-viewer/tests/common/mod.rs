//! What the viewer's native tests share: a one-album gallery sealed in
//! memory through `lightproof::format` (its header with a password slot,
//! and the manifest blob that slot opens), and calls into the C ABI made
//! as `viewer.js` makes them.

use lightproof::format::chunked::SALT_LEN;
use lightproof::format::header::{
    Header, SlotContents, SlotType, DEFAULT_SLOTS, MIN_ITERATIONS, SLOT_LEN,
};
use lightproof::format::manifest::{Album, Manifest, Photo, MANIFEST_FORMAT};
use lightproof::format::{encoding, vault, BlobKind, Id, Key32};
use lightproof_viewer::{lp_alloc, lp_free};

pub const GALLERY: Id = [7; 16];
pub const MANIFEST: Id = [1; 16];
/// What WebCrypto's PBKDF2 would hand the viewer; any 32 bytes will do.
pub const PASSWORD_KEY: [u8; 32] = [0x11; 32];

/// The key of blob `id`: fixed, and different for every first byte.
pub fn key_of(id: &Id) -> Key32 {
    Key32::from_bytes([id[0] ^ 0x40; 32])
}

/// `gallery.bin` with a password slot (opened by `PASSWORD_KEY`), and the
/// sealed manifest of one album, "main", holding `photos`.
pub fn sealed_header_and_manifest(photos: Vec<Photo>) -> (Vec<u8>, Vec<u8>) {
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        gallery: encoding::hex(&GALLERY),
        title: "Wedding".into(),
        albums: vec![Album {
            name: "main".into(),
            main: true,
            photos,
        }],
        expires: None,
        selection_limit: None,
        selection_min: None,
        remember: false,
        photographer_email: None,
        date: None,
        cover: None,
        studio: None,
    };
    let slot = SlotContents {
        manifest_id: MANIFEST,
        manifest_key: key_of(&MANIFEST),
    };
    let mut header = Header::new(
        GALLERY,
        MIN_ITERATIONS,
        [3; 32],
        vec![[0x5a; SLOT_LEN]; DEFAULT_SLOTS],
    );
    let password_key = Key32::from_bytes(PASSWORD_KEY);
    header.seal_slot(3, &password_key, SlotType::Password, [8; 16], &slot);
    let sealed = vault::seal_blob(
        &GALLERY,
        &MANIFEST,
        BlobKind::Manifest,
        &slot.manifest_key,
        &[5; SALT_LEN],
        &manifest.to_json(),
    );
    (header.to_bytes(), sealed)
}

/// Copies `bytes` into a buffer from `lp_alloc`, calls `entry` on it and
/// frees it with `lp_free`, as `viewer.js` does.
pub fn call(bytes: &[u8], entry: impl FnOnce(*const u8, usize) -> i32) -> i32 {
    let ptr = lp_alloc(bytes.len());
    // SAFETY: `ptr` holds `bytes.len()` bytes (at least one) from lp_alloc,
    // and is freed once, with the length it was allocated with.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
        let status = entry(ptr, bytes.len());
        lp_free(ptr, bytes.len());
        status
    }
}
