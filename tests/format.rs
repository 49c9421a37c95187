//! The format's own guarantees, through its public API: key slots open only
//! with the right key and an untouched header, parameters are checked before
//! any work, and blobs are bound to gallery, id and kind.

use std::time::{Duration, Instant};

use lightproof::format::header::{
    Header, SlotContents, SlotType, MAX_ITERATIONS, MIN_ITERATIONS, PREFIX_LEN, SLOT_LEN,
};
use lightproof::format::manifest::{BlobRef, Manifest, MANIFEST_FORMAT};
use lightproof::format::{encoding, vault, BlobKind, FormatError, Key32};

const GALLERY: [u8; 16] = [7; 16];
const PASSWORD: &[u8] = b"correct horse battery staple";

fn sealed_header(password: &[u8]) -> (Header, SlotContents) {
    let mut header = Header::new(GALLERY, MIN_ITERATIONS, [3; 32], vec![[0x5a; SLOT_LEN]; 4]);
    let contents = SlotContents {
        manifest_id: [9; 16],
        manifest_key: Key32::from_bytes([4; 32]),
    };
    let key = header.derive_password_key(password);
    header.seal_slot(2, &key, SlotType::Password, [8; 16], &contents);
    (header, contents)
}

#[test]
fn a_slot_opens_with_its_password_only() {
    let (header, contents) = sealed_header(PASSWORD);
    let parsed = Header::parse(&header.to_bytes()).unwrap();
    let opened = vault::unlock_with_password(&parsed, PASSWORD).unwrap();
    assert_eq!(opened.manifest_id, contents.manifest_id);
    assert_eq!(opened.manifest_key, contents.manifest_key);
    assert_eq!(
        vault::unlock_with_password(&parsed, b"correct horse battery stapl").unwrap_err(),
        FormatError::WrongPassword
    );
}

#[test]
fn any_change_to_the_authenticated_prefix_locks_every_slot() {
    let (header, _) = sealed_header(PASSWORD);
    let bytes = header.to_bytes();
    // gallery id, KDF salt, minor version: every prefix byte is bound to the slots.
    for position in [7, 8, 23, 29, 60] {
        let mut tampered = bytes.clone();
        tampered[position] ^= 1;
        let parsed = Header::parse(&tampered).unwrap();
        assert_eq!(
            vault::unlock_with_password(&parsed, PASSWORD).unwrap_err(),
            FormatError::WrongPassword,
            "byte {position}"
        );
    }
    // Flipping a byte inside the sealed slot.
    let mut tampered = bytes.clone();
    tampered[PREFIX_LEN + 2 * SLOT_LEN + 40] ^= 1;
    let parsed = Header::parse(&tampered).unwrap();
    assert_eq!(
        vault::unlock_with_password(&parsed, PASSWORD).unwrap_err(),
        FormatError::WrongPassword
    );
}

#[test]
fn a_lowered_iteration_count_is_refused_or_unlocks_nothing() {
    let (header, _) = sealed_header(PASSWORD);
    let mut bytes = header.to_bytes();
    bytes[25..29].copy_from_slice(&(MIN_ITERATIONS + 1).to_be_bytes());
    let parsed = Header::parse(&bytes).unwrap();
    assert_eq!(
        vault::unlock_with_password(&parsed, PASSWORD).unwrap_err(),
        FormatError::WrongPassword
    );
}

#[test]
fn out_of_range_parameters_are_rejected_before_any_work() {
    let (header, _) = sealed_header(PASSWORD);
    let good = header.to_bytes();
    let with = |at: usize, value: &[u8]| {
        let mut bytes = good.clone();
        bytes[at..at + value.len()].copy_from_slice(value);
        bytes
    };
    let cases: Vec<(Vec<u8>, FormatError)> = vec![
        (
            with(25, &0u32.to_be_bytes()),
            FormatError::BadParameters("iteration count"),
        ),
        (
            with(25, &1u32.to_be_bytes()),
            FormatError::BadParameters("iteration count"),
        ),
        (
            with(25, &(MIN_ITERATIONS - 1).to_be_bytes()),
            FormatError::BadParameters("iteration count"),
        ),
        (
            with(25, &(MAX_ITERATIONS + 1).to_be_bytes()),
            FormatError::BadParameters("iteration count"),
        ),
        (
            with(25, &u32::MAX.to_be_bytes()),
            FormatError::BadParameters("iteration count"),
        ),
        (
            with(24, &[2]),
            FormatError::BadParameters("unknown key derivation"),
        ),
        (
            with(PREFIX_LEN - 1, &[0]),
            FormatError::BadParameters("slot count"),
        ),
        (
            with(PREFIX_LEN - 1, &[255]),
            FormatError::BadParameters("slot count"),
        ),
        (with(PREFIX_LEN - 1, &[5]), FormatError::NotAGallery), // length disagrees
        (with(6, &[2]), FormatError::UnsupportedVersion { major: 2 }),
        (with(0, b"GIF89a"), FormatError::NotAGallery),
        (good[..PREFIX_LEN - 1].to_vec(), FormatError::NotAGallery),
        (Vec::new(), FormatError::NotAGallery),
    ];
    for (bytes, expected) in cases {
        let started = Instant::now();
        assert_eq!(Header::parse(&bytes).unwrap_err(), expected);
        assert!(started.elapsed() < Duration::from_millis(50));
    }
}

#[test]
fn blobs_are_bound_to_gallery_id_and_kind() {
    let key = Key32::from_bytes([1; 32]);
    let sealed = vault::seal_blob(
        &GALLERY,
        &[2; 16],
        BlobKind::Thumbnail,
        &key,
        &[3; 24],
        b"jpeg bytes",
    );
    assert_eq!(
        vault::open_blob(&GALLERY, &[2; 16], BlobKind::Thumbnail, &key, &sealed).unwrap(),
        b"jpeg bytes"
    );
    let wrong = [
        vault::open_blob(&[8; 16], &[2; 16], BlobKind::Thumbnail, &key, &sealed),
        vault::open_blob(&GALLERY, &[5; 16], BlobKind::Thumbnail, &key, &sealed),
        vault::open_blob(&GALLERY, &[2; 16], BlobKind::Preview, &key, &sealed),
    ];
    for result in wrong {
        assert_eq!(result.unwrap_err(), FormatError::Damaged);
    }
}

#[test]
fn a_pinned_blob_must_match_its_length_and_hash() {
    let key = Key32::from_bytes([1; 32]);
    let id = [2; 16];
    let sealed = vault::seal_blob(&GALLERY, &id, BlobKind::Preview, &key, &[3; 24], b"preview");
    let blob = BlobRef::new(&id, key.clone(), &sealed);
    assert_eq!(
        vault::open_pinned_blob(&GALLERY, &blob, BlobKind::Preview, &sealed).unwrap(),
        b"preview"
    );
    // A different, correctly encrypted ciphertext under the same key and id
    // (what a holder of this key could make) is still refused.
    let other = vault::seal_blob(&GALLERY, &id, BlobKind::Preview, &key, &[4; 24], b"forged!");
    assert_eq!(
        vault::open_pinned_blob(&GALLERY, &blob, BlobKind::Preview, &other).unwrap_err(),
        FormatError::Damaged
    );
}

#[test]
fn a_manifest_from_another_gallery_is_refused() {
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        gallery: encoding::hex(&[1; 16]),
        title: "t".into(),
        albums: vec![],
        expires: None,
        selection_limit: None,
        remember: false,
        photographer_email: None,
    };
    let json = manifest.to_json();
    assert!(Manifest::parse(&json, &[1; 16]).is_ok());
    assert_eq!(
        Manifest::parse(&json, &GALLERY).unwrap_err(),
        FormatError::BadManifest("belongs to another gallery")
    );
    assert!(Manifest::parse(b"{\"format\":1", &GALLERY).is_err());
}
