//! The lightproof on-disk format, version 1 (see `docs/FORMAT.md`).
//!
//! This module is compiled into both the generator and the WebAssembly viewer,
//! so every byte the host serves is parsed and decrypted by the same code. It
//! needs no random numbers: callers that seal pass their salts and keys in.
//!
//! Layers, from the password down:
//! - [`header`]: the public `gallery.bin` — KDF parameters and fixed-size key
//!   slots, each wrapping the id and key of one manifest.
//! - [`manifest`]: the encrypted list of albums and photos, holding each
//!   blob's id, key, length and SHA-256.
//! - [`chunked`]: C2SP chunked encryption (AES-256-GCM, HKDF-SHA-512), used for
//!   every blob, bound to the gallery, the blob id and the blob kind.
//! - [`padding`]: plaintexts are padded to Padmé lengths inside the AEAD.

pub mod chunked;
pub mod encoding;
pub mod header;
pub mod keys;
pub mod manifest;
pub mod padding;
pub mod segments;
pub mod selection_code;
pub mod vault;

mod error;

pub use error::FormatError;
pub use keys::Key32;

/// Name of the public header file at the root of a site.
pub const HEADER_FILE: &str = "gallery.bin";
/// Folder (flat) that holds every ciphertext blob.
pub const BLOB_DIR: &str = "b";

/// Length of a gallery id and of a blob id, in bytes.
pub const ID_LEN: usize = 16;

/// A random 128-bit identifier: a gallery id or a blob id.
pub type Id = [u8; ID_LEN];

/// What a blob holds. The kind is bound into the blob's key derivation, so a
/// thumbnail can never be accepted as a preview or as a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BlobKind {
    Manifest = 1,
    Thumbnail = 2,
    Preview = 3,
    /// The photographer's original file (or a copy without location and
    /// serial numbers), for grants that may download.
    Original = 4,
    /// A file of the studio's branding, shown with the gallery: the logo
    /// (an image) or the font (see the manifest's `studio`).
    Studio = 5,
}

/// Relative path of a blob inside a site: `b/<26 base32 characters>`.
pub fn blob_path(id: &Id) -> String {
    format!("{BLOB_DIR}/{}", encoding::base32(id))
}
