//! Which XMP packets and IPTC records count as private.

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
