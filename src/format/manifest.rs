//! The manifest: everything a password holder may see, encrypted as one
//! blob. JSON (UTF-8), parsed strictly with size limits; unknown fields are
//! ignored so minor versions can add them.
//!
//! Every blob reference pins the blob's exact length and SHA-256, so a host
//! cannot swap, truncate or replace a blob, and even a holder of the blob's
//! key cannot substitute another ciphertext without changing the manifest.

use serde::{Deserialize, Serialize};

use super::encoding::{base32, base32_decode, hex, hex_decode};
use super::{FormatError, Id, Key32};

/// Manifest format number inside the JSON.
pub const MANIFEST_FORMAT: u32 = 1;
/// Largest manifest ciphertext a reader accepts (about 40,000 photos).
pub const MAX_MANIFEST_LEN: usize = 16 * 1024 * 1024;
/// Largest rendition blob a reader accepts.
pub const MAX_RENDITION_LEN: u64 = 64 * 1024 * 1024;
/// Largest original a reader accepts (a 4-gigapixel 16-bit TIFF fits).
pub const MAX_ORIGINAL_LEN: u64 = 64 << 30;
const MAX_TEXT_LEN: usize = 4096;
const MAX_PHOTOS: usize = 200_000;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The gallery id from the header, hex.
    pub gallery: String,
    pub title: String,
    pub albums: Vec<Album>,
    /// Last day (YYYY-MM-DD, the viewer's local time) the viewer shows the
    /// photos; advisory only: a static host cannot enforce it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// How many favourites the client may choose, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_limit: Option<u32>,
    /// The viewer may keep this grant unlocked for the browser tab's
    /// session (never the password; see the viewer).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remember: bool,
    /// Where "Send my selection" addresses its email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photographer_email: Option<String>,
}

/// Whether `text` is a calendar date written YYYY-MM-DD.
pub fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (
        year.parse().unwrap_or(0),
        month.parse().unwrap_or(0),
        day.parse().unwrap_or(0),
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Album {
    pub name: String,
    pub photos: Vec<Photo>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Photo {
    /// The source file's name, for the photographer's and client's eyes.
    pub file: String,
    pub caption: Option<String>,
    /// Upright size of the source.
    pub width: u32,
    pub height: u32,
    pub thumb: Rendition,
    pub preview: Rendition,
    /// The original file, only in the manifests of grants that may
    /// download: a view-only grant never holds its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Original>,
}

/// A photo's original file, encrypted as one chunked blob so it can be
/// decrypted as a stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Original {
    pub blob: BlobRef,
    /// Length of the file the client gets (the blob's content, unpadded).
    pub bytes: u64,
    /// CRC-32 (IEEE) of that file, for ZIP headers written before the data.
    pub crc32: u32,
    /// Its media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// Location and serial numbers were removed from the source's metadata;
    /// `false`: the file is the source, byte for byte.
    pub stripped: bool,
    /// The source file's modification time, seconds since 1970 (UTC).
    pub modified: i64,
}

impl Original {
    fn is_valid(&self) -> bool {
        let padded = super::padding::padme(self.bytes.saturating_add(1));
        let chunks = padded / super::chunked::CHUNK_LEN as u64 + 1;
        let expected_size =
            super::chunked::PREFIX_LEN as u64 + padded + chunks * super::chunked::TAG_LEN as u64;
        self.bytes <= MAX_ORIGINAL_LEN
            && self.blob.size == expected_size
            && self.blob.id_bytes().is_some()
            && self.blob.sha256_bytes().is_some()
            && self.media_type.len() <= 100
            && self.media_type.starts_with("image/")
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rendition {
    pub blob: BlobRef,
    pub width: u32,
    pub height: u32,
}

/// How to find and open one blob.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlobRef {
    /// Blob id, base32 (its file is `b/<id>`).
    pub id: String,
    pub key: Key32,
    /// Exact ciphertext length in bytes.
    pub size: u64,
    /// SHA-256 of the ciphertext, hex.
    pub sha256: String,
}

impl BlobRef {
    pub fn new(id: &Id, key: Key32, ciphertext: &[u8]) -> Self {
        use sha2::Digest;
        Self {
            id: base32(id),
            key,
            size: ciphertext.len() as u64,
            sha256: hex(&sha2::Sha256::digest(ciphertext)),
        }
    }

    pub fn id_bytes(&self) -> Option<Id> {
        base32_decode::<16>(&self.id)
    }

    pub fn sha256_bytes(&self) -> Option<[u8; 32]> {
        hex_decode::<32>(&self.sha256)
    }

    /// Relative path of the blob in the site.
    pub fn path(&self) -> String {
        format!("{}/{}", super::BLOB_DIR, self.id)
    }
}

impl Manifest {
    /// Parses decrypted manifest JSON and checks it belongs to `gallery_id`.
    pub fn parse(json: &[u8], gallery_id: &Id) -> Result<Self, FormatError> {
        let manifest: Self =
            serde_json::from_slice(json).map_err(|_| FormatError::BadManifest("not valid JSON"))?;
        manifest.validate(gallery_id)?;
        Ok(manifest)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("manifest types always serialise")
    }

    pub fn photos(&self) -> impl Iterator<Item = (&Album, &Photo)> {
        self.albums
            .iter()
            .flat_map(|album| album.photos.iter().map(move |photo| (album, photo)))
    }

    /// How many photos have an original this manifest's grant may download.
    pub fn originals(&self) -> usize {
        self.photos().filter(|(_, p)| p.original.is_some()).count()
    }

    fn validate(&self, gallery_id: &Id) -> Result<(), FormatError> {
        let bad = FormatError::BadManifest;
        if self.format != MANIFEST_FORMAT {
            return Err(bad("unknown manifest format"));
        }
        if hex_decode::<16>(&self.gallery).as_ref() != Some(gallery_id) {
            return Err(bad("belongs to another gallery"));
        }
        if self.photos().count() > MAX_PHOTOS {
            return Err(bad("too many photos"));
        }
        let texts_ok = self.title.len() <= MAX_TEXT_LEN
            && self
                .albums
                .iter()
                .all(|album| album.name.len() <= MAX_TEXT_LEN)
            && self.photos().all(|(_, photo)| {
                photo.file.len() <= MAX_TEXT_LEN
                    && photo
                        .caption
                        .as_ref()
                        .is_none_or(|c| c.len() <= MAX_TEXT_LEN)
            });
        if !texts_ok {
            return Err(bad("text too long"));
        }
        if self
            .photographer_email
            .as_ref()
            .is_some_and(|email| email.len() > 254 || !email.contains('@'))
        {
            return Err(bad("invalid photographer email"));
        }
        if self
            .expires
            .as_deref()
            .is_some_and(|date| !is_iso_date(date))
        {
            return Err(bad("invalid expiry date"));
        }
        let refs_ok = self.photos().all(|(_, photo)| {
            [&photo.thumb, &photo.preview].iter().all(|rendition| {
                let blob = &rendition.blob;
                blob.id_bytes().is_some()
                    && blob.sha256_bytes().is_some()
                    && blob.size <= MAX_RENDITION_LEN
            })
        });
        if !refs_ok {
            return Err(bad("invalid blob reference"));
        }
        let originals_ok = self
            .photos()
            .all(|(_, photo)| photo.original.as_ref().is_none_or(Original::is_valid));
        if !originals_ok {
            return Err(bad("invalid original"));
        }
        Ok(())
    }
}
