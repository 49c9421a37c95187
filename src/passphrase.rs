//! Strong passphrases and weak-password refusal.
//!
//! `lightproof passwd` draws words from the EFF large word list (7,776
//! words, 12.92 bits each) with the operating system's random number
//! generator: 6 words give 77.5 bits. Passwords the photographer chooses
//! are estimated with zxcvbn, knowing the gallery's title, album and grant
//! names; `build` refuses those that fall short unless `--allow-weak`.

use crate::encrypt::random;

const WORDS: &str = include_str!("words/eff-large.txt");
/// The fewest words `passwd` gives: 6 × log2(7776) = 77.5 bits.
pub const MIN_WORDS: usize = 6;
/// zxcvbn's estimate, log10 of guesses, below which a password is refused.
/// 10^12 guesses at PBKDF2-600,000 speed on one current GPU (about 15,000
/// guesses per second) is about two years.
pub const MIN_GUESSES_LOG10: f64 = 12.0;

pub fn word_list() -> Vec<&'static str> {
    WORDS.lines().filter(|w| !w.is_empty()).collect()
}

/// `words` random words joined by `-`, and the bits of entropy.
pub fn generate(words: usize) -> (String, f64) {
    let list = word_list();
    let chosen: Vec<&str> = (0..words).map(|_| list[uniform(list.len())]).collect();
    let bits = words as f64 * (list.len() as f64).log2();
    (chosen.join("-"), bits)
}

/// A uniform index below `n` (rejection sampling over 32-bit draws).
fn uniform(n: usize) -> usize {
    let n = n as u64;
    let limit = (1u64 << 32) - (1u64 << 32) % n;
    loop {
        let draw = u64::from(u32::from_le_bytes(random::<4>()));
        if draw < limit {
            return (draw % n) as usize;
        }
    }
}

/// Why a password is refused, in plain words; `None` when it is strong.
/// `names` are the gallery's own words (title, albums, grant): a password
/// that contains one is refused whatever its length.
pub fn weakness(password: &str, names: &[&str]) -> Option<String> {
    let lower = password.to_lowercase();
    if let Some(name) = names
        .iter()
        .map(|n| n.trim().to_lowercase())
        .find(|n| n.chars().count() >= 3 && lower.contains(n.as_str()))
    {
        return Some(format!(
            "it contains '{name}', a name anyone who sees the gallery knows"
        ));
    }
    let estimate = zxcvbn::zxcvbn(password, names);
    if estimate.guesses_log10() >= MIN_GUESSES_LOG10 {
        return None;
    }
    let hint = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    Some(format!(
        "it could be guessed in about 10^{:.0} tries{hint}",
        estimate.guesses_log10().floor()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_list_is_the_eff_large_list() {
        let list = word_list();
        assert_eq!(list.len(), 7776);
        let unique: std::collections::HashSet<_> = list.iter().collect();
        assert_eq!(unique.len(), 7776);
        assert_eq!((list[0], list[7775]), ("abacus", "zoom"));
    }

    #[test]
    fn generated_passphrases_have_77_bits_and_pass_the_check() {
        let (phrase, bits) = generate(MIN_WORDS);
        assert!(bits >= 77.0, "{bits}");
        assert_eq!(phrase.split('-').count(), MIN_WORDS);
        assert_eq!(weakness(&phrase, &["Smith wedding"]), None, "{phrase}");
        assert_ne!(generate(MIN_WORDS).0, phrase);
    }

    #[test]
    fn weak_and_gallery_named_passwords_are_refused() {
        for weak in ["password1", "sample", "Summer2026!", "letmein please"] {
            assert!(weakness(weak, &[]).is_some(), "{weak}");
        }
        let why = weakness("smith wedding in the alps of 2026", &["Smith Wedding"]).unwrap();
        assert!(why.contains("smith wedding"), "{why}");
        assert_eq!(
            weakness("correct horse battery staple of copper", &[]),
            None
        );
    }
}
