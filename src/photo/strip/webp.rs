//! WebP: RIFF chunks; a removed chunk shrinks the RIFF size and clears its
//! VP8X flag.

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
        let size = riff_size - u32::try_from(dropped_bytes).map_err(|_| StripError::Truncated)?;
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
