//! The viewer's C ABI, driven natively exactly as `viewer.js` drives it:
//! a thumbnail or an original that fails to decrypt leaves no plaintext in
//! the output buffer, in the session or in any memory the viewer frees, and
//! `lp_lock` leaves no key to open anything with.
//!
//! The gallery is built in memory through `lightproof::format`; every
//! plaintext repeats a 16-byte marker, and the scanning allocator counts
//! freed blocks that still hold it.

mod common;
#[path = "../../tests/scanner/mod.rs"]
mod scanner;

use lightproof::format::chunked::{CHUNK_LEN, PREFIX_LEN, SALT_LEN, TAG_LEN};
use lightproof::format::manifest::{BlobRef, Original, Photo, Rendition};
use lightproof::format::{vault, BlobKind, Id};
use lightproof_viewer::*;
use zeroize::{Zeroize, Zeroizing};

const MARKER: &[u8; 16] = b"lp:PLAINTEXT#42!";
use common::{call, key_of, sealed_header_and_manifest, GALLERY, PASSWORD_KEY};

const THUMB: Id = [2; 16];
const PREVIEW: Id = [3; 16];
const ORIGINAL: Id = [4; 16];
const SALT: [u8; SALT_LEN] = [5; SALT_LEN];

const OK: i32 = Status::Ok as i32;
const DAMAGED: i32 = Status::Damaged as i32;
const BAD_STATE: i32 = Status::BadState as i32;

/// The marker repeated over several chunks, ending inside the last one.
fn marked_content() -> Vec<u8> {
    MARKER
        .iter()
        .copied()
        .cycle()
        .take(3 * CHUNK_LEN + 1000)
        .collect()
}

/// Flips a bit in the tag of the last chunk: every chunk before it opens.
fn damage_last_chunk(mut sealed: Vec<u8>) -> Vec<u8> {
    *sealed.last_mut().expect("never empty") ^= 1;
    sealed
}

/// Flips a bit in the tag of chunk `index`, a full one.
fn damage_chunk(mut sealed: Vec<u8>, index: usize) -> Vec<u8> {
    sealed[PREFIX_LEN + (index + 1) * (CHUNK_LEN + TAG_LEN) - 1] ^= 1;
    sealed
}

/// A gallery with one photo whose thumbnail is damaged at the end, whose
/// preview is intact, and whose original is damaged at the end. The
/// manifest pins the damaged bytes, so decryption (not the hash) is what
/// fails.
struct Gallery {
    header: Vec<u8>,
    manifest: Vec<u8>,
    thumb: Vec<u8>,
    preview: Vec<u8>,
    original: Vec<u8>,
    /// The original's blob damaged in a middle chunk instead.
    original_damaged_inside: Vec<u8>,
}

impl Gallery {
    fn new() -> Self {
        let mut content = marked_content();
        let rendition = |id: &Id, kind: BlobKind| {
            vault::seal_blob(&GALLERY, id, kind, &key_of(id), &SALT, &content)
        };
        let thumb = damage_last_chunk(rendition(&THUMB, BlobKind::Thumbnail));
        let preview = rendition(&PREVIEW, BlobKind::Preview);
        let mut sealed_original = Vec::new();
        vault::seal_original_to(
            &mut sealed_original,
            &GALLERY,
            &ORIGINAL,
            &key_of(&ORIGINAL),
            &SALT,
            &content,
        )
        .expect("writing to memory cannot fail");
        let original = damage_last_chunk(sealed_original.clone());
        let original_damaged_inside = damage_chunk(sealed_original, 2);
        let photo = Photo {
            file: "IMG_0001.jpg".into(),
            caption: None,
            width: 1,
            height: 1,
            thumb: pinned_rendition(&THUMB, &thumb),
            preview: pinned_rendition(&PREVIEW, &preview),
            original: Some(Original {
                blob: BlobRef::new(&ORIGINAL, key_of(&ORIGINAL), &original),
                bytes: content.len() as u64,
                crc32: 0,
                media_type: "image/jpeg".into(),
                stripped: false,
                modified: 0,
            }),
        };
        content.zeroize();
        let (header, manifest) = sealed_header_and_manifest(vec![photo]);
        Self {
            header,
            manifest,
            thumb,
            preview,
            original,
            original_damaged_inside,
        }
    }
}

fn pinned_rendition(id: &Id, sealed: &[u8]) -> Rendition {
    Rendition {
        blob: BlobRef::new(id, key_of(id), sealed),
        width: 1,
        height: 1,
    }
}

/// The output of the last call, copied out and wiped when dropped.
fn output() -> Zeroizing<Vec<u8>> {
    let len = lp_out_len();
    if len == 0 {
        return Zeroizing::new(Vec::new());
    }
    // SAFETY: the output buffer holds `len` bytes until the next call.
    Zeroizing::new(unsafe { std::slice::from_raw_parts(lp_out_ptr(), len) }.to_vec())
}

fn holds_marker(bytes: &[u8]) -> bool {
    bytes.windows(MARKER.len()).any(|window| window == MARKER)
}

/// Opens header, key slot and manifest.
fn unlock(gallery: &Gallery) {
    // SAFETY (all three): `call` passes a live lp_alloc buffer.
    assert_eq!(
        call(&gallery.header, |p, n| unsafe { lp_open_header(p, n) }),
        OK
    );
    assert_eq!(
        call(&PASSWORD_KEY, |p, n| unsafe { lp_unlock_key(p, n) }),
        OK
    );
    assert_eq!(
        call(&gallery.manifest, |p, n| unsafe { lp_open_manifest(p, n) }),
        OK
    );
}

fn open_photo(kind: u32, blob: &[u8]) -> i32 {
    // SAFETY: `call` passes a live lp_alloc buffer.
    call(blob, |p, n| unsafe { lp_open_photo(0, kind, p, n) })
}

/// Streams `blob` through lp_original_begin/push/finish in `piece`-byte
/// pieces, as the download does; returns the first failing status.
fn stream_original(blob: &[u8], piece: usize) -> i32 {
    assert_eq!(lp_original_begin(0), OK);
    for part in blob.chunks(piece) {
        // SAFETY: `call` passes a live lp_alloc buffer.
        let status = call(part, |p, n| unsafe { lp_original_push(p, n) });
        if status != OK {
            return status;
        }
        drop(output()); // handed to the page, which keeps it
    }
    lp_original_finish()
}

#[test]
fn failed_decryptions_leave_no_plaintext_in_the_viewer() {
    let gallery = Gallery::new();
    unlock(&gallery);

    // Control: the preview opens to the marked content, and a copy of it
    // freed without wiping is seen by the scanner.
    let (copy, hits) = scanner::scan(MARKER, || {
        assert_eq!(open_photo(1, &gallery.preview), OK);
        let plain_copy = output().to_vec();
        let held = holds_marker(&plain_copy);
        drop(plain_copy);
        held
    });
    assert!(copy, "the preview holds the marker");
    assert!(hits > 0, "the scanner missed a freed plaintext");

    // The thumbnail fails in its last chunk. The preview still in the
    // output is wiped before it is freed.
    let ((status, len), hits) =
        scanner::scan(MARKER, || (open_photo(0, &gallery.thumb), lp_out_len()));
    assert_eq!(status, DAMAGED);
    assert_eq!(len, 0, "a failed call leaves no output");
    assert_eq!(hits, 0, "{hits} freed block(s) held plaintext (thumbnail)");

    for piece in [4096, gallery.original.len()] {
        let ((status, len), hits) = scanner::scan(MARKER, || {
            (stream_original(&gallery.original, piece), lp_out_len())
        });
        assert_eq!(
            status, DAMAGED,
            "original damaged at the end, pieces of {piece}"
        );
        assert_eq!(len, 0);
        assert_eq!(
            hits, 0,
            "{hits} freed block(s) held plaintext (original, pieces of {piece})"
        );
    }

    // Damaged inside and pushed at once: chunks before the damage decrypt
    // in the very call that fails, and the download ends there.
    let ((status, len, after), hits) = scanner::scan(MARKER, || {
        let status = stream_original(&gallery.original_damaged_inside, usize::MAX);
        (status, lp_out_len(), lp_original_finish())
    });
    assert_eq!((status, len), (DAMAGED, 0), "original damaged inside");
    assert_eq!(after, BAD_STATE, "a failed download is over");
    assert_eq!(
        hits, 0,
        "{hits} freed block(s) held plaintext (original damaged inside)"
    );

    // Locking halfway through a download, its first chunks in the output,
    // wipes them; afterwards nothing opens.
    assert_eq!(lp_original_begin(0), OK);
    let first_chunks = &gallery.original[..3 * CHUNK_LEN];
    // SAFETY: `call` passes a live lp_alloc buffer.
    assert_eq!(
        call(first_chunks, |p, n| unsafe { lp_original_push(p, n) }),
        OK
    );
    assert!(holds_marker(&output()), "the output holds the first chunks");
    let ((), hits) = scanner::scan(MARKER, || lp_lock());
    assert_eq!(lp_out_len(), 0);
    assert_eq!(hits, 0, "{hits} freed block(s) held plaintext (lock)");
    assert_locked(&gallery);
}

/// After `lp_lock`, no call that needs a key works.
fn assert_locked(gallery: &Gallery) {
    assert_eq!(open_photo(1, &gallery.preview), BAD_STATE);
    assert_eq!(lp_original_begin(0), BAD_STATE);
    // SAFETY (both): `call` passes a live lp_alloc buffer.
    assert_eq!(
        call(&gallery.manifest, |p, n| unsafe { lp_open_manifest(p, n) }),
        BAD_STATE
    );
    assert_eq!(
        call(b"selection", |p, n| unsafe { lp_sign_selection(p, n) }),
        BAD_STATE
    );
    assert_eq!(
        call(&PASSWORD_KEY, |p, n| unsafe { lp_unlock_key(p, n) }),
        BAD_STATE
    );
}
