//! The public header, `gallery.bin`: KDF parameters and a fixed-size table of
//! key slots. Layout (all integers big-endian):
//!
//! ```text
//! prefix = "LPROOF" || major u8 (1) || minor u8 (0) || gallery_id[16]
//!          || kdf_alg u8 (1 = PBKDF2-HMAC-SHA-256) || kdf_iterations u32
//!          || kdf_salt[32] || slot_count u8
//! header = prefix || slot[slot_count]
//! slot   = slot_salt[16] || commit[16] || AES-256-GCM(K_wrap, 0^12, prefix,
//!                                                  manifest_id[16] || manifest_key[32])
//! K_pw   = PBKDF2-HMAC-SHA-256(NFC(password), "lightproof.v1/pbkdf2" || kdf_salt,
//!                              kdf_iterations, 32)
//! K_wrap || commit = HKDF-SHA-256(ikm = K_pw, salt = slot_salt,
//!                    info = "lightproof.v1/slot" || slot_type || SHA-256(prefix), 48)
//! ```
//!
//! Every parameter is range-checked in [`Header::parse`] before any key is
//! derived, and the prefix is the AAD of every slot, so a host that lowers
//! the iteration count or swaps the salt makes every slot fail. Unused slots
//! hold random bytes, so the number of passwords is not visible.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{FormatError, Id, Key32, ID_LEN};

pub const MAGIC: &[u8; 6] = b"LPROOF";
pub const VERSION_MAJOR: u8 = 1;
pub const VERSION_MINOR: u8 = 0;
pub const KDF_PBKDF2_SHA256: u8 = 1;
/// OWASP's floor for PBKDF2-HMAC-SHA-256; lower counts are refused.
pub const MIN_ITERATIONS: u32 = 600_000;
/// Upper bound, so a hostile header cannot make a viewer work for minutes.
pub const MAX_ITERATIONS: u32 = 10_000_000;
pub const DEFAULT_ITERATIONS: u32 = 600_000;
pub const KDF_SALT_LEN: usize = 32;
pub const MAX_SLOTS: usize = 32;
pub const DEFAULT_SLOTS: usize = 8;
pub const SLOT_SALT_LEN: usize = 16;
pub const SLOT_COMMIT_LEN: usize = 16;
const SLOT_PLAINTEXT_LEN: usize = ID_LEN + Key32::LEN;
pub const SLOT_LEN: usize = SLOT_SALT_LEN + SLOT_COMMIT_LEN + SLOT_PLAINTEXT_LEN + 16;
pub const PREFIX_LEN: usize = 6 + 1 + 1 + ID_LEN + 1 + 4 + KDF_SALT_LEN + 1;
const PBKDF2_LABEL: &[u8] = b"lightproof.v1/pbkdf2";
const SLOT_LABEL: &[u8] = b"lightproof.v1/slot";

/// How a slot's wrapping key is obtained. Bound into the slot's HKDF info.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SlotType {
    /// ikm = PBKDF2 of the password.
    Password = 1,
    /// ikm = the 32-byte secret in a key link's fragment.
    Link = 2,
    /// ikm = HMAC-SHA-256(link secret, "lightproof.v1/two-factor" ||
    /// PBKDF2 of the password): needs both the link and the password.
    LinkAndPassword = 3,
}

/// What a slot unwraps to: the manifest this password may read.
#[derive(Debug)]
pub struct SlotContents {
    pub manifest_id: Id,
    pub manifest_key: Key32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub minor: u8,
    pub gallery_id: Id,
    pub kdf_iterations: u32,
    pub kdf_salt: [u8; KDF_SALT_LEN],
    pub slots: Vec<[u8; SLOT_LEN]>,
}

impl Header {
    /// A header whose slots are all filled with `filler` (random bytes from
    /// the caller); fill real slots with [`Header::seal_slot`].
    pub fn new(
        gallery_id: Id,
        kdf_iterations: u32,
        kdf_salt: [u8; KDF_SALT_LEN],
        filler: Vec<[u8; SLOT_LEN]>,
    ) -> Self {
        Self {
            minor: VERSION_MINOR,
            gallery_id,
            kdf_iterations,
            kdf_salt,
            slots: filler,
        }
    }

    /// Parses and range-checks a header. Does no key derivation.
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() < PREFIX_LEN || &bytes[..6] != MAGIC {
            return Err(FormatError::NotAGallery);
        }
        let major = bytes[6];
        if major != VERSION_MAJOR {
            return Err(FormatError::UnsupportedVersion { major });
        }
        let field = |at: usize, len: usize| &bytes[at..at + len];
        if bytes[24] != KDF_PBKDF2_SHA256 {
            return Err(FormatError::BadParameters("unknown key derivation"));
        }
        let kdf_iterations = u32::from_be_bytes(field(25, 4).try_into().expect("4 bytes"));
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&kdf_iterations) {
            return Err(FormatError::BadParameters("iteration count"));
        }
        let slot_count = usize::from(bytes[PREFIX_LEN - 1]);
        if !(1..=MAX_SLOTS).contains(&slot_count) {
            return Err(FormatError::BadParameters("slot count"));
        }
        if bytes.len() != PREFIX_LEN + slot_count * SLOT_LEN {
            return Err(FormatError::NotAGallery);
        }
        let slots = bytes[PREFIX_LEN..]
            .chunks_exact(SLOT_LEN)
            .map(|slot| slot.try_into().expect("exact chunk"))
            .collect();
        Ok(Self {
            minor: bytes[7],
            gallery_id: field(8, ID_LEN).try_into().expect("16 bytes"),
            kdf_iterations,
            kdf_salt: field(29, KDF_SALT_LEN).try_into().expect("32 bytes"),
            slots,
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.prefix();
        self.slots
            .iter()
            .for_each(|slot| out.extend_from_slice(slot));
        out
    }

    /// The authenticated part before the slots.
    pub fn prefix(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PREFIX_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[VERSION_MAJOR, self.minor]);
        out.extend_from_slice(&self.gallery_id);
        out.push(KDF_PBKDF2_SHA256);
        out.extend_from_slice(&self.kdf_iterations.to_be_bytes());
        out.extend_from_slice(&self.kdf_salt);
        out.push(self.slots.len() as u8);
        out
    }

    /// The PBKDF2 salt: label || kdf_salt. The viewer passes it to WebCrypto.
    pub fn pbkdf2_salt(&self) -> Vec<u8> {
        [PBKDF2_LABEL, &self.kdf_salt].concat()
    }

    /// `K_pw` from an NFC-normalised UTF-8 password (the caller normalises).
    pub fn derive_password_key(&self, password_nfc: &[u8]) -> Key32 {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(
            password_nfc,
            &self.pbkdf2_salt(),
            self.kdf_iterations,
            &mut out,
        );
        let key = Key32::from_bytes(out);
        out.zeroize();
        key
    }

    /// Writes slot `index` so that `ikm` (e.g. `K_pw`) unwraps `contents`.
    /// `slot_salt` MUST be fresh random bytes for every write.
    pub fn seal_slot(
        &mut self,
        index: usize,
        ikm: &Key32,
        slot_type: SlotType,
        slot_salt: [u8; SLOT_SALT_LEN],
        contents: &SlotContents,
    ) {
        let prefix = self.prefix();
        let (wrap, commit) = slot_keys(&prefix, ikm, slot_type, &slot_salt);
        let mut body = [0u8; SLOT_PLAINTEXT_LEN + 16];
        body[..ID_LEN].copy_from_slice(&contents.manifest_id);
        body[ID_LEN..SLOT_PLAINTEXT_LEN].copy_from_slice(contents.manifest_key.as_bytes());
        let tag = wrap_cipher(&wrap)
            .encrypt_in_place_detached(&Nonce::default(), &prefix, &mut body[..SLOT_PLAINTEXT_LEN])
            .expect("48 bytes");
        body[SLOT_PLAINTEXT_LEN..].copy_from_slice(&tag);
        let slot = &mut self.slots[index];
        slot[..SLOT_SALT_LEN].copy_from_slice(&slot_salt);
        slot[SLOT_SALT_LEN..SLOT_SALT_LEN + SLOT_COMMIT_LEN].copy_from_slice(&commit);
        slot[SLOT_SALT_LEN + SLOT_COMMIT_LEN..].copy_from_slice(&body);
    }

    /// Tries every slot with `ikm`; the first that authenticates wins.
    pub fn open_slots(
        &self,
        ikm: &Key32,
        slot_type: SlotType,
    ) -> Result<SlotContents, FormatError> {
        let prefix = self.prefix();
        self.slots
            .iter()
            .find_map(|slot| open_slot(&prefix, slot, ikm, slot_type))
            .ok_or(FormatError::WrongPassword)
    }
}

fn open_slot(
    prefix: &[u8],
    slot: &[u8; SLOT_LEN],
    ikm: &Key32,
    slot_type: SlotType,
) -> Option<SlotContents> {
    let (salt, rest) = slot.split_at(SLOT_SALT_LEN);
    let (commit, sealed) = rest.split_at(SLOT_COMMIT_LEN);
    let (wrap, expected) = slot_keys(prefix, ikm, slot_type, salt.try_into().expect("16 bytes"));
    if !bool::from(expected.ct_eq(commit)) {
        return None;
    }
    let (ciphertext, tag) = sealed.split_at(SLOT_PLAINTEXT_LEN);
    let mut body = [0u8; SLOT_PLAINTEXT_LEN];
    body.copy_from_slice(ciphertext);
    let opened = wrap_cipher(&wrap).decrypt_in_place_detached(
        &Nonce::default(),
        prefix,
        &mut body,
        Tag::from_slice(tag),
    );
    let contents = opened.ok().map(|()| SlotContents {
        manifest_id: body[..ID_LEN].try_into().expect("16 bytes"),
        manifest_key: Key32::from_slice(&body[ID_LEN..]).expect("32 bytes"),
    });
    body.zeroize();
    contents
}

fn slot_keys(
    prefix: &[u8],
    ikm: &Key32,
    slot_type: SlotType,
    slot_salt: &[u8; SLOT_SALT_LEN],
) -> (Key32, [u8; SLOT_COMMIT_LEN]) {
    let info = [SLOT_LABEL, &[slot_type as u8], &Sha256::digest(prefix)].concat();
    let mut okm = [0u8; 32 + SLOT_COMMIT_LEN];
    Hkdf::<Sha256>::new(Some(slot_salt), ikm.as_bytes())
        .expand(&info, &mut okm)
        .expect("48 bytes is a valid HKDF-SHA-256 length");
    let wrap = Key32::from_slice(&okm[..32]).expect("32 bytes");
    let commit = okm[32..].try_into().expect("16 bytes");
    okm.zeroize();
    (wrap, commit)
}

fn wrap_cipher(wrap: &Key32) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(wrap.as_bytes()).expect("32-byte key")
}
