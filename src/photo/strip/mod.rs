//! Location and serial numbers out of an original photo file, every other
//! byte kept.
//!
//! Clients may download the photographer's originals. The copy they get is
//! the source file without its location (the EXIF GPS directory, XMP and
//! IPTC that name a place, ImageMagick's `exif:GPS*` PNG text) and without
//! the serial numbers and owner name of camera and lens (with the maker
//! note, which repeats them in vendor form). Invariants:
//! - Image data is never touched: a JPEG's primary image is copied
//!   unchanged from its first SOS marker through its EOI, and PNG, WebP and
//!   TIFF image chunks and strips keep their bytes and places.
//! - Further images appended to a JPEG after its EOI go, with the MPF index
//!   that points at them, when they hold an SOI or "Exif": MPF (CIPA
//!   DC-007) previews and depth maps each carry their own EXIF, GPS and
//!   serial numbers included. Other trailing bytes are kept.
//! - EXIF is edited in place. An entry is removed by shifting the later
//!   entries of its directory up and zeroing its out-of-line value. Nothing
//!   moves, so every other TIFF offset (absolute from the TIFF header)
//!   stays valid and no segment or chunk changes length.
//! - A metadata block that cannot be read safely is removed whole, never
//!   shipped unread. A TIFF file whose directories cannot be read is refused.
//! - The output is byte-identical to the input exactly when
//!   [`Removed::any`] is false.
//! - No input panics: reads are bounds-checked, offset sums are checked, and
//!   nothing is allocated from a count read in the file.

mod jpeg;
mod png;
mod private;
#[cfg(test)]
mod tests;
mod tiff;
mod webp;

use std::ops::Range;

/// What [`strip_private_metadata`] removed, for the build log.
///
/// An EXIF block or PNG text profile that could not be read is removed whole
/// and counts as `gps`, `serial_numbers` and `maker_note`: it may have held
/// any of them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The EXIF GPS directory, or a PNG text copy of a GPS tag.
    pub gps: bool,
    /// Camera and lens serial numbers and the camera owner's name.
    pub serial_numbers: bool,
    /// The EXIF maker note (vendor data that repeats serial numbers).
    pub maker_note: bool,
    /// An XMP packet that named a place, a serial number or an owner.
    pub xmp: bool,
    /// IPTC that named a place, or Photoshop resources carrying EXIF or
    /// private XMP (or either could not be read).
    pub iptc: bool,
    /// Images appended after a JPEG's own EOI, each with its own EXIF
    /// (MPF previews and depth maps, CIPA DC-007), and the MPF index.
    pub trailing_images: bool,
}

impl Removed {
    const NOTHING: Self = Self {
        gps: false,
        serial_numbers: false,
        maker_note: false,
        xmp: false,
        iptc: false,
        trailing_images: false,
    };
    const GPS: Self = Self {
        gps: true,
        ..Self::NOTHING
    };
    const SERIAL_NUMBERS: Self = Self {
        serial_numbers: true,
        ..Self::NOTHING
    };
    const MAKER_NOTE: Self = Self {
        maker_note: true,
        ..Self::NOTHING
    };
    const XMP: Self = Self {
        xmp: true,
        ..Self::NOTHING
    };
    const IPTC: Self = Self {
        iptc: true,
        ..Self::NOTHING
    };
    /// Everything an unreadable EXIF block may have held.
    const EXIF: Self = Self {
        gps: true,
        serial_numbers: true,
        maker_note: true,
        ..Self::NOTHING
    };

    /// Whether anything was removed, i.e. whether the file changed.
    pub fn any(&self) -> bool {
        self.gps
            || self.serial_numbers
            || self.maker_note
            || self.xmp
            || self.iptc
            || self.trailing_images
    }

    fn add(&mut self, other: &Removed) {
        self.gps |= other.gps;
        self.serial_numbers |= other.serial_numbers;
        self.maker_note |= other.maker_note;
        self.xmp |= other.xmp;
        self.iptc |= other.iptc;
        self.trailing_images |= other.trailing_images;
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StripError {
    /// The first bytes match none of the four formats.
    #[error("not a JPEG, PNG, TIFF or WebP file")]
    UnknownFormat,
    /// A segment, chunk or directory runs past the end of the file.
    #[error("the file ends in the middle of its metadata")]
    Truncated,
    /// The structure in front of the image data breaks the format's rules.
    #[error("the file's metadata is damaged: {0}")]
    Damaged(&'static str),
}

/// The file with location and serial numbers removed. Sniffs the format
/// from the magic bytes (JPEG, PNG, TIFF (`II*\0` / `MM\0*`), WebP
/// (`RIFF....WEBP`)).
pub fn strip_private_metadata(bytes: &[u8]) -> Result<(Vec<u8>, Removed), StripError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg::strip(bytes)
    } else if bytes.starts_with(png::SIGNATURE) {
        png::strip(bytes)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        strip_tiff_file(bytes)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        webp::strip(bytes)
    } else {
        Err(StripError::UnknownFormat)
    }
}

fn strip_tiff_file(bytes: &[u8]) -> Result<(Vec<u8>, Removed), StripError> {
    let mut out = bytes.to_vec();
    let removed = tiff::scrub(&mut out).map_err(|error| match error {
        tiff::TiffError::OutOfBounds => StripError::Truncated,
        tiff::TiffError::Invalid(detail) => StripError::Damaged(detail),
    })?;
    Ok((out, removed))
}

/// Scrubs the EXIF TIFF structure at `tiff` in place; `false` when it cannot
/// be read and its whole block must go.
fn scrub_embedded_exif(tiff: &mut [u8], removed: &mut Removed) -> bool {
    match tiff::scrub(tiff) {
        Ok(found) => {
            removed.add(&found);
            true
        }
        Err(_) => {
            removed.add(&Removed::EXIF);
            false
        }
    }
}

/// The data of a PNG `eXIf` or WebP `EXIF` chunk: a TIFF header, though
/// some writers keep JPEG's "Exif\0\0" in front of it.
fn scrub_exif_chunk_data(data: &mut [u8], removed: &mut Removed) -> bool {
    let skip = if data.starts_with(b"Exif\0\0") { 6 } else { 0 };
    scrub_embedded_exif(&mut data[skip..], removed)
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
