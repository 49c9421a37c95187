//! The encrypt stage: fresh keys, ids and salts (from [`crate::random`]),
//! and the calls into `format` that seal each blob, the manifest and the
//! header's key slot.

use crate::format::chunked::SALT_LEN;
use crate::format::header::{
    Header, Kdf, SlotContents, SlotType, DEFAULT_SLOTS, KDF_SALT_LEN, SLOT_LEN, SLOT_SALT_LEN,
};
use crate::format::manifest::{BlobRef, Original};
use crate::format::{vault, BlobKind, Id, Key32};
use crate::photo::original::PreparedOriginal;
use crate::random::random;
use crate::shoot::password::Password;
use crate::site::writer::{SiteWriter, WriteError};

/// One sealed blob, ready to be written as `b/<id>`.
pub struct SealedBlob {
    pub id: Id,
    pub ciphertext: Vec<u8>,
    /// The manifest's reference: id, key, length, SHA-256.
    pub blob: BlobRef,
}

/// Seals everything for one gallery id.
pub struct Sealer {
    gallery_id: Id,
}

impl Sealer {
    pub fn new(gallery_id: Id) -> Self {
        Self { gallery_id }
    }

    pub fn gallery_id(&self) -> &Id {
        &self.gallery_id
    }

    /// Encrypts one rendition under a fresh key and a fresh random id.
    pub fn seal(&self, kind: BlobKind, content: &[u8]) -> SealedBlob {
        let (id, key) = (random::<16>(), Key32::from_bytes(random()));
        let ciphertext = vault::seal_blob(
            &self.gallery_id,
            &id,
            kind,
            &key,
            &random::<SALT_LEN>(),
            content,
        );
        let blob = BlobRef::new(&id, key, &ciphertext);
        SealedBlob {
            id,
            ciphertext,
            blob,
        }
    }

    /// Encrypts an original under a fresh key and id, streaming it into
    /// the site through `writer`.
    pub fn seal_original(
        &self,
        prepared: &PreparedOriginal,
        writer: &SiteWriter,
    ) -> Result<Original, WriteError> {
        let (id, key) = (random::<16>(), Key32::from_bytes(random()));
        let blob = writer.write_blob_with(&id, |out| {
            vault::seal_original_to(
                out,
                &self.gallery_id,
                &id,
                &key,
                &random::<SALT_LEN>(),
                &prepared.bytes,
            )
        })?;
        Ok(Original {
            blob,
            bytes: prepared.bytes.len() as u64,
            crc32: prepared.crc32,
            media_type: prepared.media_type.to_owned(),
            stripped: prepared.stripped,
            modified: prepared.modified,
        })
    }

    /// Encrypts the manifest JSON; returns the blob and what the key slot
    /// holds.
    pub fn seal_manifest(&self, json: &[u8]) -> (SealedBlob, SlotContents) {
        let sealed = self.seal(BlobKind::Manifest, json);
        let slot = SlotContents {
            manifest_id: sealed.id,
            manifest_key: sealed.blob.key.clone(),
        };
        (sealed, slot)
    }

    /// A header with random filler slots and one password key per grant:
    /// the slow part (Argon2id or PBKDF2), which a build runs while it renders.
    pub fn prepare_header(&self, kdf: Kdf, passwords: &[&Password]) -> PreparedHeader {
        let filler = (0..DEFAULT_SLOTS).map(|_| random::<SLOT_LEN>()).collect();
        let header = Header::new(
            self.gallery_id,
            kdf,
            // Fresh for every build, so no guessing work carries over from
            // an earlier build of this or any other gallery.
            random::<KDF_SALT_LEN>(),
            filler,
        );
        let password_keys = passwords
            .iter()
            .map(|password| header.derive_password_key(password.as_bytes()))
            .collect();
        PreparedHeader {
            header,
            password_keys,
        }
    }

    /// The header with each slot sealed at a random index, so slot order
    /// says nothing about grants; the other slots stay random filler, and
    /// their indices are returned (`grant-picks` fills one later).
    pub fn seal_header(
        &self,
        prepared: PreparedHeader,
        slots: &[SlotEntry],
    ) -> (Header, Vec<usize>) {
        let mut header = prepared.header;
        assert!(slots.len() <= DEFAULT_SLOTS, "grants::check counts slots");
        let mut indices = shuffled_slot_indices();
        let free = indices.split_off(slots.len());
        for (slot, index) in slots.iter().zip(indices) {
            header.seal_slot(
                index,
                &slot.ikm,
                slot.kind,
                random::<SLOT_SALT_LEN>(),
                &slot.contents,
            );
        }
        (header, free)
    }
}

/// One key slot to write: what unwraps it, and what it holds.
pub struct SlotEntry {
    pub ikm: Key32,
    pub kind: SlotType,
    pub contents: SlotContents,
}

/// 0..DEFAULT_SLOTS in a random order (Fisher–Yates; the modulo bias of a
/// 32-bit draw over at most 8 is below 2^-28, and only hides slot order).
fn shuffled_slot_indices() -> Vec<usize> {
    let mut indices: Vec<usize> = (0..DEFAULT_SLOTS).collect();
    for i in (1..indices.len()).rev() {
        let j = u32::from_le_bytes(random::<4>()) as usize % (i + 1);
        indices.swap(i, j);
    }
    indices
}

/// A header whose password keys are derived but whose slots are not yet
/// sealed.
pub struct PreparedHeader {
    header: Header,
    password_keys: Vec<Key32>,
}

impl PreparedHeader {
    /// The KDF output of password `index` (in the order given to `prepare_header`).
    pub fn password_key(&self, index: usize) -> &Key32 {
        &self.password_keys[index]
    }
}
