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

use super::chunked::{self, SALT_LEN};
use super::header::{Header, SlotContents, SlotType};
use super::manifest::{BlobRef, Manifest, MAX_MANIFEST_LEN};
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
