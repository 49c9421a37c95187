//! Location and serial numbers out of an original photo file, every other
//! byte kept.
//!
//! Clients may download the photographer's originals. The copy they get is
//! the source file without its location (the EXIF GPS directory, XMP and
//! IPTC that name a place, ImageMagick's `exif:GPS*` PNG text) and without
//! the serial numbers and owner name of camera and lens (with the maker
//! note, which repeats them in vendor form). Invariants:
//! - Image data is never touched: a JPEG is copied unchanged from its SOS
//!   marker on, and PNG, WebP and TIFF image chunks and strips keep their
//!   bytes and places.
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
}

impl Removed {
    const NOTHING: Self = Self {
        gps: false,
        serial_numbers: false,
        maker_note: false,
        xmp: false,
        iptc: false,
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
        self.gps || self.serial_numbers || self.maker_note || self.xmp || self.iptc
    }

    fn add(&mut self, other: &Removed) {
        self.gps |= other.gps;
        self.serial_numbers |= other.serial_numbers;
        self.maker_note |= other.maker_note;
        self.xmp |= other.xmp;
        self.iptc |= other.iptc;
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

/// Which XMP packets and IPTC records count as private.
mod private {
    use super::{be_u16, be_u32, contains};

    /// Property names that give away a place, a serial number or an owner.
    const XMP_MARKERS: [&[u8]; 10] = [
        b"GPS",
        b"SerialNumber",
        b"Iptc4xmpCore:Location",
        b"photoshop:City",
        b"photoshop:State",
        b"photoshop:Country",
        b"Iptc4xmpExt:LocationShown",
        b"Iptc4xmpExt:LocationCreated",
        b"CameraOwnerName",
        b"OwnerName",
    ];

    /// IIM record 2 datasets that name a place: content location code,
    /// city, sub-location, province/state, country code, country name.
    const LOCATION_DATASETS: [u8; 6] = [26, 90, 92, 95, 100, 101];

    /// Photoshop image resources: the IPTC-IIM records, copies of EXIF
    /// (with its GPS directory), and XMP (Photoshop File Formats
    /// Specification, "Image resource IDs").
    const IPTC_RESOURCE: u16 = 0x0404;
    const EXIF_RESOURCES: [u16; 2] = [0x0422, 0x0423];
    const XMP_RESOURCE: u16 = 0x0424;

    pub(super) fn xmp_is_private(packet: &[u8]) -> bool {
        // A UTF-16 or UTF-32 packet would hide its property names from a
        // byte search, and `<` next to a NUL occurs in no UTF-8 packet.
        contains(packet, b"<\0")
            || contains(packet, b"\0<")
            || XMP_MARKERS.iter().any(|marker| contains(packet, marker))
    }

    /// Whether IPTC-IIM datasets name a place; unreadable data counts as
    /// private, because a reader may still find a city in it.
    pub(super) fn iim_has_location(iim: &[u8]) -> bool {
        let mut at = 0;
        while let Some(&tag_marker) = iim.get(at) {
            match tag_marker {
                0 => return false, // padding after the last dataset
                0x1C => {}
                _ => return true,
            }
            let (Some(&record), Some(&dataset), Some(length)) =
                (iim.get(at + 1), iim.get(at + 2), be_u16(iim, at + 3))
            else {
                return true;
            };
            if record == 2 && LOCATION_DATASETS.contains(&dataset) {
                return true;
            }
            let Some(next) = dataset_end(iim, at + 5, length) else {
                return true;
            };
            at = next;
        }
        false
    }

    /// End of a dataset whose value starts at `value_at`. A length with the
    /// top bit set is an "extended" dataset: the low bits count the bytes of
    /// the real length that follow (IIM 4.2, section 1.5.2).
    fn dataset_end(iim: &[u8], value_at: usize, length: u16) -> Option<usize> {
        let (value_at, length) = if length & 0x8000 == 0 {
            (value_at, usize::from(length))
        } else {
            let size = usize::from(length & 0x7FFF);
            if size > 4 {
                return None;
            }
            let digits = iim.get(value_at..value_at + size)?;
            let length = digits.iter().fold(0, |n, &d| (n << 8) | usize::from(d));
            (value_at + size, length)
        };
        value_at.checked_add(length).filter(|&end| end <= iim.len())
    }

    /// Whether Photoshop image resources (`8BIM` blocks) hold IPTC that
    /// names a place, an EXIF copy or private XMP. Unreadable resources
    /// count as private.
    pub(super) fn resources_are_private(resources: &[u8]) -> bool {
        let mut at = 0;
        while at < resources.len() {
            if resources
                .get(at..)
                .is_some_and(|rest| rest.iter().all(|&b| b == 0))
            {
                return false; // padding
            }
            let Some((id, range)) = resource_at(resources, at) else {
                return true;
            };
            let data = resources.get(range.clone()).unwrap_or_default();
            let private = match id {
                IPTC_RESOURCE => iim_has_location(data),
                XMP_RESOURCE => xmp_is_private(data),
                id => EXIF_RESOURCES.contains(&id),
            };
            if private {
                return true;
            }
            at = range.end + range.len() % 2;
        }
        false
    }

    /// The id and data range of the resource at `at`: signature, id, a Pascal
    /// name padded to even length, a 4-byte size, the data padded to even.
    fn resource_at(resources: &[u8], at: usize) -> Option<(u16, std::ops::Range<usize>)> {
        let signature = resources.get(at..at.checked_add(4)?)?;
        if !matches!(signature, b"8BIM" | b"PHUT" | b"AgHg" | b"DCSR") {
            return None;
        }
        let id = be_u16(resources, at + 4)?;
        let name_length = usize::from(*resources.get(at + 6)?);
        let size_at = at + 6 + (name_length + 2) / 2 * 2;
        let size = usize::try_from(be_u32(resources, size_at)?).ok()?;
        let data_at = size_at + 4;
        let end = data_at
            .checked_add(size)
            .filter(|&end| end <= resources.len())?;
        Some((id, data_at..end))
    }
}

/// In-place edits of a TIFF structure: an EXIF block or a whole TIFF file.
mod tiff {
    use super::{private, Range, Removed};

    const EXIF_IFD: u16 = 0x8769;
    const GPS_IFD: u16 = 0x8825;
    /// MakerNote, and DNGPrivateData, where a raw converter keeps it.
    const MAKER_NOTES: [u16; 2] = [0x927C, 0xC634];
    const XMP: u16 = 700;
    const IPTC_NAA: u16 = 0x83BB;
    const PHOTOSHOP: u16 = 0x8649;
    /// CameraOwnerName, BodySerialNumber, LensSerialNumber (EXIF 2.3) and
    /// DNG's CameraSerialNumber.
    const SERIAL_TAGS: [u16; 4] = [0xA430, 0xA431, 0xA435, 0xC62F];
    const HEADER_LEN: usize = 8;
    const ENTRY_LEN: usize = 12;

    #[derive(Debug)]
    pub(super) enum TiffError {
        OutOfBounds,
        Invalid(&'static str),
    }
    use TiffError::{Invalid, OutOfBounds};

    /// Removes the private entries of IFD0, its Exif sub-IFD and IFD1 (each
    /// visited once, so a looping chain cannot hang us) and zeroes their
    /// values and the whole GPS directory.
    pub(super) fn scrub(bytes: &mut [u8]) -> Result<Removed, TiffError> {
        let mut tiff = Tiff::new(bytes)?;
        let ifd0 = tiff.ifd(tiff.u32(4)?)?;
        let exif_offset = match tiff.find(ifd0, EXIF_IFD)? {
            Some(entry) => tiff.u32(entry.field)?,
            None => 0,
        };
        let exif = (exif_offset != 0)
            .then(|| tiff.ifd(exif_offset))
            .transpose()?;
        let ifd1_offset = tiff.u32(ifd0.next_at())?;
        let ifd1 = (ifd1_offset != 0)
            .then(|| tiff.ifd(ifd1_offset))
            .transpose()?;
        let span = |ifd: Option<Ifd>| ifd.map_or(0..0, Ifd::span);
        let protected = [0..HEADER_LEN, ifd0.span(), span(exif), span(ifd1)];
        let overlapping = |(a, first): (usize, &Range<usize>)| {
            protected[a + 1..]
                .iter()
                .any(|second| overlap(first, second))
        };
        if protected.iter().enumerate().any(overlapping) {
            return Err(Invalid("two metadata directories overlap"));
        }
        let directories = [Some(ifd0), exif, ifd1];
        let mut removed = Removed::default();
        for ifd in directories.into_iter().flatten() {
            tiff.scrub_ifd(ifd, &protected, &mut removed)?;
        }
        Ok(removed)
    }

    fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
        a.start < b.end && b.start < a.end
    }

    /// Bytes per value of each TIFF 6.0 type (and BigTIFF's 8-byte ones).
    fn type_size(kind: u16) -> Option<u64> {
        match kind {
            1 | 2 | 6 | 7 => Some(1),
            3 | 8 => Some(2),
            4 | 9 | 11 | 13 => Some(4),
            5 | 10 | 12 | 16..=18 => Some(8),
            _ => None,
        }
    }

    /// A directory whose table (count, entries, next offset) lies in range.
    #[derive(Clone, Copy)]
    struct Ifd {
        start: usize,
        count: usize,
    }

    impl Ifd {
        fn entry_at(self, index: usize) -> usize {
            self.start + 2 + ENTRY_LEN * index
        }
        fn next_at(self) -> usize {
            self.entry_at(self.count)
        }
        fn span(self) -> Range<usize> {
            self.start..self.next_at() + 4
        }
    }

    struct Entry {
        tag: u16,
        kind: u16,
        count: u32,
        /// Where the 4-byte value-or-offset field is.
        field: usize,
    }

    struct Tiff<'a> {
        bytes: &'a mut [u8],
        big_endian: bool,
    }

    impl<'a> Tiff<'a> {
        fn new(bytes: &'a mut [u8]) -> Result<Self, TiffError> {
            let big_endian = match bytes.get(..4) {
                Some(b"II*\0") => false,
                Some(b"MM\0*") => true,
                Some(_) => return Err(Invalid("the EXIF block has no TIFF header")),
                None => return Err(OutOfBounds),
            };
            Ok(Self { bytes, big_endian })
        }

        fn array<const N: usize>(&self, at: usize) -> Result<[u8; N], TiffError> {
            let end = at.checked_add(N).ok_or(OutOfBounds)?;
            let slice = self.bytes.get(at..end).ok_or(OutOfBounds)?;
            slice.try_into().map_err(|_| OutOfBounds)
        }

        fn u16(&self, at: usize) -> Result<u16, TiffError> {
            let raw = self.array(at)?;
            Ok(if self.big_endian {
                u16::from_be_bytes(raw)
            } else {
                u16::from_le_bytes(raw)
            })
        }

        fn u32(&self, at: usize) -> Result<u32, TiffError> {
            let raw = self.array(at)?;
            Ok(if self.big_endian {
                u32::from_be_bytes(raw)
            } else {
                u32::from_le_bytes(raw)
            })
        }

        fn put_u16(&mut self, at: usize, value: u16) -> Result<(), TiffError> {
            let raw = if self.big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            };
            let slot = self.bytes.get_mut(at..at + 2).ok_or(OutOfBounds)?;
            slot.copy_from_slice(&raw);
            Ok(())
        }

        fn zero(&mut self, range: Range<usize>) -> Result<(), TiffError> {
            self.bytes.get_mut(range).ok_or(OutOfBounds)?.fill(0);
            Ok(())
        }

        fn ifd(&self, offset: u32) -> Result<Ifd, TiffError> {
            let start = usize::try_from(offset).map_err(|_| OutOfBounds)?;
            if start < HEADER_LEN {
                return Err(Invalid("a metadata directory starts inside the header"));
            }
            let ifd = Ifd {
                start,
                count: usize::from(self.u16(start)?),
            };
            if ifd.span().end > self.bytes.len() {
                return Err(OutOfBounds);
            }
            Ok(ifd)
        }

        fn entry(&self, ifd: Ifd, index: usize) -> Result<Entry, TiffError> {
            let at = ifd.entry_at(index);
            Ok(Entry {
                tag: self.u16(at)?,
                kind: self.u16(at + 2)?,
                count: self.u32(at + 4)?,
                field: at + 8,
            })
        }

        fn find(&self, ifd: Ifd, tag: u16) -> Result<Option<Entry>, TiffError> {
            for index in 0..ifd.count {
                let entry = self.entry(ifd, index)?;
                if entry.tag == tag {
                    return Ok(Some(entry));
                }
            }
            Ok(None)
        }

        /// Where the entry's value is, and whether it sits inline in the
        /// entry (4 bytes or fewer) rather than out of line.
        fn value(&self, entry: &Entry) -> Result<(Range<usize>, bool), TiffError> {
            let size =
                type_size(entry.kind).ok_or(Invalid("a metadata entry has an unknown type"))?;
            let length = usize::try_from(size * u64::from(entry.count)).map_err(|_| OutOfBounds)?;
            if length <= 4 {
                return Ok((entry.field..entry.field + length, true));
            }
            let start = usize::try_from(self.u32(entry.field)?).map_err(|_| OutOfBounds)?;
            let end = start.checked_add(length).ok_or(OutOfBounds)?;
            if end > self.bytes.len() {
                return Err(OutOfBounds);
            }
            Ok((start..end, false))
        }

        /// Zeroes an entry's out-of-line value; refuses to zero the header or
        /// a directory, which only a crafted file would point at.
        fn zero_value(
            &mut self,
            entry: &Entry,
            protected: &[Range<usize>],
        ) -> Result<(), TiffError> {
            let (range, inline) = self.value(entry)?;
            if inline {
                return Ok(()); // goes with the entry itself
            }
            if protected.iter().any(|p| overlap(p, &range)) {
                return Err(Invalid("a metadata value overlaps a directory"));
            }
            self.zero(range)
        }

        /// What removing this entry would remove; `None` to keep it.
        fn private_kind(&self, entry: &Entry) -> Result<Option<Removed>, TiffError> {
            let value = || -> Result<&[u8], TiffError> {
                let (range, _) = self.value(entry)?;
                self.bytes.get(range).ok_or(OutOfBounds)
            };
            Ok(match entry.tag {
                GPS_IFD => Some(Removed::GPS),
                tag if MAKER_NOTES.contains(&tag) => Some(Removed::MAKER_NOTE),
                tag if SERIAL_TAGS.contains(&tag) => Some(Removed::SERIAL_NUMBERS),
                XMP => private::xmp_is_private(value()?).then_some(Removed::XMP),
                IPTC_NAA => private::iim_has_location(value()?).then_some(Removed::IPTC),
                PHOTOSHOP => private::resources_are_private(value()?).then_some(Removed::IPTC),
                _ => None,
            })
        }

        fn scrub_ifd(
            &mut self,
            mut ifd: Ifd,
            protected: &[Range<usize>],
            removed: &mut Removed,
        ) -> Result<(), TiffError> {
            // Backwards, so removing an entry never moves one still to visit.
            for index in (0..ifd.count).rev() {
                let entry = self.entry(ifd, index)?;
                let Some(kind) = self.private_kind(&entry)? else {
                    continue;
                };
                if entry.tag == GPS_IFD {
                    self.zero_gps_ifd(self.u32(entry.field)?, protected)?;
                } else {
                    self.zero_value(&entry, protected)?;
                }
                self.remove_entry(&mut ifd, index)?;
                removed.add(&kind);
            }
            Ok(())
        }

        /// Zeroes the GPS directory: its out-of-line values, then its table.
        fn zero_gps_ifd(
            &mut self,
            offset: u32,
            protected: &[Range<usize>],
        ) -> Result<(), TiffError> {
            let gps = self.ifd(offset)?;
            if protected.iter().any(|p| overlap(p, &gps.span())) {
                return Err(Invalid("the GPS directory overlaps another directory"));
            }
            for index in 0..gps.count {
                let entry = self.entry(gps, index)?;
                self.zero_value(&entry, protected)?;
            }
            self.zero(gps.span())
        }

        /// Shifts the later entries and the next-IFD offset up over entry
        /// `index`, zeroes the 12 bytes this frees and decrements the count.
        fn remove_entry(&mut self, ifd: &mut Ifd, index: usize) -> Result<(), TiffError> {
            let (to, from, end) = (ifd.entry_at(index), ifd.entry_at(index + 1), ifd.span().end);
            if index >= ifd.count || end > self.bytes.len() {
                return Err(OutOfBounds);
            }
            self.bytes.copy_within(from..end, to);
            self.zero(end - ENTRY_LEN..end)?;
            ifd.count -= 1;
            let count = u16::try_from(ifd.count).map_err(|_| OutOfBounds)?;
            self.put_u16(ifd.start, count)
        }
    }
}

/// JPEG: markers from SOI up to SOS; the rest is copied unchanged.
mod jpeg {
    use super::{be_u16, be_u32, private, scrub_embedded_exif, Range, Removed, StripError};

    const APP1: u8 = 0xE1;
    const APP13: u8 = 0xED;
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    /// "Exif\0" and a pad byte, then the TIFF header (CIPA DC-008, 4.7.2).
    const EXIF: &[u8] = b"Exif\0";
    const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
    /// Extended XMP: GUID (32), full length (4), offset (4), then a piece of
    /// the packet (XMP Specification Part 3, 1.1.3.1).
    const XMP_EXTENSION: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
    const PHOTOSHOP: &[u8] = b"Photoshop 3.0\0";

    struct Segment {
        marker: u8,
        /// From the first 0xFF (fill bytes included) to the end.
        whole: Range<usize>,
        payload: Range<usize>,
    }

    pub(super) fn strip(bytes: &[u8]) -> Result<(Vec<u8>, Removed), StripError> {
        let (segments, image_data) = segments(bytes)?;
        let drop_xmp = xmp_is_private(bytes, &segments);
        let mut out = Vec::with_capacity(bytes.len());
        out.extend_from_slice(&bytes[..2]);
        let mut removed = Removed::default();
        for segment in &segments {
            let start = out.len();
            out.extend_from_slice(&bytes[segment.whole.clone()]);
            let payload = &mut out[start + (segment.payload.start - segment.whole.start)..];
            if !keep_segment(segment.marker, payload, drop_xmp, &mut removed) {
                out.truncate(start);
            }
        }
        out.extend_from_slice(&bytes[image_data..]);
        Ok((out, removed))
    }

    /// Scrubs the (copied) payload in place; `false` drops the segment.
    fn keep_segment(marker: u8, payload: &mut [u8], drop_xmp: bool, removed: &mut Removed) -> bool {
        match marker {
            APP1 if payload.starts_with(EXIF) => {
                let tiff = payload.get_mut(EXIF.len() + 1..).unwrap_or_default();
                scrub_embedded_exif(tiff, removed)
            }
            APP1 if payload.starts_with(XMP) || payload.starts_with(XMP_EXTENSION) => {
                removed.xmp |= drop_xmp;
                !drop_xmp
            }
            APP13 if payload.starts_with(PHOTOSHOP) => {
                let located = private::resources_are_private(&payload[PHOTOSHOP.len()..]);
                removed.iptc |= located;
                !located
            }
            _ => true,
        }
    }

    /// The segments between SOI and SOS, and where SOS (or an early EOI)
    /// starts.
    fn segments(bytes: &[u8]) -> Result<(Vec<Segment>, usize), StripError> {
        let mut segments = Vec::new();
        let mut at = 2;
        loop {
            let start = at;
            match bytes.get(at) {
                Some(0xFF) => {}
                Some(_) => return Err(StripError::Damaged("a JPEG marker is missing")),
                None => return Err(StripError::Truncated),
            }
            while bytes.get(at) == Some(&0xFF) {
                at += 1; // fill bytes (ITU T.81, B.1.1.2)
            }
            let marker = *bytes.get(at).ok_or(StripError::Truncated)?;
            at += 1;
            match marker {
                SOS | EOI => return Ok((segments, start)),
                0x01 | 0xD0..=0xD7 => {
                    segments.push(Segment {
                        marker,
                        whole: start..at,
                        payload: at..at,
                    });
                    continue;
                }
                0x00 | 0xD8 => return Err(StripError::Damaged("a JPEG marker is invalid")),
                _ => {}
            }
            let length = usize::from(be_u16(bytes, at).ok_or(StripError::Truncated)?);
            if length < 2 {
                return Err(StripError::Damaged(
                    "a JPEG segment has an impossible length",
                ));
            }
            let end = at + length;
            if end > bytes.len() {
                return Err(StripError::Truncated);
            }
            segments.push(Segment {
                marker,
                whole: start..end,
                payload: at + 2..end,
            });
            at = end;
        }
    }

    /// Whether the XMP, main packet or extended pieces, names a place, a
    /// serial number or an owner. The pieces are joined in offset order so
    /// that a property name split across two segments is still seen; the
    /// main packet points at the extension, so both go together.
    fn xmp_is_private(bytes: &[u8], segments: &[Segment]) -> bool {
        let mut pieces = Vec::new();
        for segment in segments.iter().filter(|s| s.marker == APP1) {
            let payload = &bytes[segment.payload.clone()];
            if let Some(packet) = payload.strip_prefix(XMP) {
                if private::xmp_is_private(packet) {
                    return true;
                }
            } else if let Some(piece) = payload.strip_prefix(XMP_EXTENSION) {
                let (Some(offset), Some(data)) = (be_u32(piece, 36), piece.get(40..)) else {
                    return true;
                };
                pieces.push((offset, data));
            }
        }
        pieces.sort_by_key(|(offset, _)| *offset);
        let joined: Vec<u8> = pieces
            .iter()
            .flat_map(|(_, data)| data.iter().copied())
            .collect();
        private::xmp_is_private(&joined)
    }
}

/// PNG: chunks up to IEND; `eXIf` scrubbed in place with a fresh CRC.
mod png {
    use super::{be_u32, contains, private, scrub_exif_chunk_data, Removed, StripError};

    pub(super) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const XMP_KEYWORD: &[u8] = b"XML:com.adobe.xmp";
    /// ImageMagick's hex-encoded, usually compressed, metadata copies.
    const RAW_PROFILE: &[u8] = b"Raw profile type ";

    pub(super) fn strip(bytes: &[u8]) -> Result<(Vec<u8>, Removed), StripError> {
        let mut out = Vec::with_capacity(bytes.len());
        out.extend_from_slice(SIGNATURE);
        let mut removed = Removed::default();
        let mut at = SIGNATURE.len();
        while at < bytes.len() {
            let length = usize::try_from(be_u32(bytes, at).ok_or(StripError::Truncated)?)
                .map_err(|_| StripError::Truncated)?;
            let end = length
                .checked_add(at + 12)
                .filter(|&end| end <= bytes.len())
                .ok_or(StripError::Truncated)?;
            let kind = &bytes[at + 4..at + 8];
            let start = out.len();
            out.extend_from_slice(&bytes[at..end]);
            if !keep_chunk(kind, &mut out[start..], &mut removed) {
                out.truncate(start);
            }
            at = end;
            if kind == b"IEND" {
                break;
            }
        }
        out.extend_from_slice(&bytes[at..]);
        Ok((out, removed))
    }

    /// Scrubs the (copied) chunk in place; `false` drops it.
    fn keep_chunk(kind: &[u8], chunk: &mut [u8], removed: &mut Removed) -> bool {
        let data = &chunk[8..chunk.len() - 4];
        match kind {
            b"eXIf" => scrub_exif_chunk(chunk, removed),
            b"tEXt" | b"zTXt" | b"iTXt" => match private_text(kind, data) {
                Some(found) => {
                    removed.add(&found);
                    false
                }
                None => true,
            },
            _ => true,
        }
    }

    /// `chunk` is length, type, data and CRC; `false` drops it.
    fn scrub_exif_chunk(chunk: &mut [u8], removed: &mut Removed) -> bool {
        let crc_at = chunk.len() - 4;
        let mut found = Removed::default();
        if !scrub_exif_chunk_data(&mut chunk[8..crc_at], &mut found) {
            removed.add(&found);
            return false;
        }
        if found.any() {
            let crc = crc32(&chunk[4..crc_at]);
            chunk[crc_at..].copy_from_slice(&crc.to_be_bytes());
        }
        removed.add(&found);
        true
    }

    /// What dropping this text chunk removes; `None` keeps it. Keywords are
    /// never compressed, so they can always be checked.
    fn private_text(kind: &[u8], data: &[u8]) -> Option<Removed> {
        let keyword = data.split(|&b| b == 0).next().unwrap_or(data);
        if keyword == XMP_KEYWORD {
            let text = match kind {
                b"tEXt" => data.get(keyword.len() + 1..),
                b"iTXt" => {
                    itxt_text(data).and_then(|(compressed, text)| (!compressed).then_some(text))
                }
                _ => None, // zTXt is always compressed
            };
            return match text {
                Some(text) if !private::xmp_is_private(text) => None,
                _ => Some(Removed::XMP), // compressed or unreadable: not inspected
            };
        }
        if let Some(profile) = keyword.strip_prefix(RAW_PROFILE) {
            let is = |names: &[&[u8]]| names.iter().any(|n| profile.eq_ignore_ascii_case(n));
            return if is(&[b"exif", b"app1"]) {
                Some(Removed::EXIF)
            } else if is(&[b"xmp"]) {
                Some(Removed::XMP)
            } else if is(&[b"iptc", b"8bim"]) {
                Some(Removed::IPTC)
            } else {
                None
            };
        }
        if contains(keyword, b"GPS") {
            Some(Removed::GPS)
        } else if contains(keyword, b"SerialNumber") || contains(keyword, b"OwnerName") {
            Some(Removed::SERIAL_NUMBERS)
        } else if contains(keyword, b"MakerNote") {
            Some(Removed::MAKER_NOTE)
        } else {
            None
        }
    }

    /// (compressed, text) of an iTXt chunk: keyword, NUL, compression flag,
    /// method, language tag, NUL, translated keyword, NUL, text.
    fn itxt_text(data: &[u8]) -> Option<(bool, &[u8])> {
        let after_nul =
            |bytes: &[u8]| -> Option<usize> { Some(bytes.iter().position(|&b| b == 0)? + 1) };
        let rest = data.get(after_nul(data)?..)?;
        let compressed = *rest.first()? != 0;
        let rest = rest.get(2..)?;
        let rest = rest.get(after_nul(rest)?..)?;
        let text = rest.get(after_nul(rest)?..)?;
        Some((compressed, text))
    }

    const CRC_TABLE: [u32; 256] = crc_table();

    /// The CRC-32 table of PNG's ISO 3309 polynomial (PNG spec, annex D).
    const fn crc_table() -> [u32; 256] {
        let mut table = [0; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut bit = 0;
            while bit < 8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                bit += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    }

    pub(super) fn crc32(bytes: &[u8]) -> u32 {
        !bytes.iter().fold(!0u32, |c, &b| {
            CRC_TABLE[usize::from(c as u8 ^ b)] ^ (c >> 8)
        })
    }
}

/// WebP: RIFF chunks; a removed chunk shrinks the RIFF size and clears its
/// VP8X flag.
mod webp {
    use super::{le_u32, private, scrub_exif_chunk_data, Removed, StripError};

    /// VP8X flag bits (WebP container specification, "Extended file format").
    const EXIF_FLAG: u8 = 0x08;
    const XMP_FLAG: u8 = 0x04;

    pub(super) fn strip(bytes: &[u8]) -> Result<(Vec<u8>, Removed), StripError> {
        let riff_size = le_u32(bytes, 4).ok_or(StripError::Truncated)?;
        let riff_end = usize::try_from(riff_size)
            .ok()
            .and_then(|size| size.checked_add(8))
            .filter(|&end| end <= bytes.len())
            .ok_or(StripError::Truncated)?;
        let mut out = Vec::with_capacity(bytes.len());
        out.extend_from_slice(&bytes[..12]);
        let mut removed = Removed::default();
        let (mut flags_at, mut dropped_bytes) = (None, 0);
        // VP8X bits of the chunks dropped and kept: a bit is cleared only
        // when its last chunk went, so an untouched file stays identical.
        let (mut dropped_flags, mut kept_flags) = (0u8, 0u8);
        let mut at = 12;
        while at < riff_end {
            let size = le_u32(bytes, at + 4).ok_or(StripError::Truncated)?;
            let data_end = usize::try_from(size)
                .ok()
                .and_then(|size| size.checked_add(at + 8))
                .filter(|&end| end <= riff_end)
                .ok_or(StripError::Truncated)?;
            // A writer may leave out the pad byte of the very last chunk.
            let end = (data_end + usize::from(size % 2 == 1)).min(riff_end);
            let fourcc = &bytes[at..at + 4];
            let start = out.len();
            out.extend_from_slice(&bytes[at..end]);
            if fourcc == b"VP8X" && data_end > at + 8 {
                flags_at = Some(start + 8);
            }
            let flag = flag_of(fourcc);
            let data = start + 8..start + (data_end - at);
            if keep_chunk(fourcc, &mut out[data], &mut removed) {
                kept_flags |= flag;
            } else {
                dropped_flags |= flag;
                out.truncate(start);
                dropped_bytes += end - at;
            }
            at = end;
        }
        out.extend_from_slice(&bytes[riff_end..]);
        if dropped_bytes > 0 {
            // Cannot underflow: the dropped chunks lay inside the RIFF size.
            let size =
                riff_size - u32::try_from(dropped_bytes).map_err(|_| StripError::Truncated)?;
            out[4..8].copy_from_slice(&size.to_le_bytes());
        }
        if let Some(flags) = flags_at.and_then(|at| out.get_mut(at)) {
            *flags &= !(dropped_flags & !kept_flags);
        }
        Ok((out, removed))
    }

    fn flag_of(fourcc: &[u8]) -> u8 {
        match fourcc {
            b"EXIF" => EXIF_FLAG,
            b"XMP " => XMP_FLAG,
            _ => 0,
        }
    }

    /// Scrubs the (copied) chunk data in place; `false` drops the chunk.
    fn keep_chunk(fourcc: &[u8], data: &mut [u8], removed: &mut Removed) -> bool {
        match fourcc {
            b"EXIF" => scrub_exif_chunk_data(data, removed),
            b"XMP " => {
                let private = private::xmp_is_private(data);
                removed.xmp |= private;
                !private
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    const UNDEFINED: u16 = 7;
    /// Values that must not survive stripping.
    const SECRETS: [&[u8]; 5] = [
        b"SN123456",
        b"LS98765",
        b"Jane Client",
        b"MAKERNOTE",
        b"CS24680",
    ];

    /// Writes TIFF structures in either byte order; directories are laid
    /// out children first so that their offsets are known to the parents.
    struct TiffWriter {
        out: Vec<u8>,
        big_endian: bool,
    }

    impl TiffWriter {
        fn new(big_endian: bool) -> Self {
            let header: &[u8] = if big_endian {
                b"MM\0*\0\0\0\0"
            } else {
                b"II*\0\0\0\0\0"
            };
            Self {
                out: header.to_vec(),
                big_endian,
            }
        }

        fn short(&self, value: u16) -> Vec<u8> {
            if self.big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            }
            .to_vec()
        }

        fn long(&self, value: u32) -> Vec<u8> {
            if self.big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            }
            .to_vec()
        }

        /// Appends a directory and its out-of-line values; returns its offset.
        fn ifd(&mut self, entries: &[(u16, u16, u32, Vec<u8>)], next: u32) -> u32 {
            let start = self.out.len();
            let mut values_at = start + 2 + 12 * entries.len() + 4;
            let (mut table, mut values) = (self.short(entries.len() as u16), Vec::new());
            for (tag, kind, count, value) in entries {
                table.extend(self.short(*tag));
                table.extend(self.short(*kind));
                table.extend(self.long(*count));
                if value.len() <= 4 {
                    table.extend(value.iter().chain(&[0; 4]).take(4));
                } else {
                    table.extend(self.long(values_at as u32));
                    values.extend(value);
                    values.resize(values.len() + values.len() % 2, 0);
                    values_at = start + 2 + 12 * entries.len() + 4 + values.len();
                }
            }
            table.extend(self.long(next));
            self.out.extend(table);
            self.out.extend(values);
            start as u32
        }

        fn finish(mut self, ifd0: u32) -> Vec<u8> {
            let offset = self.long(ifd0);
            self.out[4..8].copy_from_slice(&offset);
            self.out
        }
    }

    /// IFD0 (Make, Orientation, camera serial, Exif and GPS pointers) → IFD1;
    /// an Exif IFD with DateTimeOriginal, owner, serials and a maker note;
    /// a GPS IFD with a latitude.
    fn exif_tiff(big_endian: bool, private: bool) -> Vec<u8> {
        let mut w = TiffWriter::new(big_endian);
        let latitude = [48u32, 1, 51, 1, 3024, 100]
            .iter()
            .flat_map(|v| w.long(*v))
            .collect();
        let gps = w.ifd(
            &[(1, ASCII, 2, b"N\0".to_vec()), (2, RATIONAL, 3, latitude)],
            0,
        );
        let mut exif_entries = vec![(0x9003, ASCII, 20, b"2024:06:14 17:02:11\0".to_vec())];
        if private {
            exif_entries.extend([
                (0x927C, UNDEFINED, 16, b"MAKERNOTE-XYZ-42".to_vec()),
                (0xA430, ASCII, 12, b"Jane Client\0".to_vec()),
                (0xA431, ASCII, 9, b"SN123456\0".to_vec()),
                (0xA435, ASCII, 8, b"LS98765\0".to_vec()),
            ]);
        }
        let exif = w.ifd(&exif_entries, 0);
        let ifd1 = w.ifd(&[(0x0103, SHORT, 1, w.short(6))], 0);
        let mut ifd0_entries = vec![
            (0x010F, ASCII, 6, b"Canon\0".to_vec()),
            (0x0112, SHORT, 1, w.short(6)),
            (0x8769, LONG, 1, w.long(exif)),
        ];
        if private {
            ifd0_entries.push((0x8825, LONG, 1, w.long(gps)));
            ifd0_entries.push((0xC62F, ASCII, 8, b"CS24680\0".to_vec()));
        }
        let ifd0 = w.ifd(&ifd0_entries, ifd1);
        w.finish(ifd0)
    }

    fn xmp(properties: &str) -> Vec<u8> {
        format!(
            "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>\
             <rdf:RDF><rdf:Description {properties}/></rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
        )
        .into_bytes()
    }

    /// One Photoshop image resource, with an empty name.
    fn photoshop_resource(id: u16, data: &[u8]) -> Vec<u8> {
        let mut resource = b"8BIM".to_vec();
        resource.extend(id.to_be_bytes());
        resource.extend([0, 0]);
        resource.extend((data.len() as u32).to_be_bytes());
        resource.extend(data);
        resource.resize(resource.len() + data.len() % 2, 0);
        resource
    }

    /// The IPTC-IIM resource holding record 2 (dataset, value) pairs.
    fn photoshop_iptc(datasets: &[(u8, &[u8])]) -> Vec<u8> {
        let mut iim = Vec::new();
        for (dataset, value) in datasets {
            iim.extend([0x1C, 2, *dataset]);
            iim.extend((value.len() as u16).to_be_bytes());
            iim.extend(*value);
        }
        photoshop_resource(0x0404, &iim)
    }

    fn tiny_jpeg() -> Vec<u8> {
        let image = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 120, 40]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&image)
            .unwrap();
        jpeg
    }

    /// A JPEG with the given (marker, payload) segments right after SOI.
    fn jpeg_with(segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let base = tiny_jpeg();
        let mut jpeg = base[..2].to_vec();
        for (marker, payload) in segments {
            jpeg.extend([0xFF, *marker]);
            jpeg.extend((payload.len() as u16 + 2).to_be_bytes());
            jpeg.extend(payload);
        }
        jpeg.extend(&base[2..]);
        jpeg
    }

    fn exif_app1(tiff: Vec<u8>) -> (u8, Vec<u8>) {
        (0xE1, [b"Exif\0\0".to_vec(), tiff].concat())
    }

    fn xmp_app1(packet: Vec<u8>) -> (u8, Vec<u8>) {
        (
            0xE1,
            [b"http://ns.adobe.com/xap/1.0/\0".to_vec(), packet].concat(),
        )
    }

    fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        chunk.extend(kind);
        chunk.extend(data);
        chunk.extend(png::crc32(&chunk[4..]).to_be_bytes());
        chunk
    }

    /// A 4×4 PNG with `chunks` after IHDR.
    fn png_with(chunks: &[Vec<u8>]) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]));
        let mut encoded = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut encoded, image::ImageFormat::Png)
            .unwrap();
        let encoded = encoded.into_inner();
        let after_ihdr = 8 + 12 + 13;
        [
            &encoded[..after_ihdr],
            &chunks.concat(),
            &encoded[after_ihdr..],
        ]
        .concat()
    }

    fn riff_chunk(fourcc: &[u8], data: &[u8]) -> Vec<u8> {
        let mut chunk = fourcc.to_vec();
        chunk.extend((data.len() as u32).to_le_bytes());
        chunk.extend(data);
        chunk.resize(chunk.len() + data.len() % 2, 0);
        chunk
    }

    /// A lossless 4×4 WebP in the extended format with `chunks` after the
    /// image, and the VP8X `flags`.
    fn webp_with(flags: u8, chunks: &[Vec<u8>]) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]));
        let mut lossless = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut lossless)
            .encode(&image, 4, 4, image::ExtendedColorType::Rgb8)
            .unwrap();
        let vp8x = riff_chunk(b"VP8X", &[flags, 0, 0, 0, 3, 0, 0, 3, 0, 0]);
        let body = [
            b"WEBP".to_vec(),
            vp8x,
            lossless[12..].to_vec(),
            chunks.concat(),
        ]
        .concat();
        [
            b"RIFF".to_vec(),
            (body.len() as u32).to_le_bytes().to_vec(),
            body,
        ]
        .concat()
    }

    fn assert_no_secrets(bytes: &[u8]) {
        for secret in SECRETS {
            assert!(
                !contains(bytes, secret),
                "{} survived",
                String::from_utf8_lossy(secret)
            );
        }
    }

    #[test]
    fn exif_loses_gps_serials_and_maker_note_in_both_byte_orders() {
        for big_endian in [true, false] {
            let tiff = exif_tiff(big_endian, true);
            let mut scrubbed = tiff.clone();
            let removed = tiff::scrub(&mut scrubbed).unwrap();
            let expected = Removed {
                gps: true,
                serial_numbers: true,
                maker_note: true,
                ..Removed::default()
            };
            assert_eq!(removed, expected);
            assert_eq!(scrubbed.len(), tiff.len());
            assert_no_secrets(&scrubbed);
            let exif = exif::Reader::new().read_raw(scrubbed).unwrap();
            let tags: Vec<_> = exif.fields().map(|f| (f.tag, f.ifd_num)).collect();
            assert!(
                exif.fields().all(|f| f.tag.context() != exif::Context::Gps),
                "{tags:?}"
            );
            for tag in [
                exif::Tag::Make,
                exif::Tag::Orientation,
                exif::Tag::DateTimeOriginal,
            ] {
                assert!(
                    exif.get_field(tag, exif::In::PRIMARY).is_some(),
                    "{tag} lost"
                );
            }
            assert!(exif
                .get_field(exif::Tag::Compression, exif::In::THUMBNAIL)
                .is_some());
            assert!(exif
                .get_field(exif::Tag::BodySerialNumber, exif::In::PRIMARY)
                .is_none());
        }
    }

    #[test]
    fn gps_directory_is_zeroed_not_just_unlinked() {
        let tiff = exif_tiff(false, true);
        let latitude: Vec<u8> = [48u32, 1, 51, 1, 3024, 100]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert!(contains(&tiff, &latitude));
        let mut scrubbed = tiff;
        tiff::scrub(&mut scrubbed).unwrap();
        assert!(!contains(&scrubbed, &latitude));
    }

    #[test]
    fn file_without_private_metadata_is_returned_unchanged() {
        let jpeg = jpeg_with(&[
            exif_app1(exif_tiff(true, false)),
            xmp_app1(xmp(
                "xmlns:dc='http://purl.org/dc/elements/1.1/' dc:format='image/jpeg'",
            )),
            (
                0xED,
                [
                    b"Photoshop 3.0\0".to_vec(),
                    photoshop_iptc(&[(80, b"Ana Ph")]),
                ]
                .concat(),
            ),
        ]);
        let (out, removed) = strip_private_metadata(&jpeg).unwrap();
        assert_eq!(removed, Removed::default());
        assert!(!removed.any());
        assert_eq!(out, jpeg);
    }

    #[test]
    fn unreadable_exif_segment_is_dropped_whole() {
        let jpeg = jpeg_with(&[(0xE1, b"Exif\0\0MM\0*\xFF\xFF\xFF\x00 garbage".to_vec())]);
        let (out, removed) = strip_private_metadata(&jpeg).unwrap();
        assert_eq!(out, tiny_jpeg());
        assert!(removed.gps && removed.serial_numbers && removed.maker_note);
    }

    #[test]
    fn private_xmp_is_dropped_with_its_extension() {
        let private =
            xmp("xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/' photoshop:City='Paris'");
        let jpeg = jpeg_with(&[xmp_app1(private)]);
        let (out, removed) = strip_private_metadata(&jpeg).unwrap();
        assert_eq!(
            (out, removed),
            (
                tiny_jpeg(),
                Removed {
                    xmp: true,
                    ..Removed::default()
                }
            )
        );

        // "exif:GPSLatitude" split across two extension segments, sent out
        // of order: still seen.
        let extension = |offset: u32, piece: &[u8]| {
            let mut payload = b"http://ns.adobe.com/xmp/extension/\0".to_vec();
            payload.extend([b'0'; 32]);
            payload.extend(100u32.to_be_bytes());
            payload.extend(offset.to_be_bytes());
            payload.extend(piece);
            (0xE1, payload)
        };
        let jpeg = jpeg_with(&[
            xmp_app1(xmp(
                "xmlns:xmpNote='http://ns.adobe.com/xmp/note/' xmpNote:HasExtendedXMP='0'",
            )),
            extension(10, b"PSLatitude='48.8'"),
            extension(0, b"<exif:G"),
        ]);
        let (out, removed) = strip_private_metadata(&jpeg).unwrap();
        assert_eq!((out, removed.xmp), (tiny_jpeg(), true));
    }

    #[test]
    fn iptc_naming_a_city_is_dropped_and_a_byline_kept() {
        let iptc = |datasets: &[(u8, &[u8])]| {
            (
                0xED,
                [b"Photoshop 3.0\0".to_vec(), photoshop_iptc(datasets)].concat(),
            )
        };
        let jpeg = jpeg_with(&[iptc(&[(80, b"Ana Ph"), (90, b"Paris")])]);
        let (out, removed) = strip_private_metadata(&jpeg).unwrap();
        assert_eq!(
            (out, removed),
            (
                tiny_jpeg(),
                Removed {
                    iptc: true,
                    ..Removed::default()
                }
            )
        );
        let jpeg = jpeg_with(&[iptc(&[(80, b"Ana Ph"), (116, b"Studio North")])]);
        assert_eq!(strip_private_metadata(&jpeg).unwrap().0, jpeg);
    }

    #[test]
    fn photoshop_exif_copies_and_png_text_xmp_are_inspected() {
        let private = private::resources_are_private;
        assert!(private(&photoshop_resource(
            0x0422,
            &exif_tiff(true, false)
        )));
        assert!(private(&photoshop_resource(
            0x0424,
            &xmp("exif:GPSLatitude='1'")
        )));
        assert!(!private(&photoshop_resource(0x0424, &xmp("dc:format='x'"))));
        let digest_and_byline = [
            photoshop_resource(0x0425, &[7; 16]),
            photoshop_iptc(&[(80, b"Ana")]),
        ];
        assert!(!private(&digest_and_byline.concat()));
        let text = [
            b"XML:com.adobe.xmp\0".as_slice(),
            &xmp("aux:SerialNumber='1'"),
        ]
        .concat();
        let png = png_with(&[png_chunk(b"tEXt", &text)]);
        assert_eq!(
            strip_private_metadata(&png).unwrap().1,
            Removed {
                xmp: true,
                ..Removed::default()
            }
        );
    }

    #[test]
    fn png_exif_gets_a_fresh_crc_and_gps_text_goes() {
        let png = png_with(&[
            png_chunk(b"eXIf", &exif_tiff(false, true)),
            png_chunk(b"tEXt", b"exif:GPSLatitude\x0048/1, 51/1, 3024/100"),
            png_chunk(b"tEXt", b"Copyright\0Studio North"),
            png_chunk(b"zTXt", b"Raw profile type iptc\0\0x\x9c garbled"),
        ]);
        let (out, removed) = strip_private_metadata(&png).unwrap();
        assert!(removed.gps && removed.serial_numbers && removed.maker_note && removed.iptc);
        assert_no_secrets(&out);
        assert!(!contains(&out, b"GPSLatitude") && !contains(&out, b"Raw profile"));
        assert!(contains(&out, b"Studio North"));
        let exif_at = out.windows(4).position(|w| w == b"eXIf").unwrap() - 4;
        let length = be_u32(&out, exif_at).unwrap() as usize;
        let crc = be_u32(&out, exif_at + 8 + length).unwrap();
        assert_eq!(crc, png::crc32(&out[exif_at + 4..exif_at + 8 + length]));
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!(decoded, image::load_from_memory(&png).unwrap());
    }

    #[test]
    fn webp_chunks_go_with_their_flags_and_riff_size() {
        let private_xmp =
            xmp("xmlns:aux='http://ns.adobe.com/exif/1.0/aux/' aux:SerialNumber='SN123456'");
        let webp = webp_with(
            0x0C,
            &[
                riff_chunk(b"EXIF", &exif_tiff(true, true)),
                riff_chunk(b"XMP ", &private_xmp),
            ],
        );
        let (out, removed) = strip_private_metadata(&webp).unwrap();
        assert!(removed.gps && removed.xmp);
        assert_no_secrets(&out);
        assert_eq!(
            out[20] & 0x0C,
            0x08,
            "the XMP flag goes, the EXIF flag stays"
        );
        assert_eq!(le_u32(&out, 4).unwrap() as usize, out.len() - 8);
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!(decoded, image::load_from_memory(&webp).unwrap());

        let plain = webp_with(0x08, &[riff_chunk(b"EXIF", &exif_tiff(false, false))]);
        assert_eq!(
            strip_private_metadata(&plain).unwrap(),
            (plain, Removed::default())
        );
    }

    #[test]
    fn tiff_file_is_edited_in_place_or_refused() {
        let tiff = exif_tiff(false, true);
        let (out, removed) = strip_private_metadata(&tiff).unwrap();
        assert!(removed.gps && removed.serial_numbers);
        assert_eq!(out.len(), tiff.len());
        let mut broken = tiff.clone();
        broken[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            strip_private_metadata(&broken),
            Err(StripError::Truncated)
        ));
        broken[4..8].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(
            strip_private_metadata(&broken),
            Err(StripError::Damaged(_))
        ));
    }

    #[test]
    fn unknown_and_truncated_files_are_refused() {
        let unknown = strip_private_metadata(b"just some text, not a photo");
        assert!(matches!(unknown, Err(StripError::UnknownFormat)));
        let jpeg = jpeg_with(&[exif_app1(exif_tiff(true, true))]);
        let truncated = strip_private_metadata(&jpeg[..100]);
        assert!(matches!(truncated, Err(StripError::Truncated)));
        let png = png_with(&[]);
        assert!(matches!(
            strip_private_metadata(&png[..40]),
            Err(StripError::Truncated)
        ));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(png::crc32(b"123456789"), 0xCBF4_3926);
    }

    /// Thousands of randomly damaged files: no panic, and whatever is
    /// accepted changed exactly when something was removed, and a second pass
    /// finds nothing left. (Run with 400,000 rounds once: same result.)
    #[test]
    fn random_damage_never_panics() {
        let seeds = [
            jpeg_with(&[
                exif_app1(exif_tiff(true, true)),
                xmp_app1(xmp("photoshop:City='Paris'")),
                (
                    0xED,
                    [
                        b"Photoshop 3.0\0".to_vec(),
                        photoshop_iptc(&[(90, b"Paris")]),
                    ]
                    .concat(),
                ),
            ]),
            png_with(&[
                png_chunk(b"eXIf", &exif_tiff(false, true)),
                png_chunk(b"tEXt", b"exif:GPSInfo\x00440"),
            ]),
            webp_with(
                0x0C,
                &[
                    riff_chunk(b"EXIF", &exif_tiff(false, true)),
                    riff_chunk(b"XMP ", &xmp("GPS")),
                ],
            ),
            exif_tiff(true, true),
            exif_tiff(false, true),
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut random = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for round in 0..5000 {
            let mut file = seeds[round % seeds.len()].clone();
            for _ in 0..1 + random(4) {
                let at = random(file.len());
                match random(4) {
                    0 => file.truncate(at.max(1)),
                    1 => file[at] = 0xFF,
                    2 => file[at] ^= 1 << random(8),
                    _ => file[at] = random(256) as u8,
                }
            }
            if let Ok((out, removed)) = strip_private_metadata(&file) {
                assert!(out.len() <= file.len());
                assert_eq!(removed.any(), out != file, "round {round}");
                let again = strip_private_metadata(&out).map(|(_, again)| again);
                assert_eq!(
                    again.ok(),
                    Some(Removed::default()),
                    "round {round}: not idempotent"
                );
            }
        }
    }
}
