//! Where the password comes from, and its canonical form.
//!
//! Sources, first match wins: `--password-file FILE`, then the
//! `LIGHTPROOF_PASSWORD` environment variable, then an interactive prompt
//! (asked twice when creating a gallery). The prompt is the recommended way:
//! a file can be left behind and the environment is visible to other
//! processes of the same user. The password is normalised to Unicode NFC, so
//! "é" typed as one or two code points opens the same gallery.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

pub const PASSWORD_ENV: &str = "LIGHTPROOF_PASSWORD";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    #[error("cannot read the password file '{path}': {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the password is empty")]
    Empty,
    #[error("the two passwords you typed are different")]
    Mismatch,
    #[error(
        "no password given: use --password-file FILE or set {PASSWORD_ENV} (no terminal to ask on)"
    )]
    NoTerminal,
    #[error("no password for grant '{0}': set password_file in lightproof.toml or {1} (no terminal to ask on)")]
    NoTerminalForGrant(String, String),
    #[error("cannot read the password from the terminal: {0}")]
    Prompt(std::io::Error),
}

/// Whether the prompt asks twice (new gallery) or once (opening one).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Twice,
    Once,
}

/// A password in canonical form (NFC, UTF-8), zeroized on drop.
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(text: &str) -> Result<Self, PasswordError> {
        if text.is_empty() {
            return Err(PasswordError::Empty);
        }
        Ok(Self(Zeroizing::new(text.nfc().collect())))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Finds the password from the file, the environment or the terminal.
pub fn obtain(password_file: Option<&Path>, confirm: Confirm) -> Result<Password, PasswordError> {
    if let Some(path) = password_file {
        return from_file(path);
    }
    if let Ok(text) = std::env::var(PASSWORD_ENV) {
        return Password::new(&Zeroizing::new(text));
    }
    prompt("Gallery password: ", confirm)
}

/// The password of grant `name`: its `password_file`, else the variable
/// `LIGHTPROOF_PASSWORD_<NAME>` (upper case, other characters as `_`), else
/// the terminal, naming the grant.
pub fn obtain_for_grant(
    name: &str,
    password_file: Option<&Path>,
    confirm: Confirm,
) -> Result<Password, PasswordError> {
    if let Some(path) = password_file {
        return from_file(path);
    }
    if let Ok(text) = std::env::var(grant_env(name)) {
        return Password::new(&Zeroizing::new(text));
    }
    if !std::io::stdin().is_terminal() {
        return Err(PasswordError::NoTerminalForGrant(
            name.to_owned(),
            grant_env(name),
        ));
    }
    prompt(&format!("Password for grant '{name}': "), confirm)
}

/// `LIGHTPROOF_PASSWORD_FAMILY` for grant "family".
pub fn grant_env(name: &str) -> String {
    let suffix: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{PASSWORD_ENV}_{suffix}")
}

/// The file's first line, without its line ending. Other whitespace counts.
fn from_file(path: &Path) -> Result<Password, PasswordError> {
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| PasswordError::File {
                path: path.to_owned(),
                source,
            })?,
        );
    let line = text.split('\n').next().unwrap_or("");
    Password::new(line.strip_suffix('\r').unwrap_or(line))
}

/// Asks on the terminal (not stdout or stderr, which may be redirected).
fn prompt(question: &str, confirm: Confirm) -> Result<Password, PasswordError> {
    if !std::io::stdin().is_terminal() {
        return Err(PasswordError::NoTerminal);
    }
    let first =
        Zeroizing::new(rpassword::prompt_password(question).map_err(PasswordError::Prompt)?);
    if confirm == Confirm::Twice {
        let second = Zeroizing::new(
            rpassword::prompt_password("Repeat password: ").map_err(PasswordError::Prompt)?,
        );
        if *first != *second {
            return Err(PasswordError::Mismatch);
        }
    }
    Password::new(&first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_and_nfd_spellings_are_the_same_password() {
        let composed = Password::new("caf\u{e9}").unwrap();
        let decomposed = Password::new("cafe\u{301}").unwrap();
        assert_eq!(composed.as_bytes(), decomposed.as_bytes());
    }

    #[test]
    fn empty_is_refused_and_debug_is_redacted() {
        assert!(matches!(Password::new(""), Err(PasswordError::Empty)));
        let password = Password::new("sentinel-secret").unwrap();
        assert!(!format!("{password:?}").contains("sentinel"));
    }

    #[test]
    fn file_takes_the_first_line_without_its_ending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "  spaced pass \r\nsecond line\n").unwrap();
        assert_eq!(from_file(&path).unwrap().as_str(), "  spaced pass ");
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(from_file(&path), Err(PasswordError::Empty)));
    }
}
