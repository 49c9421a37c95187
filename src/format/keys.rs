//! Key material. A [`Key32`] zeroizes itself on drop and never prints.

use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 256-bit secret key (AES-256 key, PBKDF2 output, HKDF input).
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Key32([u8; 32]);

impl Key32 {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Copies a 32-byte slice; `None` for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(array))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32(<redacted>)")
    }
}

/// Keys appear in the manifest as lowercase hex.
impl serde::Serialize for Key32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::encoding::hex(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Key32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut text = <String as serde::Deserialize>::deserialize(deserializer)?;
        let key = super::encoding::hex_decode::<32>(&text).map(Self);
        text.zeroize();
        key.ok_or_else(|| serde::de::Error::custom("a key must be 64 lowercase hex digits"))
    }
}
