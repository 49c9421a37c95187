//! Blobs as the host serves them: Cobblestone chunked decryption and
//! padding removal with a fixed key and context, whole-message and as a
//! stream (how originals are downloaded). Both readers must agree.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::chunked::{open, StreamOpener};
use lightproof::format::manifest::{BlobRef, Original};
use lightproof::format::vault::{blob_context, open_blob, OriginalReader};
use lightproof::format::{BlobKind, Key32};
use lightproof_fuzz::fixtures::{BLOB_ID, BLOB_KEY, GALLERY};

/// Piece sizes for the streams, picked by the input's length so every size
/// meets every boundary: odd sizes, the prefix, a record, a record and one.
const PIECES: [usize; 6] = [1000, 4099, 56, 16_400, 16_401, 65_536];

fuzz_target!(|ciphertext: &[u8]| {
    let key = Key32::from_bytes(BLOB_KEY);
    let context = blob_context(&GALLERY, &BLOB_ID, BlobKind::Original);
    let piece = PIECES[ciphertext.len() % PIECES.len()];

    let chunked = open(&key, &context, ciphertext);
    let mut opener = StreamOpener::new(&key, &context);
    let streamed = ciphertext
        .chunks(piece)
        .try_fold(Vec::new(), |mut out, part| {
            out.extend(opener.push(part)?);
            Ok(out)
        })
        .and_then(|mut out| {
            out.extend(opener.finish()?);
            Ok(out)
        });
    assert_eq!(chunked, streamed, "whole and streamed decryption disagree");

    let whole = open_blob(&GALLERY, &BLOB_ID, BlobKind::Original, &key, ciphertext);
    let content_len = whole
        .as_ref()
        .map_or(ciphertext.len() as u64 / 2, |c| c.len() as u64);
    let original = Original {
        blob: BlobRef::new(&BLOB_ID, key.clone(), ciphertext),
        bytes: content_len,
        crc32: 0,
        media_type: "image/jpeg".into(),
        stripped: false,
        modified: 0,
    };
    let mut reader = OriginalReader::new(&GALLERY, &original).expect("a well-formed reference");
    let mut file = Vec::new();
    let mut read = ciphertext.chunks(piece).try_for_each(|part| {
        file.extend(reader.push(part)?);
        Ok(())
    });
    if read.is_ok() {
        read = reader.finish().map(|tail| file.extend(tail));
    }
    match (&whole, read) {
        (Ok(content), Ok(())) => assert_eq!(content, &file, "streamed original differs"),
        (Err(_), Err(_)) => {}
        (whole, read) => panic!("whole ({whole:?}) and streamed ({read:?}) originals disagree"),
    }
});
