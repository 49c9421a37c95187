//! C2SP chunked encryption ("Cobblestone-256", c2sp.org/chunked-encryption):
//! AES-256-GCM over 16 KiB chunks, with key, base nonce and a 32-byte key
//! commitment derived by HKDF-Expand-SHA-512 from an input key, a 24-byte salt
//! and a context.
//!
//! ```text
//! key || base_nonce || commitment = HKDF-Expand-SHA-512(prk = input key,
//!     info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" || 0x00 || salt || context)
//! ciphertext = salt || commitment || AEAD(chunk 0) || … || AEAD(final chunk)
//! nonce(i)   = base_nonce XOR big-endian(i)
//! ```
//!
//! The final chunk is always shorter than 16 KiB (possibly empty), which is
//! the end-of-message signal: truncation and extension fail authentication.
//! The commitment is checked before any chunk is decrypted. On any failure no
//! plaintext is returned and the working buffer is zeroized.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use sha2::Sha512;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{FormatError, Key32};

pub const SALT_LEN: usize = 24;
pub const COMMITMENT_LEN: usize = 32;
pub const CHUNK_LEN: usize = 16 * 1024;
pub const TAG_LEN: usize = 16;
pub const NONCE_LEN: usize = 12;
/// Fixed overhead: salt and commitment.
pub const PREFIX_LEN: usize = SALT_LEN + COMMITMENT_LEN;
const INFO_PREFIX: &[u8] = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00";
/// The spec's upper bound on the number of chunks (4 PiB).
pub const MAX_CHUNKS: u64 = 1 << 38;

/// Length of the ciphertext of a `plaintext_len`-byte message.
pub fn sealed_len(plaintext_len: usize) -> usize {
    let chunks = plaintext_len / CHUNK_LEN + 1;
    PREFIX_LEN + plaintext_len + chunks * TAG_LEN
}

/// Encrypts `plaintext`. `salt` MUST NOT repeat for the same `input_key`.
pub fn seal(input_key: &Key32, salt: &[u8; SALT_LEN], context: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let derived = DerivedKeys::new(input_key, salt, context);
    let mut out = Vec::with_capacity(sealed_len(plaintext.len()));
    out.extend_from_slice(salt);
    out.extend_from_slice(&derived.commitment);
    let cipher = derived.cipher();
    let full_chunks = plaintext.len() / CHUNK_LEN;
    for index in 0..=full_chunks {
        let start = index * CHUNK_LEN;
        let end = (start + CHUNK_LEN).min(plaintext.len());
        let chunk_start = out.len();
        out.extend_from_slice(&plaintext[start..end]);
        let nonce = derived.nonce(index as u64);
        let tag = cipher
            .encrypt_in_place_detached(&nonce, b"", &mut out[chunk_start..])
            .expect("a 16 KiB chunk is far below the AES-GCM length limit");
        out.extend_from_slice(&tag);
    }
    out
}

/// Decrypts and authenticates a whole message.
pub fn open(input_key: &Key32, context: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, FormatError> {
    if ciphertext.len() < PREFIX_LEN + TAG_LEN {
        return Err(FormatError::Damaged);
    }
    let (salt, rest) = ciphertext.split_at(SALT_LEN);
    let (commitment, body) = rest.split_at(COMMITMENT_LEN);
    let salt: &[u8; SALT_LEN] = salt.try_into().expect("split at SALT_LEN");
    let derived = DerivedKeys::new(input_key, salt, context);
    if !bool::from(derived.commitment.ct_eq(commitment)) {
        return Err(FormatError::Damaged);
    }
    let record_len = CHUNK_LEN + TAG_LEN;
    let full_chunks = body.len() / record_len;
    if body.len() % record_len < TAG_LEN || full_chunks as u64 >= MAX_CHUNKS {
        return Err(FormatError::Damaged); // truncated at a chunk boundary, or cut inside a tag
    }
    let cipher = derived.cipher();
    let mut plaintext = Vec::with_capacity(body.len() - (full_chunks + 1) * TAG_LEN);
    for (index, record) in body.chunks(record_len).enumerate() {
        let (chunk, tag) = record.split_at(record.len() - TAG_LEN);
        let start = plaintext.len();
        plaintext.extend_from_slice(chunk);
        let nonce = derived.nonce(index as u64);
        let opened = cipher.decrypt_in_place_detached(
            &nonce,
            b"",
            &mut plaintext[start..],
            Tag::from_slice(tag),
        );
        if opened.is_err() {
            plaintext.zeroize();
            return Err(FormatError::Damaged);
        }
    }
    Ok(plaintext)
}

/// Encrypts a message chunk by chunk, for files too large to hold twice in
/// memory: [`StreamSealer::prefix`] first, then [`StreamSealer::seal_chunk`]
/// for every full 16 KiB chunk, then [`StreamSealer::seal_final`] for the
/// shorter (possibly empty) rest. The bytes are exactly those of [`seal`].
pub struct StreamSealer {
    derived: DerivedKeys,
    cipher: Aes256Gcm,
    salt: [u8; SALT_LEN],
    index: u64,
}

impl StreamSealer {
    /// `salt` MUST NOT repeat for the same `input_key`.
    pub fn new(input_key: &Key32, salt: &[u8; SALT_LEN], context: &[u8]) -> Self {
        let derived = DerivedKeys::new(input_key, salt, context);
        let cipher = derived.cipher();
        Self {
            derived,
            cipher,
            salt: *salt,
            index: 0,
        }
    }

    /// Salt and commitment: the first 56 bytes of the ciphertext.
    pub fn prefix(&self) -> [u8; PREFIX_LEN] {
        let mut prefix = [0; PREFIX_LEN];
        prefix[..SALT_LEN].copy_from_slice(&self.salt);
        prefix[SALT_LEN..].copy_from_slice(&self.derived.commitment);
        prefix
    }

    /// Encrypts one full chunk in place and returns its tag.
    pub fn seal_chunk(&mut self, chunk: &mut [u8; CHUNK_LEN]) -> [u8; TAG_LEN] {
        self.seal_record(chunk)
    }

    /// Encrypts the final chunk (shorter than 16 KiB) in place; returns its tag.
    pub fn seal_final(mut self, chunk: &mut [u8]) -> [u8; TAG_LEN] {
        assert!(chunk.len() < CHUNK_LEN, "the final chunk is short");
        self.seal_record(chunk)
    }

    fn seal_record(&mut self, chunk: &mut [u8]) -> [u8; TAG_LEN] {
        let nonce = self.derived.nonce(self.index);
        self.index += 1;
        self.cipher
            .encrypt_in_place_detached(&nonce, b"", chunk)
            .expect("a 16 KiB chunk is far below the AES-GCM length limit")
            .into()
    }
}

/// Decrypts a message as its bytes arrive, in pieces of any size, so a
/// large file never has to be in memory at once.
///
/// Each released chunk has authenticated on its own, at its own position
/// (the chunk index is in the nonce). Truncation shows only at the end:
/// whatever was released MUST be treated as incomplete, and thrown away,
/// unless [`StreamOpener::finish`] succeeds.
pub struct StreamOpener {
    context: Vec<u8>,
    input_key: Key32,
    keys: Option<(DerivedKeys, Aes256Gcm)>,
    pending: Vec<u8>,
    index: u64,
}

impl StreamOpener {
    pub fn new(input_key: &Key32, context: &[u8]) -> Self {
        Self {
            context: context.to_vec(),
            input_key: input_key.clone(),
            keys: None,
            pending: Vec::with_capacity(CHUNK_LEN + TAG_LEN),
            index: 0,
        }
    }

    /// Takes the next ciphertext bytes; returns the plaintext of every chunk
    /// that is now complete and authentic (possibly none).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
        // Room for every record these bytes can complete: a buffer that grew
        // would free its earlier, plaintext-holding blocks unzeroized.
        let records = (self.pending.len() + bytes.len()) / (CHUNK_LEN + TAG_LEN);
        let mut plaintext = Vec::with_capacity(records * CHUNK_LEN);
        let opened = self.open_records(bytes, &mut plaintext);
        if opened.is_err() {
            // Chunks opened before the failure are never handed over.
            plaintext.zeroize();
        }
        opened.map(|()| plaintext)
    }

    /// Appends to `plaintext` every record `bytes` completes.
    fn open_records(
        &mut self,
        mut bytes: &[u8],
        plaintext: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        let record_len = CHUNK_LEN + TAG_LEN;
        while !bytes.is_empty() {
            let want = if self.keys.is_none() {
                PREFIX_LEN
            } else {
                // One byte more than a record: a full record is never the
                // last one, but only the next byte proves the stream goes on.
                record_len + 1
            };
            let take = (want - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() < want {
                break;
            }
            if self.keys.is_none() {
                self.check_commitment()?;
            } else {
                let mut chunk: Vec<u8> = self.pending.drain(..record_len).collect();
                self.open_record(&mut chunk)?;
                plaintext.extend_from_slice(&chunk);
                chunk.zeroize();
            }
        }
        Ok(())
    }

    /// The end of the ciphertext: opens the final (short) chunk. The
    /// opener is spent afterwards, whatever the result.
    pub fn finish(&mut self) -> Result<Vec<u8>, FormatError> {
        let final_len = self.pending.len();
        let mut chunk = core::mem::take(&mut self.pending);
        if self.keys.is_none() || !(TAG_LEN..CHUNK_LEN + TAG_LEN).contains(&final_len) {
            chunk.zeroize();
            return Err(FormatError::Damaged);
        }
        self.open_record(&mut chunk)?;
        self.keys = None;
        Ok(chunk)
    }

    fn check_commitment(&mut self) -> Result<(), FormatError> {
        let salt: &[u8; SALT_LEN] = self.pending[..SALT_LEN].try_into().expect("prefix length");
        let derived = DerivedKeys::new(&self.input_key, salt, &self.context);
        if !bool::from(
            derived
                .commitment
                .ct_eq(&self.pending[SALT_LEN..PREFIX_LEN]),
        ) {
            return Err(FormatError::Damaged);
        }
        let cipher = derived.cipher();
        self.keys = Some((derived, cipher));
        self.pending.clear();
        Ok(())
    }

    /// Decrypts `record` (chunk || tag) in place, leaving the chunk.
    fn open_record(&mut self, record: &mut Vec<u8>) -> Result<(), FormatError> {
        let (derived, cipher) = self.keys.as_ref().ok_or(FormatError::Damaged)?;
        if self.index >= MAX_CHUNKS {
            return Err(FormatError::Damaged);
        }
        let split = record.len() - TAG_LEN;
        let tag = Tag::clone_from_slice(&record[split..]);
        record.truncate(split);
        let nonce = derived.nonce(self.index);
        if cipher
            .decrypt_in_place_detached(&nonce, b"", record, &tag)
            .is_err()
        {
            record.zeroize();
            return Err(FormatError::Damaged);
        }
        self.index += 1;
        Ok(())
    }
}

impl Drop for StreamOpener {
    fn drop(&mut self) {
        self.pending.zeroize();
    }
}

/// The AES-256-GCM key and base nonce of one message, for a reader that runs
/// AES-256-GCM elsewhere (the viewer hands them to WebCrypto). Given out only
/// once the message's commitment matched, as [`StreamOpener`] requires before
/// any chunk; chunk `i` then opens with [`ChunkKeys::nonce`]`(i)` and empty
/// associated data. Zeroized on drop.
pub struct ChunkKeys(DerivedKeys);

impl ChunkKeys {
    /// Derives the keys of the message whose first 56 bytes (salt and
    /// commitment) are `prefix`, and checks the commitment (constant time).
    pub fn open(input_key: &Key32, context: &[u8], prefix: &[u8]) -> Result<Self, FormatError> {
        let prefix: &[u8; PREFIX_LEN] = prefix.try_into().map_err(|_| FormatError::Damaged)?;
        let salt: &[u8; SALT_LEN] = prefix[..SALT_LEN].try_into().expect("prefix length");
        let derived = DerivedKeys::new(input_key, salt, context);
        if !bool::from(derived.commitment.ct_eq(&prefix[SALT_LEN..])) {
            return Err(FormatError::Damaged);
        }
        Ok(Self(derived))
    }

    pub fn key(&self) -> &[u8; 32] {
        &self.0.key
    }

    pub fn base_nonce(&self) -> &[u8; NONCE_LEN] {
        &self.0.base_nonce
    }

    /// `base_nonce XOR be96(index)`: the nonce of chunk `index`.
    pub fn nonce(&self, index: u64) -> [u8; NONCE_LEN] {
        self.0.nonce(index).into()
    }
}

/// Key, base nonce and commitment of one message. Zeroized on drop.
struct DerivedKeys {
    key: [u8; 32],
    base_nonce: [u8; NONCE_LEN],
    commitment: [u8; COMMITMENT_LEN],
}

impl DerivedKeys {
    fn new(input_key: &Key32, salt: &[u8; SALT_LEN], context: &[u8]) -> Self {
        let mut okm = [0u8; 32 + NONCE_LEN + COMMITMENT_LEN];
        hkdf_expand_sha512(
            input_key.as_bytes(),
            &[INFO_PREFIX, salt, context],
            &mut okm,
        );
        let mut keys = Self {
            key: [0; 32],
            base_nonce: [0; NONCE_LEN],
            commitment: [0; COMMITMENT_LEN],
        };
        keys.key.copy_from_slice(&okm[..32]);
        keys.base_nonce.copy_from_slice(&okm[32..32 + NONCE_LEN]);
        keys.commitment.copy_from_slice(&okm[32 + NONCE_LEN..]);
        okm.zeroize();
        keys
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&self.key).expect("32-byte key")
    }

    fn nonce(&self, index: u64) -> Nonce<aes_gcm::aead::consts::U12> {
        let mut nonce = self.base_nonce;
        for (byte, counter) in nonce[4..].iter_mut().zip(index.to_be_bytes()) {
            *byte ^= counter;
        }
        Nonce::from(nonce)
    }
}

impl Drop for DerivedKeys {
    fn drop(&mut self) {
        self.key.zeroize();
        self.base_nonce.zeroize();
    }
}

/// HKDF-Expand (RFC 5869 §2.3) with HMAC-SHA-512, `info` given in parts.
/// Written out because the spec uses a 32-byte PRK, shorter than the
/// `hkdf` crate accepts for SHA-512.
fn hkdf_expand_sha512(prk: &[u8], info: &[&[u8]], out: &mut [u8]) {
    assert!(out.len() <= 255 * 64, "HKDF-Expand output too long");
    let mut previous: Vec<u8> = Vec::new();
    for (counter, block) in (1u8..).zip(out.chunks_mut(64)) {
        let mut mac =
            <Hmac<Sha512> as Mac>::new_from_slice(prk).expect("HMAC takes any key length");
        mac.update(&previous);
        info.iter().for_each(|part| mac.update(part));
        mac.update(&[counter]);
        let t = mac.finalize().into_bytes();
        block.copy_from_slice(&t[..block.len()]);
        previous.zeroize();
        previous = t.to_vec();
    }
    previous.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Key32 {
        Key32::from_bytes([byte; 32])
    }

    /// Plaintext lengths on and around the chunk boundaries.
    const BOUNDARY_LENGTHS: [usize; 7] = [
        0,
        1,
        CHUNK_LEN - 1,
        CHUNK_LEN,
        CHUNK_LEN + 1,
        3 * CHUNK_LEN,
        3 * CHUNK_LEN + 7,
    ];

    #[test]
    fn round_trips_at_chunk_boundaries() {
        for len in BOUNDARY_LENGTHS {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let sealed = seal(&key(1), &[2; SALT_LEN], b"ctx", &plaintext);
            assert_eq!(sealed.len(), sealed_len(len), "length {len}");
            assert_eq!(
                open(&key(1), b"ctx", &sealed).unwrap(),
                plaintext,
                "length {len}"
            );
        }
    }

    #[test]
    fn chunk_keys_open_every_chunk_as_the_opener_does() {
        let plaintext: Vec<u8> = (0..2 * CHUNK_LEN + 9).map(|i| (i * 13) as u8).collect();
        let sealed = seal(&key(1), &[2; SALT_LEN], b"ctx", &plaintext);
        let keys = ChunkKeys::open(&key(1), b"ctx", &sealed[..PREFIX_LEN]).unwrap();
        let cipher = Aes256Gcm::new_from_slice(keys.key()).unwrap();
        let mut opened = Vec::new();
        for (index, record) in sealed[PREFIX_LEN..].chunks(CHUNK_LEN + TAG_LEN).enumerate() {
            let nonce = keys.nonce(index as u64);
            let mut expected_nonce = *keys.base_nonce();
            expected_nonce[11] ^= index as u8;
            assert_eq!(nonce, expected_nonce);
            let (chunk, tag) = record.split_at(record.len() - TAG_LEN);
            let mut chunk = chunk.to_vec();
            cipher
                .decrypt_in_place_detached(&nonce.into(), b"", &mut chunk, Tag::from_slice(tag))
                .unwrap();
            opened.extend(chunk);
        }
        assert_eq!(opened, plaintext);
        let mut other = sealed[..PREFIX_LEN].to_vec();
        other[SALT_LEN] ^= 1;
        assert!(
            ChunkKeys::open(&key(1), b"ctx", &other).is_err(),
            "commitment"
        );
        assert!(ChunkKeys::open(&key(1), b"other", &sealed[..PREFIX_LEN]).is_err());
        assert!(ChunkKeys::open(&key(1), b"ctx", &sealed[..PREFIX_LEN - 1]).is_err());
    }

    /// `sealed` (two whole chunks and a final one) with one bit flipped
    /// at telling places, and cut at record boundaries and inside records.
    fn tampered(sealed: &[u8]) -> Vec<(String, Vec<u8>)> {
        let flips = [
            0,
            SALT_LEN,
            PREFIX_LEN,
            PREFIX_LEN + CHUNK_LEN + 3,
            sealed.len() - 1,
        ]
        .map(|position| {
            let mut flipped = sealed.to_vec();
            flipped[position] ^= 1;
            (format!("flip at {position}"), flipped)
        });
        let boundary = PREFIX_LEN + 2 * (CHUNK_LEN + TAG_LEN);
        let cuts = [
            0,
            10,
            PREFIX_LEN,
            PREFIX_LEN + TAG_LEN,
            boundary,
            boundary + 1,
            sealed.len() - 1,
        ]
        .map(|cut| (format!("cut at {cut}"), sealed[..cut].to_vec()));
        flips.into_iter().chain(cuts).collect()
    }

    #[test]
    fn fails_closed_on_tampering() {
        let plaintext = vec![9u8; 2 * CHUNK_LEN + 100];
        let sealed = seal(&key(1), &[2; SALT_LEN], b"ctx", &plaintext);
        assert_eq!(open(&key(2), b"ctx", &sealed), Err(FormatError::Damaged));
        assert_eq!(open(&key(1), b"other", &sealed), Err(FormatError::Damaged));
        for (what, damaged) in tampered(&sealed) {
            assert_eq!(
                open(&key(1), b"ctx", &damaged),
                Err(FormatError::Damaged),
                "{what}"
            );
        }
        let mut swapped = sealed.clone();
        let record = CHUNK_LEN + TAG_LEN;
        swapped.copy_within(PREFIX_LEN..PREFIX_LEN + record, PREFIX_LEN + record);
        assert_eq!(open(&key(1), b"ctx", &swapped), Err(FormatError::Damaged));
    }

    /// Feeds `sealed` to a StreamOpener in pieces of `piece` bytes.
    fn open_streamed(sealed: &[u8], context: &[u8], piece: usize) -> Result<Vec<u8>, FormatError> {
        let mut opener = StreamOpener::new(&key(1), context);
        let mut out = Vec::new();
        for part in sealed.chunks(piece.max(1)) {
            out.extend(opener.push(part)?);
        }
        out.extend(opener.finish()?);
        Ok(out)
    }

    fn seal_streamed(plaintext: &[u8]) -> Vec<u8> {
        let mut sealer = StreamSealer::new(&key(1), &[2; SALT_LEN], b"ctx");
        let mut out = sealer.prefix().to_vec();
        let mut chunks = plaintext.chunks_exact(CHUNK_LEN);
        for chunk in &mut chunks {
            let mut chunk: [u8; CHUNK_LEN] = chunk.try_into().unwrap();
            let tag = sealer.seal_chunk(&mut chunk);
            out.extend_from_slice(&chunk);
            out.extend_from_slice(&tag);
        }
        let mut rest = chunks.remainder().to_vec();
        let tag = sealer.seal_final(&mut rest);
        out.extend_from_slice(&rest);
        out.extend_from_slice(&tag);
        out
    }

    #[test]
    fn streams_match_whole_messages_at_every_boundary() {
        for len in BOUNDARY_LENGTHS {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
            let sealed = seal(&key(1), &[2; SALT_LEN], b"ctx", &plaintext);
            assert_eq!(seal_streamed(&plaintext), sealed, "length {len}");
            for piece in [
                1,
                7,
                56,
                1000,
                CHUNK_LEN + TAG_LEN,
                CHUNK_LEN + TAG_LEN + 1,
                1 << 20,
            ] {
                if piece < 50 && len > CHUNK_LEN {
                    continue; // slow and adds nothing over 56 and 1000
                }
                assert_eq!(
                    open_streamed(&sealed, b"ctx", piece).unwrap(),
                    plaintext,
                    "length {len}, pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn streams_fail_closed_on_tampering_and_truncation() {
        let plaintext = vec![9u8; 2 * CHUNK_LEN + 100];
        let sealed = seal(&key(1), &[2; SALT_LEN], b"ctx", &plaintext);
        assert!(open_streamed(&sealed, b"other", 4096).is_err());
        for (what, damaged) in tampered(&sealed) {
            assert!(open_streamed(&damaged, b"ctx", 4096).is_err(), "{what}");
        }
        let mut extended = sealed.clone();
        extended.push(0);
        assert!(open_streamed(&extended, b"ctx", 4096).is_err());
    }
}
