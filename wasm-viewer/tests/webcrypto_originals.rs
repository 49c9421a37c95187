//! The download path where WebCrypto decrypts an original's chunks, driven
//! natively as `viewer.js` drives it: the page's instance checks the blob's
//! prefix and hands over the chunk key (`lp_original_key`) and the pins
//! (`lp_original_pins`); AES-256-GCM (here the `aes-gcm` crate, standing in
//! for WebCrypto) opens record `i` with nonce `i`; the Worker's instance
//! checks every byte (`lp_check_*`). It must give the same bytes as the
//! module's own path (`lp_original_begin/push/finish`) and refuse exactly
//! the blobs that path refuses, whether the manifest pins the blob with its
//! SHA-256 alone (galleries written before segment hashes) or with a
//! segment hash too (the Worker then hashes each 1 MiB segment with
//! WebCrypto, here `sha2`, and hands the digests over: `lp_check_segments`).

mod common;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Tag};
use lightproof::format::chunked::{CHUNK_LEN, PREFIX_LEN, SALT_LEN, TAG_LEN};
use lightproof::format::manifest::{BlobRef, Original, Photo, Rendition};
use lightproof::format::segments::{SegmentHasher, SEGMENT_LEN};
use lightproof::format::{encoding, vault, Id};
use lightproof_viewer::zip::Crc32;
use lightproof_viewer::*;
use sha2::{Digest, Sha256};

use common::{call, key_of, sealed_header_and_manifest, GALLERY, PASSWORD_KEY};

const RECORD_LEN: usize = CHUNK_LEN + TAG_LEN;
const OK: i32 = Status::Ok as i32;
const DAMAGED: i32 = Status::Damaged as i32;

/// File lengths around chunk boundaries; 292,615 bytes pad to 294,912, so
/// their padding fills whole chunks.
const LENGTHS: [usize; 10] = [
    0,
    1,
    16_383,
    16_384,
    16_385,
    50_000,
    292_615,
    3 * CHUNK_LEN + 1000,
    // Blobs of two and three 1 MiB segments, the last one short.
    SEGMENT_LEN + 5000,
    2 * SEGMENT_LEN + 123_457,
];

fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8 ^ seed).collect()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}

fn seal_original(id: &Id, content: &[u8], salt: u8) -> Vec<u8> {
    let mut sealed = Vec::new();
    vault::seal_original_to(
        &mut sealed,
        &GALLERY,
        id,
        &key_of(id),
        &[salt; SALT_LEN],
        content,
    )
    .expect("writing to memory cannot fail");
    sealed
}

/// How the manifest pins an original's blob.
#[derive(Clone, Copy, Debug)]
enum Pinned {
    /// Its SHA-256 alone, as manifests written before segment hashes.
    Whole,
    /// Its SHA-256 and its segment hash, as lightproof writes them now.
    Segments,
}
const PINNED: [Pinned; 2] = [Pinned::Whole, Pinned::Segments];

fn original(id: &Id, content: &[u8], sealed: &[u8], pinned: Pinned) -> Original {
    let mut blob = BlobRef::new(id, key_of(id), sealed);
    if let Pinned::Segments = pinned {
        let mut hasher = SegmentHasher::new();
        hasher.update(sealed);
        blob.sha256_segments = Some(encoding::hex(&hasher.finalize()));
    }
    Original {
        blob,
        bytes: content.len() as u64,
        crc32: crc32(content),
        media_type: "image/jpeg".into(),
        stripped: false,
        modified: 0,
    }
}

fn photo(n: usize, original: Original) -> Photo {
    let rendition = Rendition {
        blob: BlobRef::new(&[0xEE; 16], key_of(&[0xEE; 16]), b"unused"),
        width: 1,
        height: 1,
    };
    Photo {
        file: format!("IMG_{n:04}.jpg"),
        caption: None,
        width: 1,
        height: 1,
        thumb: rendition.clone(),
        preview: rendition,
        original: Some(original),
    }
}

/// Opens a gallery of `originals` in this thread's viewer.
fn unlock(originals: Vec<Original>) {
    let photos = originals
        .into_iter()
        .enumerate()
        .map(|(n, o)| photo(n, o))
        .collect();
    let (header, manifest) = sealed_header_and_manifest(photos);
    // SAFETY (all three): `call` passes a live lp_alloc buffer.
    assert_eq!(call(&header, |p, n| unsafe { lp_open_header(p, n) }), OK);
    assert_eq!(
        call(&PASSWORD_KEY, |p, n| unsafe { lp_unlock_key(p, n) }),
        OK
    );
    assert_eq!(
        call(&manifest, |p, n| unsafe { lp_open_manifest(p, n) }),
        OK
    );
}

fn output() -> Vec<u8> {
    // SAFETY: the output buffer holds `lp_out_len()` bytes until the next call.
    unsafe { std::slice::from_raw_parts(lp_out_ptr(), lp_out_len()) }.to_vec()
}

/// The module's own path, in pieces of 4,096 bytes.
fn module_path(n: u32, blob: &[u8]) -> Result<Vec<u8>, i32> {
    let mut file = Vec::new();
    let status = lp_original_begin(n);
    if status != OK {
        return Err(status);
    }
    for piece in blob.chunks(4096) {
        // SAFETY: `call` passes a live lp_alloc buffer.
        let status = call(piece, |p, len| unsafe { lp_original_push(p, len) });
        if status != OK {
            return Err(status);
        }
        file.extend(output());
    }
    match lp_original_finish() {
        OK => {
            file.extend(output());
            Ok(file)
        }
        status => Err(status),
    }
}

/// The WebCrypto path, framed as the download Worker frames the blob: from
/// the pinned size, whatever arrives.
fn webcrypto_path(n: u32, blob: &[u8]) -> Result<Vec<u8>, i32> {
    webcrypto_path_with_digests(n, blob, None)
}

/// The same, with `digests` handed over as the segment digests when the
/// pins carry a segment hash (by default those of what arrived).
fn webcrypto_path_with_digests(
    n: u32,
    blob: &[u8],
    digests: Option<&[u8]>,
) -> Result<Vec<u8>, i32> {
    let fail = |status: i32| if status == OK { Ok(()) } else { Err(status) };
    fail(lp_original_pins(n))?;
    let pins = output();
    let size = u64::from_be_bytes(pins[..8].try_into().unwrap()) as usize;
    let prefix = blob.get(..PREFIX_LEN).ok_or(DAMAGED)?;
    // SAFETY: `call` passes a live lp_alloc buffer.
    fail(call(prefix, |p, len| unsafe { lp_original_key(n, p, len) }))?;
    let handed_over = output();
    lp_out_clear();
    assert_eq!(lp_out_len(), 0, "the key is gone from the output buffer");
    let cipher = Aes256Gcm::new_from_slice(&handed_over[..32]).unwrap();
    let base_nonce: [u8; 12] = handed_over[32..44].try_into().unwrap();

    // SAFETY (all): `call` passes a live lp_alloc buffer.
    fail(call(&pins, |p, len| unsafe { lp_check_begin(p, len) }))?;
    for piece in blob.chunks(5000) {
        fail(call(piece, |p, len| unsafe { lp_check_ciphertext(p, len) }))?;
    }
    if pins.len() == 84 {
        let digests = digests.map_or_else(|| segment_digests(blob), <[u8]>::to_vec);
        fail(call(&digests, |p, len| unsafe {
            lp_check_segments(p, len)
        }))?;
    }
    let body = &blob[PREFIX_LEN.min(blob.len())..size.min(blob.len())];
    let mut file = Vec::new();
    for (index, record) in body.chunks(RECORD_LEN).enumerate() {
        let mut nonce = base_nonce;
        for (byte, counter) in nonce[4..].iter_mut().zip((index as u64).to_be_bytes()) {
            *byte ^= counter;
        }
        if record.len() < TAG_LEN {
            return Err(DAMAGED);
        }
        let (chunk, tag) = record.split_at(record.len() - TAG_LEN);
        let mut chunk = chunk.to_vec();
        cipher
            .decrypt_in_place_detached(&nonce.into(), b"", &mut chunk, Tag::from_slice(tag))
            .map_err(|_| DAMAGED)?;
        fail(call(&chunk, |p, len| unsafe { lp_check_chunk(p, len) }))?;
        let content = u32::from_le_bytes(output()[..4].try_into().unwrap()) as usize;
        file.extend_from_slice(&chunk[..content]);
    }
    fail(lp_check_finish())?;
    Ok(file)
}

/// The SHA-256 of each 1 MiB segment of what arrived, as the Worker
/// computes them with WebCrypto.
fn segment_digests(blob: &[u8]) -> Vec<u8> {
    blob.chunks(SEGMENT_LEN)
        .flat_map(|segment| Sha256::digest(segment).to_vec())
        .collect()
}

#[test]
fn both_paths_give_every_file_byte_for_byte() {
    let contents: Vec<Vec<u8>> = LENGTHS.iter().map(|&len| content(len, len as u8)).collect();
    let blobs: Vec<Vec<u8>> = contents
        .iter()
        .enumerate()
        .map(|(n, c)| seal_original(&[0x80 + n as u8; 16], c, n as u8))
        .collect();
    for pinned in PINNED {
        unlock(
            (0..LENGTHS.len())
                .map(|n| original(&[0x80 + n as u8; 16], &contents[n], &blobs[n], pinned))
                .collect(),
        );
        for (n, (content, blob)) in contents.iter().zip(&blobs).enumerate() {
            let n32 = n as u32;
            assert_eq!(
                webcrypto_path(n32, blob).as_ref(),
                Ok(content),
                "WebCrypto, {} bytes, {pinned:?}",
                content.len()
            );
            assert_eq!(
                module_path(n32, blob).as_ref(),
                Ok(content),
                "module, {} bytes, {pinned:?}",
                content.len()
            );
        }
    }
}

/// One original of four chunks, and blobs a host (or a grant holder, who has
/// the blob key) could serve in its place.
fn tampered_blobs(blob: &[u8], content: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let record = |i: usize| PREFIX_LEN + i * RECORD_LEN..PREFIX_LEN + (i + 1) * RECORD_LEN;
    let mut flipped = blob.to_vec();
    flipped[PREFIX_LEN + RECORD_LEN + 100] ^= 0x01;
    let mut swapped = blob.to_vec();
    swapped[record(0)].copy_from_slice(&blob[record(1)]);
    swapped[record(1)].copy_from_slice(&blob[record(0)]);
    let mut prefix_flipped = blob.to_vec();
    prefix_flipped[SALT_LEN + 3] ^= 0x80;
    let mut extended = blob.to_vec();
    extended.push(0);
    // A grant holder knows the blob key: the same key, other bytes, every
    // chunk authentic. Only the pinned SHA-256 (and CRC-32) tell.
    let mut other = content.to_vec();
    other[20_000] ^= 0x01;
    let reencrypted = seal_original(&[0x90; 16], &other, 0x33);
    vec![
        ("a flipped byte", flipped),
        ("two chunks swapped", swapped),
        ("the prefix changed", prefix_flipped),
        (
            "cut before its final record",
            blob[..record(3).start].to_vec(),
        ),
        ("cut at a record boundary", blob[..record(2).start].to_vec()),
        ("one byte short", blob[..blob.len() - 1].to_vec()),
        ("one byte more", extended),
        ("the prefix alone", blob[..PREFIX_LEN].to_vec()),
        ("empty", Vec::new()),
        ("re-encrypted under the same key", reencrypted),
    ]
}

#[test]
fn both_paths_refuse_the_same_tampered_blobs() {
    let content = content(3 * CHUNK_LEN + 1000, 0);
    let blob = seal_original(&[0x90; 16], &content, 0x22);
    for pinned in PINNED {
        unlock(vec![original(&[0x90; 16], &content, &blob, pinned)]);
        for (what, bad) in tampered_blobs(&blob, &content) {
            assert_eq!(
                webcrypto_path(0, &bad),
                Err(DAMAGED),
                "WebCrypto: {what}, {pinned:?}"
            );
            assert_eq!(
                module_path(0, &bad),
                Err(DAMAGED),
                "module: {what}, {pinned:?}"
            );
        }
        assert_eq!(
            webcrypto_path(0, &blob),
            Ok(content.clone()),
            "the intact blob still opens, {pinned:?}"
        );
    }
}

/// The Worker's digests must be every segment's, in order: one missing,
/// one more, two swapped or one of another blob fails the check, though
/// every chunk authenticates.
#[test]
fn a_segment_hash_needs_every_segment_digest_in_order() {
    let content = content(2 * SEGMENT_LEN + 5000, 7);
    let id = [0x98; 16];
    let blob = seal_original(&id, &content, 0x23);
    unlock(vec![original(&id, &content, &blob, Pinned::Segments)]);
    let digests = segment_digests(&blob);
    assert_eq!(digests.len(), 3 * 32);
    let mut swapped = digests.clone();
    swapped[..64].rotate_left(32);
    let mut flipped = digests.clone();
    flipped[40] ^= 1;
    let cases = [
        ("every digest", digests.clone(), OK),
        ("one missing", digests[..64].to_vec(), DAMAGED),
        ("one more", [&digests[..], &digests[..32]].concat(), DAMAGED),
        ("two swapped", swapped, DAMAGED),
        ("one changed", flipped, DAMAGED),
        ("not whole digests", digests[..95].to_vec(), DAMAGED),
    ];
    for (what, given, expected) in cases {
        assert_eq!(checked_with_digests(&blob, &given), expected, "{what}");
    }
}

/// The Worker's checks on `blob` (photo 0) with `digests` as its segment
/// digests: `OK` or the failing status.
fn checked_with_digests(blob: &[u8], digests: &[u8]) -> i32 {
    assert_eq!(lp_original_pins(0), OK);
    assert_eq!(output().len(), 84, "the pins carry the segment hash");
    webcrypto_path_with_digests(0, blob, Some(digests)).map_or_else(|status| status, |_| OK)
}

#[test]
fn both_paths_refuse_a_blob_that_breaks_its_pins() {
    let content = content(50_000, 0);
    let id = [0xA0; 16];
    let blob = seal_original(&id, &content, 0x44);
    let intact = original(&id, &content, &blob, Pinned::Segments);
    // 49,999 to 50,001 bytes all pad to 51,200, so these manifests are valid
    // (a size that disagrees with `bytes` is refused with the manifest).
    let mut shorter = intact.clone();
    shorter.bytes -= 1;
    let mut longer = intact.clone();
    longer.bytes += 1;
    let mut other_hash = intact.clone();
    other_hash.blob.sha256 = encoding::hex(&[0u8; 32]);
    other_hash.blob.sha256_segments = None;
    let mut other_segment_hash = intact.clone();
    other_segment_hash.blob.sha256_segments = Some(encoding::hex(&[0u8; 32]));
    let mut other_crc = intact.clone();
    other_crc.crc32 ^= 1;
    let cases = [
        ("bytes one short", shorter),
        ("bytes one more", longer),
        ("another SHA-256", other_hash),
        ("another segment hash", other_segment_hash),
        ("another CRC-32", other_crc),
    ];
    unlock(cases.iter().map(|(_, o)| o.clone()).collect());
    for (n, (what, _)) in cases.iter().enumerate() {
        assert_eq!(
            webcrypto_path(n as u32, &blob),
            Err(DAMAGED),
            "WebCrypto: {what}"
        );
        assert_eq!(module_path(n as u32, &blob), Err(DAMAGED), "module: {what}");
    }
}

#[test]
fn the_chunk_key_is_handed_over_only_for_a_matching_prefix_and_an_original() {
    let content = content(1000, 0);
    let id = [0xB0; 16];
    let blob = seal_original(&id, &content, 0x55);
    unlock(vec![original(&id, &content, &blob, Pinned::Segments)]);
    let key_call = |n: u32, prefix: &[u8]| {
        // SAFETY: `call` passes a live lp_alloc buffer.
        let status = call(prefix, |p, len| unsafe { lp_original_key(n, p, len) });
        (status, lp_out_len())
    };
    assert_eq!(key_call(0, &blob[..PREFIX_LEN]), (OK, 44));
    let mut other = blob[..PREFIX_LEN].to_vec();
    other[PREFIX_LEN - 1] ^= 1;
    assert_eq!(key_call(0, &other), (DAMAGED, 0), "another commitment");
    assert_eq!(
        key_call(0, &blob[..PREFIX_LEN - 1]),
        (DAMAGED, 0),
        "a short prefix"
    );
    assert_eq!(
        key_call(1, &blob[..PREFIX_LEN]).0,
        Status::BadState as i32,
        "no such photo"
    );
    lp_lock();
    assert_eq!(
        key_call(0, &blob[..PREFIX_LEN]).0,
        Status::BadState as i32,
        "locked"
    );
    assert_eq!(lp_original_pins(0), Status::BadState as i32, "locked");
}

#[test]
fn a_check_needs_valid_pins_and_ends_at_its_first_failure() {
    // SAFETY (all): `call` passes a live lp_alloc buffer.
    assert_eq!(
        call(&[0; 51], |p, n| unsafe { lp_check_begin(p, n) }),
        Status::BadState as i32
    );
    assert_eq!(
        call(&[0; 52], |p, n| unsafe { lp_check_begin(p, n) }),
        DAMAGED,
        "size 0"
    );
    assert_eq!(
        call(b"x", |p, n| unsafe { lp_check_ciphertext(p, n) }),
        Status::BadState as i32
    );
    // 0 bytes: prefix and one record of 1 + 16 bytes.
    let mut pins = vec![0u8; 52];
    pins[7] = (PREFIX_LEN + 17) as u8;
    assert_eq!(call(&pins, |p, n| unsafe { lp_check_begin(p, n) }), OK);
    assert_eq!(
        call(&[0; 2], |p, n| unsafe { lp_check_chunk(p, n) }),
        DAMAGED,
        "a chunk of the wrong length"
    );
    assert_eq!(
        call(&[0x80], |p, n| unsafe { lp_check_chunk(p, n) }),
        Status::BadState as i32,
        "ended"
    );
    assert_eq!(lp_check_finish(), Status::BadState as i32);
    assert_eq!(call(&pins, |p, n| unsafe { lp_check_begin(p, n) }), OK);
    assert_eq!(
        call(&[0; 32], |p, n| unsafe { lp_check_segments(p, n) }),
        DAMAGED,
        "segment digests for pins without a segment hash"
    );
    assert_eq!(lp_check_finish(), Status::BadState as i32);
    assert_eq!(
        call(&[0; 85], |p, n| unsafe { lp_check_begin(p, n) }),
        Status::BadState as i32,
        "pins of neither length"
    );
}
