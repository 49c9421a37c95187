//! Length hiding inside the AEAD. Every blob plaintext is
//! `content || 0x80 || 0x00…` up to `padme(len(content) + 1)` bytes, so a
//! ciphertext's length reveals only the Padmé bucket of its content (PURBs,
//! Nikitin et al., PETS 2019: at most 12 % overhead, under 6.25 % from 256 B).
//! The padding is checked strictly after authentication: exactly one padded
//! form is accepted for each content length.

/// Padmé: keep only the top `⌊log2 E⌋ + 1` bits of the length's mantissa,
/// where `E = ⌊log2 len⌋`, rounding up.
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let exponent = 63 - u64::from(len.leading_zeros()); // ⌊log2 len⌋ ≥ 1
    let mantissa_bits = 64 - u64::from(exponent.leading_zeros()); // ⌊log2 E⌋ + 1
    let zero_bits = exponent - mantissa_bits;
    let mask = (1u64 << zero_bits) - 1;
    (len + mask) & !mask
}

/// Length of the padded plaintext for `content_len` bytes of content.
pub fn padded_len(content_len: usize) -> usize {
    padme(content_len as u64 + 1) as usize
}

/// Appends the 0x80 marker and zero bytes to `content`.
pub fn pad(content: &mut Vec<u8>) {
    let target = padded_len(content.len());
    content.push(0x80);
    content.resize(target, 0);
}

/// Removes the padding in place; `None` if it is not the one valid padding.
pub fn unpad(plaintext: &mut Vec<u8>) -> Option<()> {
    let marker = plaintext.iter().rposition(|&byte| byte != 0)?;
    if plaintext[marker] != 0x80 || padded_len(marker) != plaintext.len() {
        return None;
    }
    plaintext.truncate(marker);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padme_matches_the_published_examples() {
        // Values computed from the PURBs reference algorithm.
        for (len, padded) in [
            (0, 0),
            (1, 1),
            (2, 2),
            (9, 10),
            (100, 104),
            (50_000, 51_200),
            (300_000, 303_104),
            (2_500_000, 2_555_904),
            (8_000_000, 8_126_464),
        ] {
            assert_eq!(padme(len), padded, "padme({len})");
        }
    }

    #[test]
    fn padme_is_monotonic_idempotent_and_bounded() {
        let mut previous = 0;
        for len in 1..200_000u64 {
            let padded = padme(len);
            assert!(padded >= len && padded >= previous);
            assert_eq!(padme(padded), padded);
            if len >= 256 {
                assert!((padded - len) * 16 <= len, "overhead above 6.25 % at {len}");
            }
            previous = padded;
        }
    }

    #[test]
    fn pad_then_unpad_round_trips_for_every_small_length() {
        for len in 0..2_000 {
            let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut padded = content.clone();
            pad(&mut padded);
            assert_eq!(padded.len(), padded_len(len));
            assert!(unpad(&mut padded).is_some());
            assert_eq!(padded, content);
        }
    }

    #[test]
    fn unpad_rejects_every_other_form() {
        assert!(unpad(&mut vec![]).is_none());
        assert!(unpad(&mut vec![0, 0, 0]).is_none());
        assert!(unpad(&mut vec![1, 2, 3]).is_none()); // no marker
        assert!(unpad(&mut vec![1, 0x80, 0, 0, 0, 0, 0, 0, 0]).is_none()); // too long
        let mut good = b"photo".to_vec();
        pad(&mut good);
        good.push(0); // one extra zero
        assert!(unpad(&mut good).is_none());
    }
}
