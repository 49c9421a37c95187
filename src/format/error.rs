//! Errors of the format layer. Each is stable and coarse on purpose: the viewer
//! maps them to a status code, and an attacker learns nothing from which check
//! failed beyond the category.

use core::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The bytes are not a lightproof header (wrong magic or length).
    NotAGallery,
    /// A major version this code does not implement.
    UnsupportedVersion { major: u8 },
    /// Header parameters outside the accepted range (checked before any work).
    BadParameters(&'static str),
    /// No key slot opened with the given password or key.
    WrongPassword,
    /// A blob or manifest failed authentication, is truncated, or has the
    /// wrong length, hash or padding.
    Damaged,
    /// The manifest decrypted but its contents are not valid.
    BadManifest(&'static str),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAGallery => write!(f, "not a lightproof gallery header"),
            Self::UnsupportedVersion { major } => {
                write!(f, "made by a newer lightproof (format version {major})")
            }
            Self::BadParameters(what) => write!(f, "header parameters out of range: {what}"),
            Self::WrongPassword => write!(f, "the password does not open this gallery"),
            Self::Damaged => write!(f, "damaged: failed authentication"),
            Self::BadManifest(what) => write!(f, "the manifest is not valid: {what}"),
        }
    }
}

impl std::error::Error for FormatError {}
