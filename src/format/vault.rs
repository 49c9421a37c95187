//! Sealing and opening blobs bound to their identity, and the unlock path
//! from a header to a manifest. Both the generator (`encrypt`, `verify`) and
//! the viewer go through these functions.
//!
//! ```text
//! context   = "lightproof.v1/blob" || 0x00 || gallery_id[16] || blob_id[16] || kind u8
//! blob      = Cobblestone-256(DEK, salt[24], context, pad(content))
//! ```

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::chunked::StreamOpener;
use super::chunked::{self, SALT_LEN};
use super::header::{Header, SlotContents, SlotType};
use super::manifest::{BlobRef, Manifest, Original, MAX_MANIFEST_LEN};
use super::segments::SegmentHasher;
use super::{padding, BlobKind, FormatError, Id, Key32};

const CONTEXT_LABEL: &[u8] = b"lightproof.v1/blob\x00";

/// The chunked-encryption context of one blob.
pub fn blob_context(gallery_id: &Id, blob_id: &Id, kind: BlobKind) -> Vec<u8> {
    [CONTEXT_LABEL, gallery_id, blob_id, &[kind as u8]].concat()
}

/// Pads and encrypts `content` as blob `blob_id` of `kind`.
/// `salt` MUST be fresh random bytes.
pub fn seal_blob(
    gallery_id: &Id,
    blob_id: &Id,
    kind: BlobKind,
    key: &Key32,
    salt: &[u8; SALT_LEN],
    content: &[u8],
) -> Vec<u8> {
    let mut plaintext = Vec::with_capacity(padding::padded_len(content.len()));
    plaintext.extend_from_slice(content);
    padding::pad(&mut plaintext);
    let sealed = chunked::seal(
        key,
        salt,
        &blob_context(gallery_id, blob_id, kind),
        &plaintext,
    );
    zeroize::Zeroize::zeroize(&mut plaintext);
    sealed
}

/// Opens a blob without a pinned hash (the manifest, whose reference comes
/// from a key slot).
pub fn open_blob(
    gallery_id: &Id,
    blob_id: &Id,
    kind: BlobKind,
    key: &Key32,
    ciphertext: &[u8],
) -> Result<Vec<u8>, FormatError> {
    let mut plaintext = chunked::open(key, &blob_context(gallery_id, blob_id, kind), ciphertext)?;
    if padding::unpad(&mut plaintext).is_none() {
        zeroize::Zeroize::zeroize(&mut plaintext);
        return Err(FormatError::Damaged);
    }
    Ok(plaintext)
}

/// Opens a blob referenced by the manifest: length and SHA-256 first, then
/// decryption.
pub fn open_pinned_blob(
    gallery_id: &Id,
    blob: &BlobRef,
    kind: BlobKind,
    ciphertext: &[u8],
) -> Result<Vec<u8>, FormatError> {
    let id = blob.id_bytes().ok_or(FormatError::Damaged)?;
    let expected = blob.sha256_bytes().ok_or(FormatError::Damaged)?;
    let actual: [u8; 32] = Sha256::digest(ciphertext).into();
    if ciphertext.len() as u64 != blob.size || !bool::from(actual.ct_eq(&expected)) {
        return Err(FormatError::Damaged);
    }
    open_blob(gallery_id, &id, kind, &blob.key, ciphertext)
}

/// Runs the password KDF and tries every slot.
pub fn unlock_with_password(
    header: &Header,
    password_nfc: &[u8],
) -> Result<SlotContents, FormatError> {
    header.open_slots(
        &header.derive_password_key(password_nfc),
        SlotType::Password,
    )
}

/// Decrypts and parses the manifest a slot points to.
pub fn open_manifest(
    header: &Header,
    slot: &SlotContents,
    ciphertext: &[u8],
) -> Result<Manifest, FormatError> {
    if ciphertext.len() > MAX_MANIFEST_LEN {
        return Err(FormatError::Damaged);
    }
    let mut json = open_blob(
        &header.gallery_id,
        &slot.manifest_id,
        BlobKind::Manifest,
        &slot.manifest_key,
        ciphertext,
    )?;
    let manifest = Manifest::parse(&json, &header.gallery_id);
    zeroize::Zeroize::zeroize(&mut json);
    manifest
}

const TWO_FACTOR_LABEL: &[u8] = b"lightproof.v1/two-factor";
const SELECTION_LABEL: &[u8] = b"lightproof.v1/selection\x00";

/// The tag on a client's selection: HMAC-SHA-256 keyed with the manifest
/// key of the grant it came from, so only a holder of that grant can make
/// one and any change to the text is detected.
pub fn selection_tag(manifest_key: &Key32, text: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(manifest_key.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(SELECTION_LABEL);
    mac.update(text);
    mac.finalize().into_bytes().into()
}

/// The ikm of a two-factor link slot: the link secret keys an HMAC over
/// the password key, so neither half alone gives anything.
pub fn two_factor_key(password_key: &Key32, link_secret: &Key32) -> Key32 {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(link_secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(TWO_FACTOR_LABEL);
    mac.update(password_key.as_bytes());
    let mut out: [u8; 32] = mac.finalize().into_bytes().into();
    let key = Key32::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    key
}

/// Opens the slot of a key link.
pub fn unlock_with_link(header: &Header, link_secret: &Key32) -> Result<SlotContents, FormatError> {
    header.open_slots(link_secret, SlotType::Link)
}

/// Opens the slot of a two-factor link with its password.
pub fn unlock_with_link_and_password(
    header: &Header,
    link_secret: &Key32,
    password_nfc: &[u8],
) -> Result<SlotContents, FormatError> {
    let password_key = header.derive_password_key(password_nfc);
    header.open_slots(
        &two_factor_key(&password_key, link_secret),
        SlotType::LinkAndPassword,
    )
}

/// Decrypts an original as its ciphertext arrives (see [`StreamOpener`]),
/// releasing only the file's own bytes and checking the padding, the
/// pinned length and the pinned SHA-256 on the way. Whatever it released
/// is a valid file only if [`OriginalReader::finish`] succeeds.
pub struct OriginalReader {
    opener: StreamOpener,
    hasher: Sha256,
    pinned_sha256: [u8; 32],
    /// The segment hash and its pinned value, when the manifest has one:
    /// both pins are checked.
    segments: Option<(SegmentHasher, [u8; 32])>,
    size: u64,
    received: u64,
    content_len: u64,
    /// Plaintext bytes seen, content and padding.
    plaintext_len: u64,
}

impl OriginalReader {
    pub fn new(gallery_id: &Id, original: &Original) -> Result<Self, FormatError> {
        let blob = &original.blob;
        let id = blob.id_bytes().ok_or(FormatError::Damaged)?;
        let context = blob_context(gallery_id, &id, BlobKind::Original);
        Ok(Self {
            opener: StreamOpener::new(&blob.key, &context),
            hasher: Sha256::new(),
            pinned_sha256: blob.sha256_bytes().ok_or(FormatError::Damaged)?,
            segments: blob
                .sha256_segments_bytes()?
                .map(|pinned| (SegmentHasher::new(), pinned)),
            size: blob.size,
            received: 0,
            content_len: original.bytes,
            plaintext_len: 0,
        })
    }

    /// Takes the next ciphertext bytes; returns the next bytes of the file.
    pub fn push(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, FormatError> {
        self.received += ciphertext.len() as u64;
        if self.received > self.size {
            return Err(FormatError::Damaged);
        }
        self.hasher.update(ciphertext);
        if let Some((hasher, _)) = &mut self.segments {
            hasher.update(ciphertext);
        }
        let plaintext = self.opener.push(ciphertext)?;
        self.release(plaintext)
    }

    /// The end of the ciphertext: the file's last bytes, once the length,
    /// hash, final chunk and padding all check out.
    pub fn finish(mut self) -> Result<Vec<u8>, FormatError> {
        let actual: [u8; 32] = self.hasher.clone().finalize().into();
        let segments_ok = self
            .segments
            .take()
            .is_none_or(|(hasher, pinned)| bool::from(hasher.finalize().ct_eq(&pinned)));
        if self.received != self.size
            || !bool::from(actual.ct_eq(&self.pinned_sha256))
            || !segments_ok
        {
            return Err(FormatError::Damaged);
        }
        let last = self.opener.finish()?;
        let mut tail = self.release(last)?;
        let padded = padding::padme(self.content_len.saturating_add(1));
        if self.plaintext_len != padded {
            // Never handed over: wiped, not just freed.
            zeroize::Zeroize::zeroize(&mut tail);
            return Err(FormatError::Damaged);
        }
        Ok(tail)
    }

    /// The content part of `plaintext`; the padding part must be `0x80`
    /// then zeros.
    fn release(&mut self, mut plaintext: Vec<u8>) -> Result<Vec<u8>, FormatError> {
        let start = self.plaintext_len;
        self.plaintext_len += plaintext.len() as u64;
        let content_here = self
            .content_len
            .saturating_sub(start)
            .min(plaintext.len() as u64) as usize;
        let padding_ok = plaintext[content_here..]
            .iter()
            .enumerate()
            .all(|(i, &byte)| {
                let at_marker = start + (content_here + i) as u64 == self.content_len;
                byte == if at_marker { 0x80 } else { 0 }
            });
        if !padding_ok {
            zeroize::Zeroize::zeroize(&mut plaintext);
            return Err(FormatError::Damaged);
        }
        plaintext.truncate(content_here);
        Ok(plaintext)
    }
}

/// Seals an original (`content`, already in memory) into `out` chunk by
/// chunk, so only one copy of a large file is ever held; returns the blob
/// reference. `salt` MUST be fresh random bytes.
pub fn seal_original_to<W: std::io::Write + ?Sized>(
    out: &mut W,
    gallery_id: &Id,
    blob_id: &Id,
    key: &Key32,
    salt: &[u8; SALT_LEN],
    content: &[u8],
) -> std::io::Result<BlobRef> {
    use super::chunked::{StreamSealer, CHUNK_LEN};
    let context = blob_context(gallery_id, blob_id, BlobKind::Original);
    let mut sealer = StreamSealer::new(key, salt, &context);
    let mut hasher = Sha256::new();
    let mut segments = SegmentHasher::new();
    let mut size = 0u64;
    let mut emit = |bytes: &[u8]| -> std::io::Result<()> {
        hasher.update(bytes);
        segments.update(bytes);
        size += bytes.len() as u64;
        out.write_all(bytes)
    };
    emit(&sealer.prefix())?;
    let padded_len = padding::padded_len(content.len());
    let mut chunk = [0u8; CHUNK_LEN];
    let full_chunks = padded_len / CHUNK_LEN;
    for index in 0..full_chunks {
        padded_slice(content, index * CHUNK_LEN, &mut chunk);
        let tag = sealer.seal_chunk(&mut chunk);
        emit(&chunk)?;
        emit(&tag)?;
    }
    let rest = &mut chunk[..padded_len % CHUNK_LEN];
    padded_slice(content, full_chunks * CHUNK_LEN, rest);
    let tag = sealer.seal_final(rest);
    emit(rest)?;
    emit(&tag)?;
    zeroize::Zeroize::zeroize(&mut chunk);
    Ok(BlobRef {
        id: super::encoding::base32(blob_id),
        key: key.clone(),
        size,
        sha256: super::encoding::hex(&hasher.finalize()),
        sha256_segments: Some(super::encoding::hex(&segments.finalize())),
    })
}

/// Fills `out` with the padded plaintext (`content || 0x80 || 0…`) from
/// offset `start`.
fn padded_slice(content: &[u8], start: usize, out: &mut [u8]) {
    let available = content.len().saturating_sub(start).min(out.len());
    if available > 0 {
        out[..available].copy_from_slice(&content[start..start + available]);
    }
    out[available..].fill(0);
    let marker = content
        .len()
        .checked_sub(start)
        .filter(|&at| at < out.len());
    if let Some(at) = marker {
        out[at] = 0x80;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original_of(content: &[u8]) -> (Vec<u8>, Original) {
        let mut sealed = Vec::new();
        let blob = seal_original_to(
            &mut sealed,
            &[1; 16],
            &[2; 16],
            &Key32::from_bytes([3; 32]),
            &[4; SALT_LEN],
            content,
        )
        .unwrap();
        let original = Original {
            blob,
            bytes: content.len() as u64,
            crc32: 0,
            media_type: "image/jpeg".into(),
            stripped: false,
            modified: 0,
        };
        (sealed, original)
    }

    fn read_streamed(
        sealed: &[u8],
        original: &Original,
        piece: usize,
    ) -> Result<Vec<u8>, FormatError> {
        let mut reader = OriginalReader::new(&[1; 16], original)?;
        let mut out = Vec::new();
        for part in sealed.chunks(piece) {
            out.extend(reader.push(part)?);
        }
        out.extend(reader.finish()?);
        Ok(out)
    }

    #[test]
    fn originals_round_trip_as_streams_and_match_whole_blobs() {
        // 292,615 bytes pad to 294,912: the padding fills whole chunks.
        for len in [
            0usize, 1, 100, 16383, 16384, 16385, 50_000, 292_615, 300_000,
        ] {
            let content: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let (sealed, original) = original_of(&content);
            let whole =
                open_pinned_blob(&[1; 16], &original.blob, BlobKind::Original, &sealed).unwrap();
            assert_eq!(whole, content, "whole, length {len}");
            for piece in [1000, 65536] {
                assert_eq!(
                    read_streamed(&sealed, &original, piece).unwrap(),
                    content,
                    "length {len}"
                );
            }
        }
    }

    #[test]
    fn original_streams_fail_on_tampering_truncation_and_a_wrong_length() {
        let content = vec![7u8; 40_000];
        let (sealed, original) = original_of(&content);
        for at in [0, 60, 20_000, sealed.len() - 1] {
            let mut flipped = sealed.clone();
            flipped[at] ^= 0x40;
            assert!(
                read_streamed(&flipped, &original, 4096).is_err(),
                "flip at {at}"
            );
        }
        assert!(read_streamed(&sealed[..sealed.len() - 1], &original, 4096).is_err());
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(read_streamed(&longer, &original, 4096).is_err());
        let mut shorter_claim = original.clone();
        shorter_claim.bytes -= 1;
        assert!(read_streamed(&sealed, &shorter_claim, 4096).is_err());
        let mut other_kind = original.clone();
        other_kind.blob.id = crate::format::encoding::base32(&[9u8; 16]);
        assert!(read_streamed(&sealed, &other_kind, 4096).is_err());
    }

    /// An original's blob gets both pins, and a reader checks both: either
    /// one wrong refuses the blob; without a segment hash (a gallery
    /// written before it existed) the blob still opens.
    #[test]
    fn originals_are_pinned_by_their_segment_hash_too() {
        use crate::format::encoding::hex;
        let content: Vec<u8> = (0..2_500_000).map(|i| (i * 13 % 251) as u8).collect();
        let (sealed, original) = original_of(&content);
        let mut expected = SegmentHasher::new();
        expected.update(&sealed);
        assert_eq!(
            original.blob.sha256_segments.as_deref(),
            Some(hex(&expected.finalize()).as_str())
        );
        assert_eq!(read_streamed(&sealed, &original, 65536).unwrap(), content);
        let mut without = original.clone();
        without.blob.sha256_segments = None;
        assert_eq!(read_streamed(&sealed, &without, 65536).unwrap(), content);
        let mut other_segments = original.clone();
        other_segments.blob.sha256_segments = Some(hex(&[0; 32]));
        assert!(read_streamed(&sealed, &other_segments, 65536).is_err());
        let mut other_whole = original.clone();
        other_whole.blob.sha256 = hex(&[0; 32]);
        assert!(read_streamed(&sealed, &other_whole, 65536).is_err());
        let mut not_hex = original.clone();
        not_hex.blob.sha256_segments = Some("zz".into());
        assert!(OriginalReader::new(&[1; 16], &not_hex).is_err());
    }
}
