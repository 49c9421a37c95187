//! Known-answer tests for every primitive the format uses, from published
//! vectors: Wycheproof (AES-256-GCM, PBKDF2-HMAC-SHA-256, C2SP chunked
//! encryption "Cobblestone-256"), RFC 7914 §11 and the McGrew–Viega GCM
//! test cases. Each test asserts a minimum number of vectors ran.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use lightproof::format::{chunked, Key32};
use sha2::{Digest, Sha256, Sha512};
use wycheproof::TestResult;

#[test]
fn wycheproof_aes_256_gcm() {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcm).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in set.test_groups {
        if group.key_size != 256 || group.nonce_size != 96 || group.tag_size != 128 {
            continue; // lightproof uses only 256-bit keys, 96-bit nonces and full tags
        }
        for test in group.tests {
            let cipher = Aes256Gcm::new_from_slice(&test.key).unwrap();
            let nonce = Nonce::from_slice(&test.nonce);
            let mut buffer = test.ct.to_vec();
            let opened = cipher.decrypt_in_place_detached(
                nonce,
                &test.aad,
                &mut buffer,
                Tag::from_slice(&test.tag),
            );
            match test.result {
                TestResult::Valid => {
                    assert!(opened.is_ok(), "tcId {} must open", test.tc_id);
                    assert_eq!(buffer, *test.pt, "tcId {}", test.tc_id);
                    let mut sealed = test.pt.to_vec();
                    let tag = cipher
                        .encrypt_in_place_detached(nonce, &test.aad, &mut sealed)
                        .unwrap();
                    assert_eq!(
                        (sealed.as_slice(), tag.as_slice()),
                        (&test.ct[..], &test.tag[..])
                    );
                    valid += 1;
                }
                _ => {
                    assert!(
                        opened.is_err(),
                        "tcId {} must fail: {}",
                        test.tc_id,
                        test.comment
                    );
                    // GHSA-423w-p2w9-r7vq: no plaintext may be left behind.
                    assert_eq!(
                        buffer, *test.ct,
                        "tcId {} left plaintext in the buffer",
                        test.tc_id
                    );
                    invalid += 1;
                }
            }
        }
    }
    assert!(
        valid >= 30 && invalid >= 20,
        "ran {valid} valid and {invalid} invalid vectors"
    );
}

#[test]
fn mcgrew_viega_aes_256_gcm_test_cases_13_to_16() {
    let zero_key = [0u8; 32];
    let tag_of = |key: &[u8], iv: &[u8], aad: &[u8], pt: &[u8]| {
        let mut buffer = pt.to_vec();
        let tag = Aes256Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(Nonce::from_slice(iv), aad, &mut buffer)
            .unwrap();
        (hex::encode(buffer), hex::encode(tag))
    };
    assert_eq!(
        tag_of(&zero_key, &[0; 12], b"", b"").1,
        "530f8afbc74536b9a963b4f1c4cb738b"
    );
    assert_eq!(
        tag_of(&zero_key, &[0; 12], b"", &[0; 16]),
        (
            "cea7403d4d606b6e074ec5d3baf39d18".into(),
            "d0d1c8a799996bf0265b98b5d48ab919".into()
        )
    );
    let key =
        hex::decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308").unwrap();
    let iv = hex::decode("cafebabefacedbaddecaf888").unwrap();
    let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
    let pt = hex::decode(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    )
    .unwrap();
    assert_eq!(
        tag_of(&key, &iv, &aad, &pt).1,
        "76fc6ece0f4e1768cddf8853bb2d551b"
    );
}

#[test]
fn wycheproof_pbkdf2_hmac_sha256() {
    let set =
        wycheproof::pbkdf2::TestSet::load(wycheproof::pbkdf2::TestName::Pbkdf2HmacSha256).unwrap();
    let mut ran = 0;
    for group in set.test_groups {
        for test in group.tests {
            let mut dk = vec![0u8; test.dk_len];
            pbkdf2::pbkdf2_hmac::<Sha256>(
                &test.password,
                &test.salt,
                test.iteration_count as u32,
                &mut dk,
            );
            assert_eq!(
                dk == *test.dk,
                test.result == TestResult::Valid,
                "tcId {}",
                test.tc_id
            );
            ran += 1;
        }
    }
    assert!(ran >= 50, "ran {ran} vectors");
}

#[test]
fn rfc_7914_pbkdf2_hmac_sha256() {
    let derive = |password: &[u8], salt: &[u8], rounds: u32, len: usize| {
        let mut dk = vec![0u8; len];
        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut dk);
        hex::encode(dk)
    };
    assert_eq!(
        derive(b"passwd", b"salt", 1, 64),
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
    );
    assert_eq!(
        derive(b"Password", b"NaCl", 80000, 64),
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
    );
}

#[test]
fn wycheproof_c2sp_chunked_encryption_cobblestone_256() {
    use wycheproof::chunked_encryption::{ChunkedEncryptionAead, TestName, TestSet};
    let set = TestSet::load(TestName::Cobblestone256).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in set.test_groups {
        assert_eq!(group.aead, ChunkedEncryptionAead::Aes256Gcm);
        assert_eq!(
            group.hash,
            wycheproof::HashFunction::Sha2_512,
            "lightproof uses HKDF-SHA-512"
        );
        for test in group.tests {
            let ciphertext = miniz_oxide::inflate::decompress_to_vec_zlib(&test.ct).expect("zlib");
            let opened = Key32::from_slice(&test.key)
                .ok_or(())
                .and_then(|key| chunked::open(&key, &test.ctx, &ciphertext).map_err(|_| ()));
            match test.result {
                TestResult::Valid => {
                    let plaintext = opened.unwrap_or_else(|()| {
                        panic!("tcId {} must open: {}", test.tc_id, test.comment)
                    });
                    assert_eq!(
                        Some(plaintext.len()),
                        test.msg_length,
                        "tcId {}",
                        test.tc_id
                    );
                    assert_eq!(
                        Sha512::digest(&plaintext).as_slice(),
                        &test.msg_sha512.as_ref().unwrap()[..],
                        "tcId {}",
                        test.tc_id
                    );
                    valid += 1;
                }
                _ => {
                    assert!(
                        opened.is_err(),
                        "tcId {} must fail: {} {:?}",
                        test.tc_id,
                        test.comment,
                        test.flags
                    );
                    invalid += 1;
                }
            }
        }
    }
    assert!(
        valid >= 5 && invalid >= 10,
        "ran {valid} valid and {invalid} invalid vectors"
    );
}

#[test]
fn our_chunked_seal_reproduces_wycheproof_ciphertexts() {
    use wycheproof::chunked_encryption::{TestName, TestSet};
    let set = TestSet::load(TestName::Cobblestone256).unwrap();
    let mut ran = 0;
    for test in set.test_groups.into_iter().flat_map(|g| g.tests) {
        if test.result != TestResult::Valid {
            continue;
        }
        let ciphertext = miniz_oxide::inflate::decompress_to_vec_zlib(&test.ct).unwrap();
        let key = Key32::from_slice(&test.key).unwrap();
        let plaintext = chunked::open(&key, &test.ctx, &ciphertext).unwrap();
        let salt: [u8; 24] = ciphertext[..24].try_into().unwrap();
        assert_eq!(
            chunked::seal(&key, &salt, &test.ctx, &plaintext),
            ciphertext,
            "tcId {}",
            test.tc_id
        );
        ran += 1;
    }
    assert!(ran >= 5);
}

const ARGON2_PASSWORD: &[u8] = b"correct horse battery staple";

/// docs/FORMAT.md's Argon2id password key, checked against the reference
/// implementation's own tool (Debian's `argon2` 0~20171227), with
/// kdf_salt = 32 × "a" so the salt can be typed:
/// `echo -n "correct horse battery staple" | argon2 "lightproof.v1/argon2id$(printf 'a%.0s' $(seq 32))" -id -t 3 -k 65536 -p 1 -l 32 -r`
#[test]
fn argon2id_password_key_matches_the_reference_implementation() {
    use lightproof::format::header::{Header, Kdf, SLOT_LEN};
    let vectors = [
        (
            (65_536, 3, 1),
            "76f31230a17264d72c029690e74bdea573bbfa01a248cba370cb9aef05bdeef7",
        ),
        (
            (19_456, 2, 1),
            "88fbf259bc18ed1439cade295ed16610c744fa70ba2e49abf9df0afd489ccc07",
        ),
    ];
    for ((memory_kib, passes, lanes), expected) in vectors {
        let kdf = Kdf::Argon2id {
            memory_kib,
            passes,
            lanes,
        };
        let header = Header::new([7; 16], kdf, [b'a'; 32], vec![[0; SLOT_LEN]]);
        let key = header.derive_password_key(ARGON2_PASSWORD);
        assert_eq!(hex::encode(key.as_bytes()), expected, "{kdf:?}");
    }
}

/// A whole Argon2id header (docs/FORMAT.md, "Vectors"): gallery id 16 ×
/// 0x11, m = 19,456 KiB, t = 2, p = 1, kdf_salt 32 × "a", two slots: slot 0
/// filler (96 × 0x5a), slot 1 sealed for the password above with slot_salt
/// 16 × 0x22, holding manifest_id 16 × 0x33 and manifest_key 32 × 0x44.
const ARGON2_HEADER: &str = "4c50524f4f460101111111111111111111111111111111110200004c0000000002000000016161616161616161616161616161616161616161616161616161616161616161025a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a22222222222222222222222222222222fa086e503e63286430b8825482e3b67b5d6fafdc7d51ce986006c3eeac7e81734d141a1eddaddd9ee71f8256370ec40537b399c187b0a20f246a7b612b8b38566ed0e9eb95445f84656e07c6a51bf6da";

#[test]
fn a_whole_argon2id_header_opens_and_is_reproduced() {
    use lightproof::format::header::{Header, Kdf, SlotContents, SlotType, SLOT_LEN};
    use lightproof::format::vault;
    let kdf = Kdf::Argon2id {
        memory_kib: 19_456,
        passes: 2,
        lanes: 1,
    };
    let bytes = hex::decode(ARGON2_HEADER).unwrap();
    let header = Header::parse(&bytes).unwrap();
    assert_eq!(header.kdf, kdf);
    let opened = vault::unlock_with_password(&header, ARGON2_PASSWORD).unwrap();
    assert_eq!(opened.manifest_id, [0x33; 16]);
    assert_eq!(opened.manifest_key, Key32::from_bytes([0x44; 32]));

    let mut written = Header::new([0x11; 16], kdf, [b'a'; 32], vec![[0x5a; SLOT_LEN]; 2]);
    let key = written.derive_password_key(ARGON2_PASSWORD);
    let contents = SlotContents {
        manifest_id: [0x33; 16],
        manifest_key: Key32::from_bytes([0x44; 32]),
    };
    written.seal_slot(1, &key, SlotType::Password, [0x22; 16], &contents);
    assert_eq!(hex::encode(written.to_bytes()), ARGON2_HEADER);
}

/// docs/FORMAT.md's selection codes ("Selection codes", known answers):
/// gallery_id 16 × 0x11, manifest_id 16 × 0x33, manifest_key 32 × 0x44.
/// The first is a bitmap with a note, the second a delta list; both were
/// first computed by an implementation written from the spec alone
/// (Python's hmac and base64), then by ours.
#[test]
fn selection_code_known_answer() {
    use lightproof::format::selection_code::{SealedCode, SelectionCode};
    let vectors = [
        (
            12,
            vec![0, 5, 11],
            vec![(5, "crop".to_owned())],
            "[lightproof AQIRERERERERERERERERERERMzMzMzMzMzMzMzMzMzMzMwwhCAEBBGNyb3DsonFzXsG4DyKRzPgal9SS]",
        ),
        (
            3000,
            vec![7, 2999],
            vec![],
            "[lightproof AQERERERERERERERERERERERMzMzMzMzMzMzMzMzMzMzM7gXAgevF19u_G6OUZsxKSXYhKqYu8s]",
        ),
    ];
    let key = Key32::from_bytes([0x44; 32]);
    for (photo_count, picks, notes, expected) in vectors {
        let code = SelectionCode {
            gallery: [0x11; 16],
            manifest: [0x33; 16],
            photo_count,
            picks,
            notes,
            notes_left_out: false,
        };
        assert_eq!(code.seal(&key).unwrap(), expected);
        let found = SealedCode::find(expected).unwrap();
        assert_eq!(found.open(&key).unwrap(), code);
    }
}
