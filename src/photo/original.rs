//! The originals stage: the file a download grant's client gets. By default
//! it is the source with its location and serial numbers removed
//! (`strip`), otherwise the source byte for byte. Nothing here writes to
//! the shoot folder: the file is read once into memory and sealed from
//! there (see `encrypt::Sealer::seal_original`).

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::photo::strip::{strip_private_metadata, StripError};

/// What a downloaded original keeps of the source's metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginalMetadata {
    /// Remove location (GPS, place names) and serial numbers.
    Strip,
    /// The source file exactly as it is.
    Keep,
}

impl Default for OriginalMetadata {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl OriginalMetadata {
    pub const DEFAULT: Self = Self::Strip;
    pub const NAMES: [&'static str; 2] = ["strip", "keep"];

    /// The name `parse` reads.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Strip => "strip",
            Self::Keep => "keep",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "strip" => Some(Self::Strip),
            "keep" => Some(Self::Keep),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OriginalError {
    #[error("cannot read the original '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove location and serial numbers from '{path}': {reason} (re-export the file, or build with --original-metadata keep to deliver it as it is)")]
    Strip { path: PathBuf, reason: StripError },
}

impl OriginalError {
    /// The original's file.
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. } | Self::Strip { path, .. } => path,
        }
    }
}

/// An original ready to be sealed.
pub struct PreparedOriginal {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub stripped: bool,
    pub crc32: u32,
    /// Modification time of the source, seconds since 1970.
    pub modified: i64,
}

/// Reads `path` and, with `Strip`, removes its private metadata.
pub fn prepare_original(
    path: &Path,
    metadata: OriginalMetadata,
) -> Result<PreparedOriginal, OriginalError> {
    let read_error = |source| OriginalError::Read {
        path: path.to_owned(),
        source,
    };
    let source = std::fs::read(path).map_err(read_error)?;
    let modified = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_secs() as i64);
    let (bytes, stripped) = match metadata {
        OriginalMetadata::Keep => (source, false),
        OriginalMetadata::Strip => {
            let (bytes, _) =
                strip_private_metadata(&source).map_err(|reason| OriginalError::Strip {
                    path: path.to_owned(),
                    reason,
                })?;
            // `true` only when something was removed: a file with nothing
            // to remove comes out byte for byte the source.
            let stripped = bytes != source;
            (bytes, stripped)
        }
    };
    Ok(PreparedOriginal {
        media_type: media_type(&bytes),
        crc32: crc32fast::hash(&bytes),
        bytes,
        stripped,
        modified,
    })
}

/// The media type from the file's magic bytes.
fn media_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "image/tiff"
    } else {
        "image/octet-stream"
    }
}
