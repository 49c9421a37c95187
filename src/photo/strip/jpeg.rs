//! JPEG: markers from SOI up to SOS are scrubbed; the primary image from
//! its first SOS through its EOI is copied unchanged. What follows the EOI
//! is kept, unless it holds further images (an SOI or "Exif"): MPF (CIPA
//! DC-007) appends previews and depth maps there, each with its own EXIF,
//! and indexes them from an APP2 "MPF\0" segment. Such a trailer is
//! dropped, and the index with it.
//!
//! The EOI is found by walking the markers from the first SOS, skipping
//! each segment by its length: in entropy-coded data 0xFF is only ever
//! followed by 0x00 (a stuffed byte) or RST0-7 (ITU T.81, B.1.1.5 and
//! F.1.2.3), and between the scans of a progressive image there are only
//! marker segments (DHT, SOS, DRI, DNL...), whose payloads may hold any
//! byte. So the first marker that is EOI ends the primary image.

use super::{be_u16, be_u32, contains, private, scrub_embedded_exif, Range, Removed, StripError};

const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
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
/// The MP Extensions' APP2 segment, which indexes the images stored after
/// the first (CIPA DC-007).
const MPF: &[u8] = b"MPF\0";
/// SOI and the first byte of the next marker: a JPEG starts here.
const JPEG_START: &[u8] = &[0xFF, 0xD8, 0xFF];

struct Segment {
    marker: u8,
    /// From the first 0xFF (fill bytes included) to the end.
    whole: Range<usize>,
    payload: Range<usize>,
}

pub(super) fn strip(bytes: &[u8]) -> Result<(Vec<u8>, Removed), StripError> {
    let (segments, image_data) = segments(bytes)?;
    let drop_xmp = xmp_is_private(bytes, &segments);
    let trailing_images = trailing_images(bytes, image_data);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut removed = Removed {
        trailing_images: trailing_images.is_some(),
        ..Removed::default()
    };
    for segment in &segments {
        let start = out.len();
        out.extend_from_slice(&bytes[segment.whole.clone()]);
        let payload = &mut out[start + (segment.payload.start - segment.whole.start)..];
        if !keep_segment(segment.marker, payload, drop_xmp, &mut removed) {
            out.truncate(start);
        }
    }
    out.extend_from_slice(&bytes[image_data..trailing_images.unwrap_or(bytes.len())]);
    Ok((out, removed))
}

/// Scrubs the (copied) payload in place; `false` drops the segment. The
/// MPF index goes with the images it points at (`removed.trailing_images`).
fn keep_segment(marker: u8, payload: &mut [u8], drop_xmp: bool, removed: &mut Removed) -> bool {
    match marker {
        APP2 if payload.starts_with(MPF) => !removed.trailing_images,
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

/// Where images appended after the primary one start (just after its EOI),
/// if any do: the bytes there hold an SOI or "Exif". `None` as well when no
/// EOI is found (a truncated file); the walk starts at the first SOS (or an
/// early EOI).
fn trailing_images(bytes: &[u8], image_data: usize) -> Option<usize> {
    let end = primary_image_end(bytes, image_data)?;
    let trailer = &bytes[end..];
    (contains(trailer, JPEG_START) || contains(trailer, b"Exif")).then_some(end)
}

/// Just after the EOI of the image whose markers start at `at` (on a 0xFF).
fn primary_image_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        while bytes.get(at) == Some(&0xFF) {
            at += 1; // fill bytes (ITU T.81, B.1.1.2)
        }
        let marker = *bytes.get(at)?;
        at += 1;
        match marker {
            EOI => return Some(at),
            // Markers without a length (ITU T.81, table B.1): TEM, RST0-7.
            0x01 | 0xD0..=0xD7 => {}
            // A stuffed byte after fill bytes, or a second SOI: damaged,
            // so the primary image's end is unknown and nothing is dropped.
            0x00 | 0xD8 => return None,
            _ => {
                let length = usize::from(be_u16(bytes, at)?);
                at = at
                    .checked_add(length)
                    .filter(|&end| length >= 2 && end <= bytes.len())?;
            }
        }
        at = next_marker(bytes, at)?;
    }
}

/// The 0xFF of the first marker at or after `at`, stepping over entropy-
/// coded data with its stuffed 0xFF00 and its RST0-7.
fn next_marker(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let ff = at + bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match bytes.get(ff + 1)? {
            0x00 | 0xD0..=0xD7 => at = ff + 2,
            _ => return Some(ff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{
        assert_no_secrets, exif_app1, exif_tiff, jpeg_with, mpf_jpeg, tiny_jpeg,
    };
    use super::super::{contains, strip_private_metadata, Removed};
    use super::{primary_image_end, segments};

    /// A progressive JPEG from libjpeg: ten scans, with DHT segments
    /// between them.
    fn progressive_sample() -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-shoot/IMG_0102.jpg");
        std::fs::read(path).unwrap()
    }

    fn first_scan(jpeg: &[u8]) -> usize {
        segments(jpeg).unwrap().1
    }

    /// Where each SOS marker is; entropy-coded data cannot hold 0xFFDA.
    fn scans(jpeg: &[u8]) -> Vec<usize> {
        let from = first_scan(jpeg);
        (from..jpeg.len() - 1)
            .filter(|&at| jpeg[at..].starts_with(&[0xFF, 0xDA]))
            .collect()
    }

    fn second_with_gps() -> Vec<u8> {
        jpeg_with(&[exif_app1(exif_tiff(false, true))])
    }

    #[test]
    fn mpf_trailing_image_with_gps_goes_with_its_index() {
        let primary = [exif_app1(exif_tiff(true, false))];
        let file = mpf_jpeg(&primary, &second_with_gps());
        assert!(contains(&file, b"MPF\0") && contains(&file, b"SN123456"));
        let (out, removed) = strip_private_metadata(&file).unwrap();
        let expected = Removed {
            trailing_images: true,
            ..Removed::default()
        };
        assert_eq!(removed, expected);
        assert!(removed.any());
        assert_eq!(out, jpeg_with(&primary), "MPF index and trailer gone");
        assert_no_secrets(&out);
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!(decoded, image::load_from_memory(&file).unwrap());
    }

    #[test]
    fn trailer_without_an_image_or_exif_is_kept() {
        let primary = [exif_app1(exif_tiff(true, false))];
        let files = [
            [jpeg_with(&primary), vec![0; 64]].concat(),
            [
                jpeg_with(&primary),
                b"SEFH\0\0\0\x01vendor data SEFT".to_vec(),
            ]
            .concat(),
            // An MPF index with nothing readable behind it stays too.
            mpf_jpeg(&primary, &[0xFF; 40]),
        ];
        for file in files {
            let (out, removed) = strip_private_metadata(&file).unwrap();
            assert_eq!(removed, Removed::default());
            assert!(out == file, "changed");
        }
        // An SOI or "Exif" anywhere in the trailer is enough.
        for trailer in [&b"\0\0\xFF\xD8\xFF\xE0"[..], b"junk Exif\0\0MM"] {
            let file = [tiny_jpeg(), trailer.to_vec()].concat();
            let (out, removed) = strip_private_metadata(&file).unwrap();
            assert_eq!((out, removed.trailing_images), (tiny_jpeg(), true));
        }
    }

    #[test]
    fn progressive_scans_stay_byte_identical_and_the_trailer_goes() {
        let sample = progressive_sample();
        assert!(scans(&sample).len() > 1, "the sample is not progressive");
        let sos = first_scan(&sample);
        assert_eq!(primary_image_end(&sample, sos), Some(sample.len()));
        assert!(!strip_private_metadata(&sample).unwrap().1.trailing_images);

        let file = [sample.clone(), second_with_gps()].concat();
        let (out, removed) = strip_private_metadata(&file).unwrap();
        assert!(removed.trailing_images);
        assert!(
            out[first_scan(&out)..] == sample[sos..],
            "scan data changed"
        );
        assert_no_secrets(&out);
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!(decoded, image::load_from_memory(&sample).unwrap());
    }

    /// A comment between two scans whose length field is 0xFFD9 and whose
    /// payload holds FF D9, "Exif" and an SOI: skipped by its length, so
    /// the scans after it are not taken for a trailer.
    #[test]
    fn eoi_bytes_in_a_segment_between_scans_do_not_end_the_image() {
        let sample = progressive_sample();
        let second_scan = scans(&sample)[1];
        let mut comment = vec![0xFF, 0xFE, 0xFF, 0xD9];
        comment.extend(b"\xFF\xD9Exif\0\0\xFF\xD8\xFF\xE1");
        comment.resize(2 + 0xFFD9, 0);
        let file = [&sample[..second_scan], &comment, &sample[second_scan..]].concat();
        let sos = first_scan(&file);
        assert_eq!(primary_image_end(&file, sos), Some(file.len()));
        let (out, removed) = strip_private_metadata(&file).unwrap();
        assert!(!removed.trailing_images);
        assert!(out[first_scan(&out)..] == file[sos..], "scan data changed");
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!(decoded, image::load_from_memory(&sample).unwrap());
    }

    #[test]
    fn stuffed_bytes_and_restart_markers_are_not_markers() {
        // SOS (no components: only its length matters here), entropy data
        // with a stuffed 0xFF00 and RST3, fill bytes, EOI, then a trailer.
        let mut file = b"\xFF\xD8\xFF\xDA\x00\x02\x12\xFF\x00\x34\xFF\xD3\x56".to_vec();
        file.extend(b"\xFF\xFF\xD9\xFF\xD8\xFF\xE1Exif");
        assert_eq!(primary_image_end(&file, 2), Some(16));
        let (out, removed) = strip_private_metadata(&file).unwrap();
        assert_eq!((&out[..], removed.trailing_images), (&file[..16], true));
        // Cut before the EOI: nothing is dropped.
        let cut = &file[..14];
        assert_eq!(primary_image_end(cut, 2), None);
        assert_eq!(strip_private_metadata(cut).unwrap().0, cut);
    }
}
