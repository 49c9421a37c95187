//! Secrets leave nothing behind: a blob, manifest or original that fails to
//! open frees no memory still holding its plaintext, a dropped key frees
//! no memory holding its bytes, and no type holding a key or a password
//! shows it in `Debug` output.
//!
//! The plaintexts repeat a 16-byte marker in every chunk and are damaged at
//! the end, so that earlier chunks authenticate and decrypt before the
//! failure. The scanning allocator (see `scanner`) then counts freed blocks
//! that still hold the marker; the test's own copies are zeroized by the
//! test, outside the scan.

mod scanner;

use lightproof::format::chunked::{self, CHUNK_LEN, SALT_LEN};
use lightproof::format::header::{Header, SlotContents, MIN_ITERATIONS, SLOT_LEN};
use lightproof::format::manifest::{
    Album, BlobRef, Manifest, Original, Photo, Rendition, MANIFEST_FORMAT,
};
use lightproof::format::vault::{self, OriginalReader};
use lightproof::format::{encoding, padding, BlobKind, FormatError, Id, Key32};
use zeroize::Zeroize;

const MARKER: &[u8; 16] = b"lp:PLAINTEXT#42!";
const GALLERY: Id = [7; 16];
const BLOB: Id = [9; 16];
const SALT: [u8; SALT_LEN] = [5; SALT_LEN];

fn blob_key() -> Key32 {
    Key32::from_bytes([0x42; 32])
}

/// The marker repeated to `len` bytes.
fn marked(len: usize) -> Vec<u8> {
    MARKER.iter().copied().cycle().take(len).collect()
}

/// Content of several chunks that repeats the marker, and its blob of
/// `kind` sealed under the test key.
fn marked_blob(kind: BlobKind) -> (Vec<u8>, Vec<u8>) {
    let content = marked(3 * CHUNK_LEN + 1000);
    let sealed = vault::seal_blob(&GALLERY, &BLOB, kind, &blob_key(), &SALT, &content);
    (content, sealed)
}

/// Flips a bit in the tag of the last chunk.
fn damage_last_chunk(sealed: &mut [u8]) {
    *sealed.last_mut().expect("a sealed message is never empty") ^= 1;
}

/// Flips a bit in the tag of chunk `index`, a full one.
fn damage_chunk(sealed: &mut [u8], index: usize) {
    let record_end = chunked::PREFIX_LEN + (index + 1) * (CHUNK_LEN + chunked::TAG_LEN);
    sealed[record_end - 1] ^= 1;
}

/// Asserts `outcome` is the `expected` failure and no freed block held the
/// marker.
fn assert_failed_cleanly<T>(
    scenario: &str,
    (outcome, hits): (Result<T, FormatError>, usize),
    expected: FormatError,
) {
    assert_eq!(
        outcome.err(),
        Some(expected),
        "{scenario}: the call must fail"
    );
    assert_eq!(
        hits, 0,
        "{scenario}: {hits} freed block(s) still held plaintext"
    );
}

#[test]
fn failed_decryptions_free_no_plaintext() {
    scanner_detects_plaintext_dropped_without_zeroizing();
    blob_damaged_in_its_last_chunk();
    blob_with_invalid_padding();
    pinned_blob_with_the_wrong_hash();
    manifest_damaged_in_its_last_chunk();
    original_damaged_in_its_last_chunk();
    original_damaged_in_a_middle_chunk();
    original_longer_than_its_padding();
    original_that_opens_frees_only_what_it_hands_over();
    dropped_keys_free_no_key_bytes();
}

/// Without this control the other scenarios could not fail.
fn scanner_detects_plaintext_dropped_without_zeroizing() {
    let (content, sealed) = marked_blob(BlobKind::Preview);
    let (opened, hits) = scanner::scan(MARKER, || {
        let plaintext = vault::open_blob(&GALLERY, &BLOB, BlobKind::Preview, &blob_key(), &sealed);
        plaintext.map(drop)
    });
    assert_eq!(opened, Ok(()));
    assert!(hits > 0, "the scanner missed a freed plaintext");
    zeroize_content(content);
}

fn blob_damaged_in_its_last_chunk() {
    let (content, mut sealed) = marked_blob(BlobKind::Thumbnail);
    damage_last_chunk(&mut sealed);
    let outcome = scanner::scan(MARKER, || {
        vault::open_blob(&GALLERY, &BLOB, BlobKind::Thumbnail, &blob_key(), &sealed)
    });
    assert_failed_cleanly("damaged blob", outcome, FormatError::Damaged);
    zeroize_content(content);
}

/// Authentic but not padded: every chunk decrypts, then the padding fails.
fn blob_with_invalid_padding() {
    let content = marked(3 * CHUNK_LEN + 1000);
    let context = vault::blob_context(&GALLERY, &BLOB, BlobKind::Thumbnail);
    let sealed = chunked::seal(&blob_key(), &SALT, &context, &content);
    let outcome = scanner::scan(MARKER, || {
        vault::open_blob(&GALLERY, &BLOB, BlobKind::Thumbnail, &blob_key(), &sealed)
    });
    assert_failed_cleanly("unpadded blob", outcome, FormatError::Damaged);
    zeroize_content(content);
}

fn pinned_blob_with_the_wrong_hash() {
    let (content, mut sealed) = marked_blob(BlobKind::Preview);
    let pinned = BlobRef::new(&BLOB, blob_key(), &sealed);
    sealed[chunked::PREFIX_LEN + 10] ^= 1;
    let outcome = scanner::scan(MARKER, || {
        vault::open_pinned_blob(&GALLERY, &pinned, BlobKind::Preview, &sealed)
    });
    assert_failed_cleanly("blob with another hash", outcome, FormatError::Damaged);
    zeroize_content(content);
}

fn manifest_damaged_in_its_last_chunk() {
    let slot = SlotContents {
        manifest_id: BLOB,
        manifest_key: blob_key(),
    };
    let header = Header::new(GALLERY, MIN_ITERATIONS, [3; 32], vec![[0; SLOT_LEN]]);
    let mut json = marked_manifest().to_json();
    assert!(
        json.len() > 3 * CHUNK_LEN,
        "the manifest spans several chunks"
    );
    let mut sealed = vault::seal_blob(
        &GALLERY,
        &BLOB,
        BlobKind::Manifest,
        &slot.manifest_key,
        &SALT,
        &json,
    );
    json.zeroize();
    damage_last_chunk(&mut sealed);
    let outcome = scanner::scan(MARKER, || vault::open_manifest(&header, &slot, &sealed));
    assert_failed_cleanly("damaged manifest", outcome, FormatError::Damaged);
}

/// A manifest whose photo names repeat the marker: about 64 KiB of JSON.
/// It is built, serialised and dropped outside any scan.
fn marked_manifest() -> Manifest {
    let name = String::from_utf8(marked(16 * 200)).expect("the marker is ASCII");
    let rendition = Rendition {
        blob: BlobRef::new(&BLOB, blob_key(), b"thumbnail"),
        width: 1,
        height: 1,
    };
    let photos = (0..20)
        .map(|_| Photo {
            file: name.clone(),
            caption: None,
            width: 1,
            height: 1,
            thumb: rendition.clone(),
            preview: rendition.clone(),
            original: None,
        })
        .collect();
    Manifest {
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
    }
}

/// A sealed original of `content`, pinned to `pinned_bytes` (which may be
/// damaged, so that the hash check passes and decryption is what fails).
fn original_pinned_to(content: &[u8], pinned_bytes: &[u8]) -> Original {
    Original {
        blob: BlobRef::new(&BLOB, blob_key(), pinned_bytes),
        bytes: content.len() as u64,
        crc32: 0,
        media_type: "image/jpeg".into(),
        stripped: false,
        modified: 0,
    }
}

fn sealed_original(content: &[u8]) -> Vec<u8> {
    let mut sealed = Vec::new();
    vault::seal_original_to(&mut sealed, &GALLERY, &BLOB, &blob_key(), &SALT, content)
        .expect("writing to memory cannot fail");
    sealed
}

/// Content whose padded form ends inside a chunk, so the last chunk holds
/// marked content too.
fn original_content() -> Vec<u8> {
    let content = marked(3 * CHUNK_LEN + 1000);
    assert!(padding::padded_len(content.len()) % CHUNK_LEN > 1000);
    content
}

/// Feeds `sealed` to a reader in `piece`-byte pieces, zeroizing what it
/// releases as a careful caller does, then finishes.
fn read_original(original: &Original, sealed: &[u8], piece: usize) -> Result<(), FormatError> {
    let mut reader = OriginalReader::new(&GALLERY, original)?;
    for part in sealed.chunks(piece) {
        reader.push(part)?.zeroize();
    }
    reader.finish()?.zeroize();
    Ok(())
}

fn original_damaged_in_its_last_chunk() {
    let content = original_content();
    let mut sealed = sealed_original(&content);
    damage_last_chunk(&mut sealed);
    let original = original_pinned_to(&content, &sealed);
    for piece in [4096, sealed.len()] {
        let outcome = scanner::scan(MARKER, || read_original(&original, &sealed, piece));
        assert_failed_cleanly(
            &format!("original damaged at the end, in pieces of {piece}"),
            outcome,
            FormatError::Damaged,
        );
    }
    let unpinned = original_pinned_to(&content, b"another blob");
    let outcome = scanner::scan(MARKER, || read_original(&unpinned, &sealed, 4096));
    assert_failed_cleanly("original with another hash", outcome, FormatError::Damaged);
    zeroize_content(content);
}

/// Pushed in one piece: chunks before the damaged one decrypt inside the
/// same call that fails.
fn original_damaged_in_a_middle_chunk() {
    let content = original_content();
    let mut sealed = sealed_original(&content);
    damage_chunk(&mut sealed, 2);
    let original = original_pinned_to(&content, &sealed);
    let outcome = scanner::scan(MARKER, || read_original(&original, &sealed, sealed.len()));
    assert_failed_cleanly("original damaged inside", outcome, FormatError::Damaged);
    zeroize_content(content);
}

/// A pinned length that counts the padding as content: every chunk opens,
/// and only the total length shows the lie.
fn original_longer_than_its_padding() {
    let content = original_content();
    let sealed = sealed_original(&content);
    let mut original = original_pinned_to(&content, &sealed);
    original.bytes = padding::padded_len(content.len()) as u64;
    let outcome = scanner::scan(MARKER, || read_original(&original, &sealed, 4096));
    assert_failed_cleanly(
        "original with a wrong length",
        outcome,
        FormatError::Damaged,
    );
    zeroize_content(content);
}

/// Success, pushed in one piece: only the blocks handed to the caller
/// (zeroized by it) ever held the file.
fn original_that_opens_frees_only_what_it_hands_over() {
    let content = original_content();
    let sealed = sealed_original(&content);
    let original = original_pinned_to(&content, &sealed);
    let (outcome, hits) = scanner::scan(MARKER, || read_original(&original, &sealed, sealed.len()));
    assert_eq!(outcome, Ok(()));
    assert_eq!(hits, 0, "{hits} freed block(s) held the file");
    zeroize_content(content);
}

/// A boxed key is wiped before its memory is freed; a boxed array of the
/// same bytes is not (the control).
fn dropped_keys_free_no_key_bytes() {
    let bytes = [0xc3; 32];
    let pattern: [u8; 16] = bytes[..16].try_into().expect("16 bytes");
    let key = Box::new(Key32::from_bytes(bytes));
    let ((), hits) = scanner::scan(&pattern, || drop(key));
    assert_eq!(hits, 0, "a dropped Key32 left its bytes in freed memory");
    let array = Box::new(bytes);
    let ((), hits) = scanner::scan(&pattern, || drop(array));
    assert!(hits > 0, "the scanner missed a freed key");
    dropped_ciphers_free_no_key_bytes();
}

/// A stream opener keeps its AES-256-GCM cipher for a whole download; the
/// cipher's round keys begin with the key itself (AES-NI) or encode it
/// (the portable fixsliced form, where this check cannot see it).
fn dropped_ciphers_free_no_key_bytes() {
    use aes_gcm::{Aes256Gcm, KeyInit};
    let bytes: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5c);
    let pattern: [u8; 16] = bytes[..16].try_into().expect("16 bytes");
    let cipher = Box::new(Aes256Gcm::new_from_slice(&bytes).expect("32-byte key"));
    let ((), hits) = scanner::scan(&pattern, || drop(cipher));
    assert_eq!(hits, 0, "a dropped cipher left its key in freed memory");
}

fn zeroize_content(mut content: Vec<u8>) {
    content.zeroize();
}

/// Checked when this file compiles: a `Key32` wipes itself when dropped.
const _: () = {
    const fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<Key32>();
};

/// Key bytes no other test uses, all different so every written form of
/// them is distinctive.
const SECRET: [u8; 32] = [
    0xd1, 0x07, 0x9a, 0x3c, 0xe5, 0x52, 0x18, 0xbf, 0x6e, 0x21, 0x94, 0x0d, 0xc8, 0x7b, 0x33, 0xf6,
    0x4a, 0x85, 0x1e, 0xdb, 0x60, 0xa7, 0x2f, 0x99, 0x0b, 0xec, 0x57, 0x38, 0xc2, 0x7d, 0x14, 0xab,
];
const SECRET_PASSWORD: &str = "sentinel-ribbon-quartz-lantern";

fn secret() -> Key32 {
    Key32::from_bytes(SECRET)
}

/// Fails if `shown` (a `Debug` rendering) holds the secret key in hex,
/// base32, base64 or as a list of numbers, or the password in any form.
fn assert_redacted(what: &str, shown: &str) {
    let compact: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    let decimal = SECRET.map(|byte| byte.to_string()).join(",");
    let hex_list = SECRET.map(|byte| format!("{byte:#x}")).join(",");
    let bare_hex_list = SECRET.map(|byte| format!("{byte:x}")).join(",");
    let password_bytes = SECRET_PASSWORD
        .bytes()
        .map(|byte| byte.to_string())
        .collect::<Vec<_>>()
        .join(",");
    use base64::Engine;
    let forbidden = [
        ("hex", encoding::hex(&SECRET)),
        ("upper-case hex", encoding::hex(&SECRET).to_uppercase()),
        ("base32", encoding::base32(&SECRET)),
        (
            "upper-case base32",
            encoding::base32(&SECRET).to_uppercase(),
        ),
        (
            "base64",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(SECRET),
        ),
        (
            "base64url",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(SECRET),
        ),
        ("decimal list", decimal[..decimal.len() / 4].to_owned()),
        ("hex list", hex_list[..hex_list.len() / 4].to_owned()),
        (
            "bare hex list",
            bare_hex_list[..bare_hex_list.len() / 4].to_owned(),
        ),
        ("password", SECRET_PASSWORD.to_owned()),
        (
            "password bytes",
            password_bytes[..password_bytes.len() / 4].to_owned(),
        ),
    ];
    for (form, text) in forbidden {
        assert!(
            !compact.contains(&text) && !shown.contains(&text),
            "{what} shows the secret as {form}: {shown}"
        );
    }
}

fn assert_debug_redacted(what: &str, value: &impl std::fmt::Debug) {
    assert_redacted(what, &format!("{value:?}"));
    assert_redacted(what, &format!("{value:#?}"));
}

#[test]
fn keys_and_passwords_never_show_in_debug_output() {
    let blob = BlobRef::new(&BLOB, secret(), b"ciphertext");
    let rendition = Rendition {
        blob: blob.clone(),
        width: 1,
        height: 1,
    };
    let original = Original {
        blob: blob.clone(),
        bytes: 1,
        crc32: 0,
        media_type: "image/jpeg".into(),
        stripped: false,
        modified: 0,
    };
    let photo = Photo {
        file: "IMG_0001.jpg".into(),
        caption: None,
        width: 1,
        height: 1,
        thumb: rendition.clone(),
        preview: rendition.clone(),
        original: Some(original.clone()),
    };
    let album = Album {
        name: "main".into(),
        main: true,
        photos: vec![photo.clone()],
    };
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        gallery: encoding::hex(&GALLERY),
        title: "Wedding".into(),
        albums: vec![album.clone()],
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
        manifest_id: BLOB,
        manifest_key: secret(),
    };
    let mut header = Header::new(GALLERY, MIN_ITERATIONS, [3; 32], vec![[0; SLOT_LEN]]);
    header.seal_slot(
        0,
        &secret(),
        lightproof::format::header::SlotType::Link,
        [8; 16],
        &slot,
    );
    assert_debug_redacted("Key32", &secret());
    assert_debug_redacted("SlotContents", &slot);
    assert_debug_redacted("Header", &header);
    assert_debug_redacted("BlobRef", &blob);
    assert_debug_redacted("Rendition", &rendition);
    assert_debug_redacted("Original", &original);
    assert_debug_redacted("Photo", &photo);
    assert_debug_redacted("Album", &album);
    assert_debug_redacted("Manifest", &manifest);
    #[cfg(feature = "generator")]
    generator_types_redact(blob);
}

/// The generator's own holders of passwords and keys.
#[cfg(feature = "generator")]
fn generator_types_redact(blob: BlobRef) {
    use lightproof::build::cache::{CachedManifest, Links};
    use lightproof::shoot::grants::Grant;
    use lightproof::shoot::password::Password;

    let password = Password::new(SECRET_PASSWORD).expect("not empty");
    let grant = Grant::everyone(Password::new(SECRET_PASSWORD).expect("not empty"));
    let links = Links {
        link: Some(secret()),
        two_factor: Some(secret()),
    };
    let cached_manifest = CachedManifest {
        plaintext_sha256: encoding::hex(&[0; 32]),
        blob,
    };
    assert_debug_redacted("Password", &password);
    assert_debug_redacted("Grant", &grant);
    assert_debug_redacted("Links", &links);
    assert_debug_redacted("CachedManifest", &cached_manifest);
}

/// The check above can fail: the forms it looks for are the ones an
/// unredacted key or password would print.
#[test]
fn the_redaction_check_sees_unredacted_secrets() {
    for shown in [
        format!("{SECRET:?}"),
        format!("{SECRET:#?}"),
        format!("{SECRET:x?}"),
        format!("{SECRET:#x?}"),
        format!("{:?}", encoding::hex(&SECRET)),
        format!("{:?}", encoding::base32(&SECRET)),
        format!("{SECRET_PASSWORD:?}"),
        format!("{:?}", SECRET_PASSWORD.as_bytes()),
    ] {
        let caught = std::panic::catch_unwind(|| assert_redacted("control", &shown));
        assert!(caught.is_err(), "not caught: {shown}");
    }
}
