//! The public header, `gallery.bin`: KDF parameters and a fixed-size table of
//! key slots. Layout (all integers big-endian):
//!
//! ```text
//! prefix = "LPROOF" || major u8 (1) || minor u8 (1) || gallery_id[16]
//!          || kdf_alg u8 || kdf_params || kdf_salt[32] || slot_count u8
//! kdf_params = iterations u32                       (kdf_alg 1, PBKDF2-HMAC-SHA-256)
//!            | memory_kib u32 || passes u32 || lanes u32   (kdf_alg 2, Argon2id)
//! header = prefix || slot[slot_count]
//! slot   = slot_salt[16] || commit[16] || AES-256-GCM(K_wrap, 0^12, prefix,
//!                                                  manifest_id[16] || manifest_key[32])
//! K_pw   = PBKDF2-HMAC-SHA-256(NFC(password), "lightproof.v1/pbkdf2" || kdf_salt,
//!                              iterations, 32)
//!        | Argon2id v0x13(NFC(password), "lightproof.v1/argon2id" || kdf_salt,
//!                         memory_kib, passes, lanes, 32)
//! K_wrap || commit = HKDF-SHA-256(ikm = K_pw, salt = slot_salt,
//!                    info = "lightproof.v1/slot" || slot_type || SHA-256(prefix), 48)
//! ```
//!
//! Every parameter is range-checked in [`Header::parse`] before any key is
//! derived, and the prefix is the AAD of every slot, so a host that lowers
//! the cost, changes the algorithm or swaps the salt makes every slot fail.
//! Unused slots hold random bytes, so the number of passwords is not visible.
//! All slots share the one `kdf_salt`, drawn afresh for every build: see
//! docs/SECURITY.md ("One salt per build") for why not one per slot.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{FormatError, Id, Key32, ID_LEN};

pub const MAGIC: &[u8; 6] = b"LPROOF";
pub const VERSION_MAJOR: u8 = 1;
/// Minor 1 added Argon2id (`kdf_alg` 2); minor-0 headers are PBKDF2.
pub const VERSION_MINOR: u8 = 1;
pub const KDF_PBKDF2_SHA256: u8 = 1;
pub const KDF_ARGON2ID: u8 = 2;
/// OWASP's floor for PBKDF2-HMAC-SHA-256; lower counts are refused.
pub const MIN_ITERATIONS: u32 = 600_000;
/// Upper bound, so a hostile header cannot make a viewer work for minutes.
pub const MAX_ITERATIONS: u32 = 10_000_000;
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// OWASP's Argon2id floor (19 MiB, 2 passes, 1 lane); lower is refused.
pub const ARGON2_MIN_MEMORY_KIB: u32 = 19 * 1024;
/// Upper bounds, so a hostile header cannot make a phone allocate more
/// than 256 MiB or hash for minutes.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;
pub const ARGON2_MIN_PASSES: u32 = 2;
pub const ARGON2_MAX_PASSES: u32 = 10;
pub const ARGON2_MAX_LANES: u32 = 4;
/// The default for new galleries (see docs/PERFORMANCE.md for its cost).
pub const DEFAULT_KDF: Kdf = Kdf::Argon2id {
    memory_kib: 64 * 1024,
    passes: 3,
    lanes: 1,
};
pub const KDF_SALT_LEN: usize = 32;
pub const MAX_SLOTS: usize = 32;
pub const DEFAULT_SLOTS: usize = 8;
pub const SLOT_SALT_LEN: usize = 16;
pub const SLOT_COMMIT_LEN: usize = 16;
const SLOT_PLAINTEXT_LEN: usize = ID_LEN + Key32::LEN;
pub const SLOT_LEN: usize = SLOT_SALT_LEN + SLOT_COMMIT_LEN + SLOT_PLAINTEXT_LEN + 16;
/// Where `kdf_params` start: after magic, major, minor, gallery id, kdf_alg.
pub const KDF_PARAMS_AT: usize = 6 + 1 + 1 + ID_LEN + 1;
/// Length of a PBKDF2 header's prefix (62 bytes).
pub const PREFIX_LEN: usize = KDF_PARAMS_AT + 4 + KDF_SALT_LEN + 1;
/// Length of an Argon2id header's prefix (70 bytes).
pub const ARGON2_PREFIX_LEN: usize = KDF_PARAMS_AT + 12 + KDF_SALT_LEN + 1;
const PBKDF2_LABEL: &[u8] = b"lightproof.v1/pbkdf2";
const ARGON2_LABEL: &[u8] = b"lightproof.v1/argon2id";
const SLOT_LABEL: &[u8] = b"lightproof.v1/slot";

/// The password KDF and its cost, as the header states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// `kdf_alg` 1: PBKDF2-HMAC-SHA-256 (galleries before minor 1).
    Pbkdf2 { iterations: u32 },
    /// `kdf_alg` 2: Argon2id (RFC 9106, version 0x13).
    Argon2id {
        memory_kib: u32,
        passes: u32,
        lanes: u32,
    },
}

/// A bare number is a PBKDF2 iteration count (as before Argon2id).
impl From<u32> for Kdf {
    fn from(iterations: u32) -> Self {
        Self::Pbkdf2 { iterations }
    }
}

impl Kdf {
    pub fn alg(&self) -> u8 {
        match self {
            Self::Pbkdf2 { .. } => KDF_PBKDF2_SHA256,
            Self::Argon2id { .. } => KDF_ARGON2ID,
        }
    }

    /// The `kdf_params` bytes.
    fn params(&self) -> Vec<u8> {
        match *self {
            Self::Pbkdf2 { iterations } => iterations.to_be_bytes().to_vec(),
            Self::Argon2id {
                memory_kib,
                passes,
                lanes,
            } => [memory_kib, passes, lanes]
                .iter()
                .flat_map(|n| n.to_be_bytes())
                .collect(),
        }
    }

    /// Reads `kdf_alg` and `kdf_params` at the start of `bytes` and checks
    /// every bound. Returns the KDF and the length of its parameters.
    fn parse(bytes: &[u8]) -> Result<(Self, usize), FormatError> {
        let number = |i: usize| -> Result<u32, FormatError> {
            let field = bytes
                .get(1 + 4 * i..5 + 4 * i)
                .ok_or(FormatError::NotAGallery)?;
            Ok(u32::from_be_bytes(field.try_into().expect("4 bytes")))
        };
        let kdf = match bytes.first() {
            Some(&KDF_PBKDF2_SHA256) => Self::Pbkdf2 {
                iterations: number(0)?,
            },
            Some(&KDF_ARGON2ID) => Self::Argon2id {
                memory_kib: number(0)?,
                passes: number(1)?,
                lanes: number(2)?,
            },
            _ => return Err(FormatError::BadParameters("unknown key derivation")),
        };
        kdf.check_bounds()?;
        Ok((kdf, kdf.params().len()))
    }

    /// Refuses a cost below the floor (too cheap to guess against) or above
    /// the cap (too costly for a phone).
    pub fn check_bounds(&self) -> Result<(), FormatError> {
        match *self {
            Self::Pbkdf2 { iterations } => {
                if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
                    return Err(FormatError::BadParameters("iteration count"));
                }
            }
            Self::Argon2id {
                memory_kib,
                passes,
                lanes,
            } => {
                if !(ARGON2_MIN_MEMORY_KIB..=ARGON2_MAX_MEMORY_KIB).contains(&memory_kib) {
                    return Err(FormatError::BadParameters("Argon2 memory"));
                }
                if !(ARGON2_MIN_PASSES..=ARGON2_MAX_PASSES).contains(&passes) {
                    return Err(FormatError::BadParameters("Argon2 passes"));
                }
                if !(1..=ARGON2_MAX_LANES).contains(&lanes) {
                    return Err(FormatError::BadParameters("Argon2 lanes"));
                }
            }
        }
        Ok(())
    }
}

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
    pub kdf: Kdf,
    pub kdf_salt: [u8; KDF_SALT_LEN],
    pub slots: Vec<[u8; SLOT_LEN]>,
}

impl Header {
    /// A header whose slots are all filled with `filler` (random bytes from
    /// the caller); fill real slots with [`Header::seal_slot`].
    pub fn new(
        gallery_id: Id,
        kdf: impl Into<Kdf>,
        kdf_salt: [u8; KDF_SALT_LEN],
        filler: Vec<[u8; SLOT_LEN]>,
    ) -> Self {
        Self {
            minor: VERSION_MINOR,
            gallery_id,
            kdf: kdf.into(),
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
        let (kdf, params_len) = Kdf::parse(&bytes[KDF_PARAMS_AT - 1..])?;
        let salt_at = KDF_PARAMS_AT + params_len;
        let prefix_len = salt_at + KDF_SALT_LEN + 1;
        let slot_count = usize::from(*bytes.get(prefix_len - 1).ok_or(FormatError::NotAGallery)?);
        if !(1..=MAX_SLOTS).contains(&slot_count) {
            return Err(FormatError::BadParameters("slot count"));
        }
        if bytes.len() != prefix_len + slot_count * SLOT_LEN {
            return Err(FormatError::NotAGallery);
        }
        let slots = bytes[prefix_len..]
            .chunks_exact(SLOT_LEN)
            .map(|slot| slot.try_into().expect("exact chunk"))
            .collect();
        Ok(Self {
            minor: bytes[7],
            gallery_id: bytes[8..8 + ID_LEN].try_into().expect("16 bytes"),
            kdf,
            kdf_salt: bytes[salt_at..salt_at + KDF_SALT_LEN]
                .try_into()
                .expect("32 bytes"),
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
        let mut out = Vec::with_capacity(ARGON2_PREFIX_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[VERSION_MAJOR, self.minor]);
        out.extend_from_slice(&self.gallery_id);
        out.push(self.kdf.alg());
        out.extend_from_slice(&self.kdf.params());
        out.extend_from_slice(&self.kdf_salt);
        out.push(self.slots.len() as u8);
        out
    }

    /// The PBKDF2 salt: label || kdf_salt. The viewer passes it to WebCrypto.
    pub fn pbkdf2_salt(&self) -> Vec<u8> {
        [PBKDF2_LABEL, &self.kdf_salt].concat()
    }

    /// The Argon2id salt: label || kdf_salt.
    pub fn argon2_salt(&self) -> Vec<u8> {
        [ARGON2_LABEL, &self.kdf_salt].concat()
    }

    /// `K_pw` from an NFC-normalised UTF-8 password (the caller normalises).
    /// The slow step: PBKDF2 or Argon2id as the header says.
    pub fn derive_password_key(&self, password_nfc: &[u8]) -> Key32 {
        let mut out = [0u8; 32];
        match self.kdf {
            Kdf::Pbkdf2 { iterations } => pbkdf2::pbkdf2_hmac::<Sha256>(
                password_nfc,
                &self.pbkdf2_salt(),
                iterations,
                &mut out,
            ),
            Kdf::Argon2id {
                memory_kib,
                passes,
                lanes,
            } => argon2id(
                password_nfc,
                &self.argon2_salt(),
                (memory_kib, passes, lanes),
                &mut out,
            ),
        }
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

/// Argon2id (version 0x13, no secret, no associated data) into `out`.
/// The parameters are within the header's bounds, which the crate accepts.
fn argon2id(
    password: &[u8],
    salt: &[u8],
    (memory_kib, passes, lanes): (u32, u32, u32),
    out: &mut [u8; 32],
) {
    let params = argon2::Params::new(memory_kib, passes, lanes, Some(out.len()))
        .expect("bounded parameters are valid Argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password, salt, out)
        .expect("bounded parameters, a salt of 54 bytes, a 32-byte output");
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
