//! PNG: chunks up to IEND; `eXIf` scrubbed in place with a fresh CRC.

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
            b"iTXt" => itxt_text(data).and_then(|(compressed, text)| (!compressed).then_some(text)),
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

/// CRC-32 of a PNG chunk (ISO-HDLC, as in ZIP): `crc32fast`, which the
/// generator already uses for originals.
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
