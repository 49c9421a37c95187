//! The format's own guarantees, through its public API: key slots open only
//! with the right key and an untouched header, parameters are checked before
//! any work, and blobs are bound to gallery, id and kind.

use std::time::{Duration, Instant};

use lightproof::format::header::{
    Header, Kdf, SlotContents, SlotType, ARGON2_MAX_MEMORY_KIB, ARGON2_MIN_MEMORY_KIB,
    ARGON2_PREFIX_LEN, DEFAULT_KDF, MAX_ITERATIONS, MIN_ITERATIONS, PREFIX_LEN, SLOT_LEN,
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

/// What a viewer does with the bytes the host serves: parse, then derive
/// the password key and try the slots.
fn unlock(bytes: &[u8]) -> Result<SlotContents, FormatError> {
    Header::parse(bytes).and_then(|header| vault::unlock_with_password(&header, PASSWORD))
}

/// Each case is refused with its error in under a tenth of a real unlock
/// of `good`, timed here on the same machine, so no key was derived. The
/// bound is relative because an idle fast machine derives the default
/// keys in well under 100 ms while a busy one takes many times that.
fn assert_each_refused_before_any_work(
    label: &str,
    good: &[u8],
    cases: Vec<(&str, Vec<u8>, FormatError)>,
) {
    let started = Instant::now();
    assert!(unlock(good).is_ok());
    let valid_unlock = started.elapsed();
    eprintln!("{label}, parse and unlock: {valid_unlock:?}");
    assert!(
        valid_unlock > Duration::from_millis(30),
        "a real unlock took only {valid_unlock:?}: too little work to compare with"
    );
    let limit = valid_unlock / 10;
    for (what, bytes, expected) in cases {
        let started = Instant::now();
        let result = unlock(&bytes);
        let elapsed = started.elapsed();
        eprintln!("{what}: rejected in {elapsed:?}");
        assert_eq!(result.unwrap_err(), expected, "{what}");
        assert!(
            elapsed < limit,
            "{what}: took {elapsed:?}, more than a tenth of a real unlock ({valid_unlock:?})"
        );
    }
}

#[test]
fn a_lowered_iteration_count_is_refused_or_unlocks_nothing() {
    let written = header_bytes(1_000_000);
    assert!(unlock(&written).is_ok(), "the header as written opens");
    let served = |iterations: u32| {
        let mut bytes = written.clone();
        bytes[25..29].copy_from_slice(&iterations.to_be_bytes());
        unlock(&bytes)
    };
    // In range, so the viewer runs the (cheaper) KDF: the slots are bound
    // to the prefix holding the count, and the key differs anyway.
    for lowered in [MIN_ITERATIONS, 999_999] {
        assert_eq!(
            served(lowered).unwrap_err(),
            FormatError::WrongPassword,
            "served with {lowered} iterations"
        );
    }
    for out_of_range in [0, 1, 1_000, MIN_ITERATIONS - 1] {
        assert_eq!(
            served(out_of_range).unwrap_err(),
            FormatError::BadParameters("iteration count"),
            "served with {out_of_range} iterations"
        );
    }
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
    let iterations = |count: u32| with(25, &count.to_be_bytes());
    let bad_iterations = FormatError::BadParameters("iteration count");
    let bad_slots = FormatError::BadParameters("slot count");
    let unknown_kdf = FormatError::BadParameters("unknown key derivation");
    let cases: Vec<(&str, Vec<u8>, FormatError)> = vec![
        ("0 iterations", iterations(0), bad_iterations),
        ("1 iteration", iterations(1), bad_iterations),
        (
            "599,999 iterations",
            iterations(MIN_ITERATIONS - 1),
            bad_iterations,
        ),
        (
            "10,000,001 iterations",
            iterations(MAX_ITERATIONS + 1),
            bad_iterations,
        ),
        ("2^32-1 iterations", iterations(u32::MAX), bad_iterations),
        ("0 slots", with(PREFIX_LEN - 1, &[0]), bad_slots),
        ("33 slots", with(PREFIX_LEN - 1, &[33]), bad_slots),
        ("255 slots", with(PREFIX_LEN - 1, &[255]), bad_slots),
        (
            "slot count above the slots present",
            with(PREFIX_LEN - 1, &[5]),
            FormatError::NotAGallery,
        ),
        (
            "one byte short",
            good[..good.len() - 1].to_vec(),
            FormatError::NotAGallery,
        ),
        (
            "one byte long",
            [&good[..], &[0]].concat(),
            FormatError::NotAGallery,
        ),
        (
            "16 MiB long",
            [&good[..], &vec![0; 16 << 20]].concat(),
            FormatError::NotAGallery,
        ),
        (
            "prefix cut short",
            good[..PREFIX_LEN - 1].to_vec(),
            FormatError::NotAGallery,
        ),
        ("empty", Vec::new(), FormatError::NotAGallery),
        ("key derivation 0", with(24, &[0]), unknown_kdf),
        ("key derivation 3", with(24, &[3]), unknown_kdf),
        ("key derivation 255", with(24, &[255]), unknown_kdf),
        (
            "major version 0",
            with(6, &[0]),
            FormatError::UnsupportedVersion { major: 0 },
        ),
        (
            "major version 2",
            with(6, &[2]),
            FormatError::UnsupportedVersion { major: 2 },
        ),
        ("other magic", with(0, b"GIF89a"), FormatError::NotAGallery),
    ];
    assert_each_refused_before_any_work("valid header", &good, cases);
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
        selection_min: None,
        remember: false,
        photographer_email: None,
        date: None,
        cover: None,
        studio: None,
    };
    let json = manifest.to_json();
    assert!(Manifest::parse(&json, &[1; 16]).is_ok());
    assert_eq!(
        Manifest::parse(&json, &GALLERY).unwrap_err(),
        FormatError::BadManifest("belongs to another gallery")
    );
    assert!(Manifest::parse(b"{\"format\":1", &GALLERY).is_err());
}

/// A header as a writer that chose `kdf` made it.
fn header_bytes(kdf: impl Into<Kdf>) -> Vec<u8> {
    let mut header = Header::new(GALLERY, kdf, [3; 32], vec![[0x5a; SLOT_LEN]; 4]);
    let contents = SlotContents {
        manifest_id: [9; 16],
        manifest_key: Key32::from_bytes([4; 32]),
    };
    let key = header.derive_password_key(PASSWORD);
    header.seal_slot(1, &key, SlotType::Password, [8; 16], &contents);
    header.to_bytes()
}

const CHEAPEST_ARGON2: Kdf = Kdf::Argon2id {
    memory_kib: ARGON2_MIN_MEMORY_KIB,
    passes: 2,
    lanes: 1,
};

#[test]
fn an_argon2id_slot_opens_with_its_password_only() {
    let bytes = header_bytes(CHEAPEST_ARGON2);
    assert_eq!(bytes.len(), ARGON2_PREFIX_LEN + 4 * SLOT_LEN);
    assert_eq!(bytes[24], 2, "kdf_alg 2 is Argon2id");
    let parsed = Header::parse(&bytes).unwrap();
    assert_eq!(parsed.kdf, CHEAPEST_ARGON2);
    assert_eq!(parsed.to_bytes(), bytes);
    assert_eq!(unlock(&bytes).unwrap().manifest_id, [9; 16]);
    assert_eq!(
        vault::unlock_with_password(&parsed, b"correct horse battery stapl").unwrap_err(),
        FormatError::WrongPassword
    );
}

#[test]
fn lowered_argon2_parameters_are_refused_or_unlock_nothing() {
    let written = header_bytes(Kdf::Argon2id {
        memory_kib: 32 * 1024,
        passes: 3,
        lanes: 2,
    });
    assert!(unlock(&written).is_ok(), "the header as written opens");
    let served = |at: usize, value: u32| {
        let mut bytes = written.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
        unlock(&bytes)
    };
    // In range, so the viewer runs the (cheaper) KDF: the slots are bound
    // to the prefix holding the parameters, and the key differs anyway.
    for (what, at, lowered) in [
        ("memory", 25, ARGON2_MIN_MEMORY_KIB),
        ("memory", 25, 32 * 1024 - 8),
        ("passes", 29, 2),
        ("lanes", 33, 1),
    ] {
        assert_eq!(
            served(at, lowered).unwrap_err(),
            FormatError::WrongPassword,
            "served with {what} {lowered}"
        );
    }
    // Swapping the salt or the algorithm byte does not open it either.
    let mut salted = written.clone();
    salted[40] ^= 1;
    assert_eq!(unlock(&salted).unwrap_err(), FormatError::WrongPassword);
    for (what, at, out_of_range) in [
        ("Argon2 memory", 25, ARGON2_MIN_MEMORY_KIB - 1),
        ("Argon2 passes", 29, 1),
    ] {
        assert_eq!(
            served(at, out_of_range).unwrap_err(),
            FormatError::BadParameters(what),
            "served with {what} {out_of_range}"
        );
    }
}

#[test]
fn out_of_range_argon2_parameters_are_rejected_before_any_work() {
    let good = header_bytes(DEFAULT_KDF);
    let with = |at: usize, value: u32| {
        let mut bytes = good.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
        bytes
    };
    let memory = FormatError::BadParameters("Argon2 memory");
    let passes = FormatError::BadParameters("Argon2 passes");
    let lanes = FormatError::BadParameters("Argon2 lanes");
    let cases: Vec<(&str, Vec<u8>, FormatError)> = vec![
        ("0 KiB", with(25, 0), memory),
        ("8 KiB", with(25, 8), memory),
        (
            "19 MiB - 1 KiB",
            with(25, ARGON2_MIN_MEMORY_KIB - 1),
            memory,
        ),
        (
            "256 MiB + 1 KiB",
            with(25, ARGON2_MAX_MEMORY_KIB + 1),
            memory,
        ),
        ("4 GiB", with(25, u32::MAX), memory),
        ("0 passes", with(29, 0), passes),
        ("1 pass", with(29, 1), passes),
        ("11 passes", with(29, 11), passes),
        ("2^32-1 passes", with(29, u32::MAX), passes),
        ("0 lanes", with(33, 0), lanes),
        ("5 lanes", with(33, 5), lanes),
        ("2^24 lanes", with(33, 1 << 24), lanes),
        (
            "prefix cut short",
            good[..ARGON2_PREFIX_LEN - 1].to_vec(),
            FormatError::NotAGallery,
        ),
        (
            "a PBKDF2-length prefix",
            good[..PREFIX_LEN].to_vec(),
            FormatError::NotAGallery,
        ),
        (
            "one byte short",
            good[..good.len() - 1].to_vec(),
            FormatError::NotAGallery,
        ),
        (
            "0 slots",
            {
                let mut bytes = good.clone();
                bytes[ARGON2_PREFIX_LEN - 1] = 0;
                bytes
            },
            FormatError::BadParameters("slot count"),
        ),
    ];
    assert_each_refused_before_any_work("valid Argon2id header", &good, cases);
}

/// A gallery written before Argon2id (minor 0, PBKDF2 at 600,000, built by
/// lightproof at commit c79aa51 from one 64 × 48 JPEG; `gallery.bin` and
/// `b/` only) still opens, down to its thumbnail.
#[test]
fn a_gallery_written_before_argon2id_still_opens() {
    let site =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pbkdf2-minor0");
    let read = |name: &str| std::fs::read(site.join(name)).unwrap();
    let header = Header::parse(&read("gallery.bin")).unwrap();
    assert_eq!(header.minor, 0);
    assert_eq!(
        header.kdf,
        Kdf::Pbkdf2 {
            iterations: 600_000
        }
    );
    let password = b"velvet harbour lanterns drift at dawn";
    let slot = vault::unlock_with_password(&header, password).unwrap();
    let manifest_file = lightproof::format::blob_path(&slot.manifest_id);
    let manifest = vault::open_manifest(&header, &slot, &read(&manifest_file)).unwrap();
    let photo = &manifest.albums[0].photos[0];
    assert_eq!(photo.file, "one.jpg");
    let thumb = &photo.thumb.blob;
    let jpeg = vault::open_pinned_blob(
        &header.gallery_id,
        thumb,
        BlobKind::Thumbnail,
        &read(&format!("b/{}", thumb.id)),
    )
    .unwrap();
    assert_eq!(&jpeg[..2], &[0xff, 0xd8], "a JPEG");
}
