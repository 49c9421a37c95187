//! The segment hash of a blob (docs/FORMAT.md, `sha256_segments`): the
//! SHA-256 of the SHA-256s of its 1 MiB segments, in order. It pins a blob
//! as tightly as the SHA-256 of the whole (with the pinned size, a second
//! blob with the same value would be a SHA-256 collision), and a reader
//! can compute it with one-shot digests, one per segment, such as
//! WebCrypto's, which has no incremental SHA-256 but uses the processor's
//! SHA instructions.

use sha2::{Digest, Sha256};

/// Bytes of ciphertext per segment; the last segment is 1 to this many.
pub const SEGMENT_LEN: usize = 1 << 20;

/// How many segments a blob of `size` bytes has.
pub fn segment_count(size: u64) -> u64 {
    size.div_ceil(SEGMENT_LEN as u64)
}

/// The segment hash of bytes given in pieces of any size.
#[derive(Clone, Default)]
pub struct SegmentHasher {
    /// Over the digests of the segments ended so far.
    digests: Sha256,
    segment: Sha256,
    /// Bytes in the segment under way.
    filled: usize,
}

impl SegmentHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = (SEGMENT_LEN - self.filled).min(bytes.len());
            self.segment.update(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == SEGMENT_LEN {
                self.end_segment();
            }
        }
    }

    pub fn finalize(mut self) -> [u8; 32] {
        if self.filled > 0 {
            self.end_segment();
        }
        self.digests.finalize().into()
    }

    fn end_segment(&mut self) {
        let digest = std::mem::take(&mut self.segment).finalize();
        self.digests.update(digest);
        self.filled = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes `(7i + 3) mod 251`.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((i * 7 + 3) % 251) as u8).collect()
    }

    /// Known answers computed independently (Python's hashlib: the SHA-256
    /// of the concatenated SHA-256s of the 1 MiB slices).
    #[test]
    fn known_answers() {
        let cases = [
            (
                1,
                "c942a06c127c2c18022677e888020afb174208d299354f3ecfedb124a1f3fa45",
            ),
            (
                1 << 20,
                "e2369d7f9279da65a652b86e208291f28f70f890ad4b66403363a45f27ed3330",
            ),
            (
                (1 << 20) + 1,
                "e7408dee4d5a8cbdd0e8d58bee8ed7030fd0ef32716ace3a88556b816fcde32e",
            ),
            (
                2_621_440,
                "d9ce9a53bc3edf2e5dc12697f9edb26cb2f53646e8fd86cce2077f1ab47140b4",
            ),
        ];
        for (len, expected) in cases {
            let mut hasher = SegmentHasher::new();
            hasher.update(&pattern(len));
            assert_eq!(
                crate::format::encoding::hex(&hasher.finalize()),
                expected,
                "{len} bytes"
            );
        }
    }

    #[test]
    fn pieces_of_any_size_give_the_same_hash() {
        let bytes = pattern(2_621_440);
        let mut whole = SegmentHasher::new();
        whole.update(&bytes);
        let expected = whole.finalize();
        for piece in [1, 4096, 16_400, SEGMENT_LEN - 1, SEGMENT_LEN + 7] {
            let mut hasher = SegmentHasher::new();
            bytes.chunks(piece).for_each(|p| hasher.update(p));
            assert_eq!(hasher.finalize(), expected, "pieces of {piece}");
        }
    }

    #[test]
    fn counts_segments() {
        assert_eq!(segment_count(1), 1);
        assert_eq!(segment_count(SEGMENT_LEN as u64), 1);
        assert_eq!(segment_count(SEGMENT_LEN as u64 + 1), 2);
    }
}
