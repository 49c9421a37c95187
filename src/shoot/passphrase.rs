//! Strong passphrases and weak-password refusal.
//!
//! `lightproof passwd` draws words from the EFF large word list with the
//! operating system's random number generator. The words are joined by
//! `-`, so the list's four hyphenated words (drop-down, felt-tip, t-shirt,
//! yo-yo) are left out: a phrase then always reads as the words it was
//! drawn from. 7,772 words give 12.92 bits each, and 6 words 77.5 bits.
//! Passwords the photographer chooses are estimated with zxcvbn, knowing
//! the gallery's title, album and grant names; `build` refuses those that
//! fall short unless `--allow-weak`.

use crate::random::random;

const WORDS: &str = include_str!("words/eff-large.txt");
/// The fewest words `passwd` gives: 6 × log2(7772) = 77.5 bits.
pub const MIN_WORDS: usize = 6;
/// zxcvbn's estimate, log10 of guesses, below which a password is refused.
/// 10^12 guesses at PBKDF2-600,000 speed on one current GPU (about 15,000
/// guesses per second) is about two years.
pub const MIN_GUESSES_LOG10: f64 = 12.0;

pub fn word_list() -> Vec<&'static str> {
    WORDS
        .lines()
        .filter(|w| !w.is_empty() && !w.contains('-'))
        .collect()
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
/// `names` are the gallery's own words (shoot folder, title, albums,
/// files, grants): a password that contains one is refused whatever its
/// length, and zxcvbn knows them as words. Three things zxcvbn alone
/// misses are checked too: the password as the same keys spell it on an
/// English keyboard (a Latin pattern typed on a Russian, Ukrainian, Greek,
/// German or French layout), famous passphrases and lines (whole, or with
/// too little added), and names with their separators and years removed.
pub fn weakness(password: &str, names: &[&str]) -> Option<String> {
    weakness_knowing(password, names, &[])
}

/// [`weakness`], with `other_words` (such as the photos' file names) known
/// to zxcvbn but not refused outright when contained.
pub fn weakness_knowing(password: &str, names: &[&str], other_words: &[&str]) -> Option<String> {
    let mut inputs = name_words(names);
    inputs.extend(name_words(other_words));
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let readings = keyboard_readings(password);
    for (reading, layout) in &readings {
        if let Some(why) = named_or_famous(reading, names, &inputs) {
            return Some(match layout {
                None => why,
                Some(layout) => format!("{why}, when its keys are read on {layout}"),
            });
        }
    }
    let (estimate, layout) = readings
        .iter()
        .map(|(reading, layout)| (zxcvbn::zxcvbn(reading, &inputs), *layout))
        .min_by(|a, b| a.0.guesses_log10().total_cmp(&b.0.guesses_log10()))
        .expect("the password itself is a reading");
    if estimate.guesses_log10() >= MIN_GUESSES_LOG10 {
        return None;
    }
    let hint = match layout {
        Some(layout) => format!(" (the same keys on {layout} spell a pattern guessers try)"),
        None => estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default(),
    };
    Some(format!(
        "it could be guessed in about 10^{:.0} tries{hint}",
        estimate.guesses_log10().floor()
    ))
}

/// A gallery name in `reading`, or a famous phrase with too little added.
fn named_or_famous(reading: &str, names: &[&str], inputs: &[&str]) -> Option<String> {
    if let Some(name) = names.iter().find(|name| contains_name(reading, name)) {
        return Some(format!(
            "it contains '{}', a name anyone who sees the gallery knows",
            name.trim().to_lowercase()
        ));
    }
    let squeezed = squeeze(reading, char::is_alphanumeric);
    for phrase in famous_phrases() {
        if let Some(at) = squeezed.find(&phrase) {
            let rest = format!("{}{}", &squeezed[..at], &squeezed[at + phrase.len()..]);
            if rest.is_empty() || zxcvbn::zxcvbn(&rest, inputs).guesses_log10() < MIN_GUESSES_LOG10
            {
                return Some("it is built on a famous passphrase or line (a published example, a film quote, a song lyric), which guessers try first, whole".to_owned());
            }
        }
    }
    None
}

const FAMOUS: &str = include_str!("words/famous-passphrases.txt");

/// The famous phrases, lower case, letters and digits only.
fn famous_phrases() -> impl Iterator<Item = String> {
    FAMOUS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| squeeze(line, char::is_alphanumeric))
        .filter(|phrase| phrase.chars().count() >= 6)
}

/// `text` in lower case with only the characters `keep` accepts.
fn squeeze(text: &str, keep: fn(char) -> bool) -> String {
    text.to_lowercase().chars().filter(|c| keep(*c)).collect()
}

/// Whether `password` holds `name` (at least 3 letters once separators
/// and digits are gone): inside one of its words, or spanning whole words
/// ("Smith-Wedding-2026" holds "Smith Wedding"), but not across the middle
/// of two words, where unrelated words meet by chance.
fn contains_name(password: &str, name: &str) -> bool {
    let name = squeeze(name, char::is_alphabetic);
    if name.chars().count() < 3 {
        return false;
    }
    let lower = password.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|word| word.contains(name.as_str())) {
        return true;
    }
    (0..words.len()).any(|first| {
        let mut joined = String::new();
        words[first..].iter().any(|word| {
            joined.push_str(word);
            joined == name
        })
    })
}

/// The words zxcvbn should know: every name, lower case, whole, without
/// separators and digits, and each of its words of 3 letters or more.
fn name_words(names: &[&str]) -> Vec<String> {
    let mut words = Vec::new();
    for name in names {
        let lower = name.trim().to_lowercase();
        words.push(squeeze(&lower, char::is_alphabetic));
        words.extend(
            lower
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() >= 3)
                .map(str::to_owned),
        );
        words.push(lower);
    }
    words.retain(|w| w.chars().count() >= 3);
    words.sort();
    words.dedup();
    words
}

/// The password, and how the same keys read on a US English keyboard when
/// it was typed on another common layout (with the layout's name), where
/// that changes it.
fn keyboard_readings(password: &str) -> Vec<(String, Option<&'static str>)> {
    let mut readings = vec![(password.to_owned(), None)];
    for (layout, map) in LAYOUTS {
        let reading: String = password.chars().map(|c| on_us_keys(c, map)).collect();
        if reading != password {
            readings.push((reading, Some(*layout)));
        }
    }
    readings
}

/// The US key under `c` on a layout whose keys are `map` (pairs of the
/// layout's character and the US one), upper case kept.
fn on_us_keys(c: char, map: &[(char, char)]) -> char {
    let lower = c.to_lowercase().next().unwrap_or(c);
    match map.iter().find(|(from, _)| *from == lower) {
        Some((_, to)) if lower != c => to.to_ascii_uppercase(),
        Some((_, to)) => *to,
        None => c,
    }
}

const RUSSIAN: &[(char, char)] = &[
    ('й', 'q'),
    ('ц', 'w'),
    ('у', 'e'),
    ('к', 'r'),
    ('е', 't'),
    ('н', 'y'),
    ('г', 'u'),
    ('ш', 'i'),
    ('щ', 'o'),
    ('з', 'p'),
    ('х', '['),
    ('ъ', ']'),
    ('ф', 'a'),
    ('ы', 's'),
    ('в', 'd'),
    ('а', 'f'),
    ('п', 'g'),
    ('р', 'h'),
    ('о', 'j'),
    ('л', 'k'),
    ('д', 'l'),
    ('ж', ';'),
    ('э', '\''),
    ('я', 'z'),
    ('ч', 'x'),
    ('с', 'c'),
    ('м', 'v'),
    ('и', 'b'),
    ('т', 'n'),
    ('ь', 'm'),
    ('б', ','),
    ('ю', '.'),
    ('ё', '`'),
    // Ukrainian differs in three keys.
    ('і', 's'),
    ('ї', ']'),
    ('є', '\''),
    ('ґ', '`'),
];
const GREEK: &[(char, char)] = &[
    (';', 'q'),
    ('ς', 'w'),
    ('ε', 'e'),
    ('ρ', 'r'),
    ('τ', 't'),
    ('υ', 'y'),
    ('θ', 'u'),
    ('ι', 'i'),
    ('ο', 'o'),
    ('π', 'p'),
    ('α', 'a'),
    ('σ', 's'),
    ('δ', 'd'),
    ('φ', 'f'),
    ('γ', 'g'),
    ('η', 'h'),
    ('ξ', 'j'),
    ('κ', 'k'),
    ('λ', 'l'),
    ('ζ', 'z'),
    ('χ', 'x'),
    ('ψ', 'c'),
    ('ω', 'v'),
    ('β', 'b'),
    ('ν', 'n'),
    ('μ', 'm'),
];
const GERMAN: &[(char, char)] = &[('z', 'y'), ('y', 'z')];
const FRENCH: &[(char, char)] = &[('a', 'q'), ('q', 'a'), ('z', 'w'), ('w', 'z'), ('m', ';')];
const LAYOUTS: &[(&str, &[(char, char)])] = &[
    ("a Russian or Ukrainian keyboard", RUSSIAN),
    ("a Greek keyboard", GREEK),
    ("a German (QWERTZ) keyboard", GERMAN),
    ("a French (AZERTY) keyboard", FRENCH),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_list_is_the_eff_large_list_without_its_hyphenated_words() {
        assert_eq!(WORDS.lines().count(), 7776);
        let list = word_list();
        assert_eq!(list.len(), 7772);
        let unique: std::collections::HashSet<_> = list.iter().collect();
        assert_eq!(unique.len(), 7772);
        assert_eq!((list[0], list[7771]), ("abacus", "zoom"));
        assert!(list.iter().all(|word| !word.contains('-')));
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
        // Famous phrases, whole or with too little added, whatever their
        // length; with enough added, the rest carries the strength.
        for famous in [
            "correct horse battery staple of copper",
            "To be or not to be!",
            "never-gonna-give-you-up",
        ] {
            let why = weakness(famous, &[]).unwrap();
            assert!(why.contains("famous"), "{famous}: {why}");
        }
        assert_eq!(
            weakness(
                "correct horse battery staple walrus mosaic tundra ember",
                &[]
            ),
            None
        );
    }

    #[test]
    fn keyboard_rows_typed_on_other_layouts_are_refused() {
        for typed in [
            "йцукенгшщзхъ",
            "ЙЦУКЕНГШЩЗ",
            "фывапролджэ",
            ";ςερτυθιοπ",
            "qwertzuiop",
            "azertyuiop",
        ] {
            assert!(weakness(typed, &[]).is_some(), "{typed}");
        }
        // Real words in another script are not made weaker by the mapping.
        assert_eq!(weakness("пушистый лемур жонглирует арбузами", &[]), None);
    }

    #[test]
    fn names_count_without_separators_and_years() {
        let why = weakness("Smith-Wedding-2026", &["smith-wedding"]).unwrap();
        assert!(why.contains("smith-wedding"), "{why}");
        assert!(weakness("SmithWedding2026", &["Smith Wedding 2026"]).is_some());
        // Words meeting by chance across a boundary are not a name.
        assert!(!contains_name("eclectic-lien-tomato", "client"));
        assert!(contains_name("my-client-rocks", "client"));
    }
}
