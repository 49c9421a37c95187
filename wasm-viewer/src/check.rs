//! The checks on an original whose chunks are decrypted outside this module
//! (by WebCrypto's AES-256-GCM in the viewer's download Worker): the same
//! checks `OriginalReader` makes on one it decrypts itself, so the two paths
//! accept exactly the same blobs.
//!
//! The page frames the blob from its pinned size: the 56-byte prefix (salt
//! and commitment, checked by `lp_original_key` in the page's own instance),
//! then records of 16,400 bytes, the last one 16 to 16,399 bytes long, and
//! decrypts record `i` with nonce `i`, so each chunk authenticates at its own
//! position. Here, in the Worker's instance, which holds no key:
//!
//! - every byte of ciphertext is counted against the pinned `size` (more is
//!   refused at once) and hashed for the pinned SHA-256; or, when the
//!   manifest gives the blob a segment hash (`sha256_segments`), the Worker
//!   hashes each 1 MiB segment with WebCrypto (which has the processor's SHA
//!   instructions) and hands the digests in order to
//!   [`OriginalCheck::segment_digests`], which hashes them for that pin;
//! - each decrypted chunk must be the next one and have the length its
//!   position requires (16,384 bytes, the final one shorter): a chunk
//!   missing, repeated or cut short is refused;
//! - the padding must be `0x80` then zeros from `bytes` on, and the CRC-32
//!   of the content must be the pinned one;
//! - [`OriginalCheck::finish`] accepts only when all `size` bytes came, the
//!   final chunk was checked and the SHA-256 (or one digest per segment and
//!   the segment hash) and CRC-32 match.
//!
//! Whatever was released before `finish` succeeds is incomplete and must be
//! thrown away on any failure, as for the module's own path.

use lightproof::format::chunked::{CHUNK_LEN, MAX_CHUNKS, PREFIX_LEN, TAG_LEN};
use lightproof::format::manifest::{Original, MAX_ORIGINAL_LEN};
use lightproof::format::padding::padme;
use lightproof::format::segments::segment_count;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::zip::Crc32;
use crate::Status;

const RECORD_LEN: u64 = (CHUNK_LEN + TAG_LEN) as u64;

/// What the manifest pins about an original, as the page passes it from the
/// page's instance to the Worker's: `size[8] || bytes[8] || crc32[4] ||
/// sha256[32]`, then `sha256_segments[32]` when the manifest has it,
/// integers big-endian. Nothing secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pins {
    /// The blob's length.
    pub size: u64,
    /// The file's length.
    pub bytes: u64,
    pub crc32: u32,
    /// Of the whole blob.
    pub sha256: [u8; 32],
    /// The blob's segment hash, when the manifest has one: then it is the
    /// hash checked here (`lightproof verify` checks both).
    pub sha256_segments: Option<[u8; 32]>,
}

pub const PINS_LEN: usize = 52;
pub const PINS_WITH_SEGMENTS_LEN: usize = PINS_LEN + 32;

impl Pins {
    pub fn of(original: &Original) -> Option<Self> {
        Some(Self {
            size: original.blob.size,
            bytes: original.bytes,
            crc32: original.crc32,
            sha256: original.blob.sha256_bytes()?,
            sha256_segments: original.blob.sha256_segments_bytes().ok()?,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PINS_LEN);
        out.extend_from_slice(&self.size.to_be_bytes());
        out.extend_from_slice(&self.bytes.to_be_bytes());
        out.extend_from_slice(&self.crc32.to_be_bytes());
        out.extend_from_slice(&self.sha256);
        if let Some(segments) = &self.sha256_segments {
            out.extend_from_slice(segments);
        }
        out
    }

    pub fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != PINS_LEN && bytes.len() != PINS_WITH_SEGMENTS_LEN {
            return None;
        }
        let u64_at = |at: usize| u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        Some(Self {
            size: u64_at(0),
            bytes: u64_at(8),
            crc32: u32::from_be_bytes(bytes[16..20].try_into().expect("4 bytes")),
            sha256: bytes[20..52].try_into().expect("32 bytes"),
            sha256_segments: bytes.get(52..).and_then(|rest| rest.try_into().ok()),
        })
    }
}

/// The running checks on one original (see the module documentation).
pub struct OriginalCheck {
    pins: Pins,
    /// Over the ciphertext, or over the segments' digests when the pins
    /// have a segment hash.
    hasher: Sha256,
    /// Ciphertext bytes counted so far.
    received: u64,
    /// Segment digests hashed so far (segment hash only).
    segments: u64,
    /// Chunks of 16,384 bytes before the final one.
    full_chunks: u64,
    /// Plaintext length of the final chunk.
    final_len: usize,
    /// Chunks checked so far.
    chunks: u64,
    /// Plaintext bytes checked so far, content and padding.
    plaintext_len: u64,
    crc: Crc32,
}

impl OriginalCheck {
    /// Refuses pins no valid blob can meet: a size that does not frame into
    /// records ending with a short one, or that disagrees with the file's
    /// padded length (docs/FORMAT.md, `original`).
    pub fn new(pins: Pins) -> Result<Self, Status> {
        let body = pins
            .size
            .checked_sub(PREFIX_LEN as u64)
            .ok_or(Status::Damaged)?;
        let full_chunks = body / RECORD_LEN;
        let last_record = body % RECORD_LEN;
        if last_record < TAG_LEN as u64
            || full_chunks >= MAX_CHUNKS
            || pins.bytes > MAX_ORIGINAL_LEN
        {
            return Err(Status::Damaged);
        }
        let final_len = last_record - TAG_LEN as u64;
        if full_chunks * CHUNK_LEN as u64 + final_len != padme(pins.bytes + 1) {
            return Err(Status::Damaged);
        }
        Ok(Self {
            pins,
            hasher: Sha256::new(),
            received: 0,
            segments: 0,
            full_chunks,
            final_len: final_len as usize,
            chunks: 0,
            plaintext_len: 0,
            crc: Crc32::new(),
        })
    }

    /// The next bytes of the blob, in order, as they arrive: counted, and
    /// hashed unless the pins have a segment hash.
    pub fn ciphertext(&mut self, bytes: &[u8]) -> Result<(), Status> {
        self.received = self.received.saturating_add(bytes.len() as u64);
        if self.received > self.pins.size {
            return Err(Status::Damaged);
        }
        if self.pins.sha256_segments.is_none() {
            self.hasher.update(bytes);
        }
        Ok(())
    }

    /// The SHA-256 digests of the next segments of the blob, in order, 32
    /// bytes each (segment hash only).
    pub fn segment_digests(&mut self, digests: &[u8]) -> Result<(), Status> {
        let count = (digests.len() / 32) as u64;
        if self.pins.sha256_segments.is_none()
            || digests.len() % 32 != 0
            || self.segments + count > segment_count(self.pins.size)
        {
            return Err(Status::Damaged);
        }
        self.segments += count;
        self.hasher.update(digests);
        Ok(())
    }

    /// The next decrypted chunk; returns how many of its first bytes are the
    /// file's (the rest is padding).
    pub fn chunk(&mut self, plaintext: &[u8]) -> Result<usize, Status> {
        let expected = match self.chunks.cmp(&self.full_chunks) {
            core::cmp::Ordering::Less => CHUNK_LEN,
            core::cmp::Ordering::Equal => self.final_len,
            core::cmp::Ordering::Greater => return Err(Status::Damaged),
        };
        if plaintext.len() != expected {
            return Err(Status::Damaged);
        }
        let start = self.plaintext_len;
        let content = self
            .pins
            .bytes
            .saturating_sub(start)
            .min(plaintext.len() as u64) as usize;
        let padding_ok = plaintext[content..].iter().enumerate().all(|(i, &byte)| {
            let at_marker = start + (content + i) as u64 == self.pins.bytes;
            byte == if at_marker { 0x80 } else { 0 }
        });
        if !padding_ok {
            return Err(Status::Damaged);
        }
        self.crc.update(&plaintext[..content]);
        self.chunks += 1;
        self.plaintext_len += plaintext.len() as u64;
        Ok(content)
    }

    /// The end of the blob: the file is valid only if this succeeds.
    pub fn finish(self) -> Result<(), Status> {
        let hash: [u8; 32] = self.hasher.finalize().into();
        let whole = self.received == self.pins.size && self.chunks == self.full_chunks + 1;
        let pinned = match &self.pins.sha256_segments {
            Some(segments) => {
                self.segments == segment_count(self.pins.size) && bool::from(hash.ct_eq(segments))
            }
            None => bool::from(hash.ct_eq(&self.pins.sha256)),
        };
        if whole && pinned && self.crc.finish() == self.pins.crc32 {
            Ok(())
        } else {
            Err(Status::Damaged)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_round_trip_and_refuse_other_lengths() {
        let pins = Pins {
            size: 1 << 40,
            bytes: 7,
            crc32: 0xDEAD_BEEF,
            sha256: [9; 32],
            sha256_segments: None,
        };
        let with_segments = Pins {
            sha256_segments: Some([4; 32]),
            ..pins.clone()
        };
        for pins in [pins, with_segments] {
            assert_eq!(Pins::parse(&pins.to_bytes()), Some(pins.clone()));
            assert_eq!(Pins::parse(&pins.to_bytes()[1..]), None);
            assert_eq!(Pins::parse(&[pins.to_bytes(), vec![0]].concat()), None);
        }
    }

    #[test]
    fn sizes_that_frame_no_valid_blob_are_refused() {
        let pins = |size, bytes| Pins {
            size,
            bytes,
            crc32: 0,
            sha256: [0; 32],
            sha256_segments: None,
        };
        // 0 bytes pad to 1: prefix, one final record of 1 + 16 bytes.
        assert!(OriginalCheck::new(pins(56 + 17, 0)).is_ok());
        for (size, bytes) in [
            (0, 0),
            (55, 0),
            (56 + 15, 0),          // a final record shorter than a tag
            (56 + 18, 0),          // one more byte than 0 bytes pad to
            (56 + 16_400, 16_383), // a full record cannot be the last
            (56 + 17, MAX_ORIGINAL_LEN + 1),
            (u64::MAX, 0),
        ] {
            assert!(
                OriginalCheck::new(pins(size, bytes)).is_err(),
                "size {size}, bytes {bytes}"
            );
        }
    }
}
