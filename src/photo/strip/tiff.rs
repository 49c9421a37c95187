//! In-place edits of a TIFF structure: an EXIF block or a whole TIFF file.

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
        let size = type_size(entry.kind).ok_or(Invalid("a metadata entry has an unknown type"))?;
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
    fn zero_value(&mut self, entry: &Entry, protected: &[Range<usize>]) -> Result<(), TiffError> {
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
    fn zero_gps_ifd(&mut self, offset: u32, protected: &[Range<usize>]) -> Result<(), TiffError> {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_no_secrets, exif_tiff};
    use super::super::{contains, Removed};
    use super::scrub;

    #[test]
    fn exif_loses_gps_serials_and_maker_note_in_both_byte_orders() {
        for big_endian in [true, false] {
            let tiff = exif_tiff(big_endian, true);
            let mut scrubbed = tiff.clone();
            let removed = scrub(&mut scrubbed).unwrap();
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
        scrub(&mut scrubbed).unwrap();
        assert!(!contains(&scrubbed, &latitude));
    }
}
