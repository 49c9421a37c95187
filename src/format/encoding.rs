//! Small text encodings used in file names and in the manifest: lowercase
//! RFC 4648 base32 without padding (blob names), lowercase hex (keys,
//! hashes) and base64url without padding (a selection's sealed code). Decoders are strict: one encoding per value.

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

const BASE64URL_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// RFC 4648 §5 base64url, no padding: safe in a URL and in a mail.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(BASE64URL_ALPHABET[((buffer >> bits) & 63) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(BASE64URL_ALPHABET[((buffer << (6 - bits)) & 63) as usize] as char);
    }
    out
}

/// Decodes [`base64url`] output. Rejects padding, other characters, a
/// length no encoding has and non-zero trailing bits.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let value = BASE64URL_ALPHABET.iter().position(|&a| a == c)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    (buffer == 0).then_some(out)
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
    fn base64url_round_trips_and_is_strict() {
        // RFC 4648 §10, without padding.
        for (bytes, text) in [
            (&b"f"[..], "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
        ] {
            assert_eq!(base64url(bytes), text);
            assert_eq!(base64url_decode(text).as_deref(), Some(bytes));
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zg=="), None);
        assert_eq!(base64url_decode("Zh"), None); // non-zero trailing bits
        assert_eq!(base64url_decode("Zm9vY"), None);
        assert_eq!(base64url_decode("+/8"), None);
    }

    #[test]
    fn hex_round_trips_and_is_strict() {
        assert_eq!(hex(&[0, 0xff, 0x1a]), "00ff1a");
        assert_eq!(hex_decode::<3>("00ff1a"), Some([0, 0xff, 0x1a]));
        assert_eq!(hex_decode::<3>("00FF1A"), None);
        assert_eq!(hex_decode::<3>("00ff1"), None);
    }
}
