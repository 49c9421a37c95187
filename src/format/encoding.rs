//! Small text encodings used in file names and in the manifest: lowercase
//! RFC 4648 base32 without padding (blob names) and lowercase hex (keys,
//! hashes). Decoders are strict: one encoding per value.

const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Lowercase base32, no padding. 16 bytes become 26 characters.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32_ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes [`base32`] output into exactly `N` bytes. Rejects other lengths,
/// other characters and non-zero trailing bits.
pub fn base32_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != (N * 8).div_ceil(5) {
        return None;
    }
    let mut out = [0u8; N];
    let (mut buffer, mut bits, mut index) = (0u32, 0, 0);
    for c in text.bytes() {
        let value = BASE32_ALPHABET.iter().position(|&a| a == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out[index] = (buffer >> bits) as u8;
            index += 1;
        }
        buffer &= (1 << bits) - 1;
    }
    (buffer == 0).then_some(out)
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// Decodes lowercase hex into exactly `N` bytes.
pub fn hex_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != N * 2 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_and_is_strict() {
        let id = [0xa5u8; 16];
        let text = base32(&id);
        assert_eq!(text.len(), 26);
        assert_eq!(base32_decode::<16>(&text), Some(id));
        assert_eq!(base32(b"foobar"), "mzxw6ytboi"); // RFC 4648 §10, lowercased
        assert_eq!(base32_decode::<16>(&text.to_uppercase()), None);
        assert_eq!(base32_decode::<16>(&text[..25]), None);
        let mut bad_tail = text.clone();
        bad_tail.replace_range(25.., "b"); // non-zero trailing bits
        assert_eq!(base32_decode::<16>(&bad_tail), None);
    }

    #[test]
    fn hex_round_trips_and_is_strict() {
        assert_eq!(hex(&[0, 0xff, 0x1a]), "00ff1a");
        assert_eq!(hex_decode::<3>("00ff1a"), Some([0, 0xff, 0x1a]));
        assert_eq!(hex_decode::<3>("00FF1A"), None);
        assert_eq!(hex_decode::<3>("00ff1"), None);
    }
}
