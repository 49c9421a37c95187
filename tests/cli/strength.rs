//! The strength check refuses what zxcvbn alone let through: a keyboard row
//! typed on another layout, famous passphrases, and the shoot's own names
//! with separators and years; a generated passphrase still passes.

use std::fs;
use std::path::Path;

use crate::util::*;

/// Builds `shoot` with `password`; returns the output.
fn build_with(shoot: &Path, site: &Path, password: &str) -> std::process::Output {
    run(
        lightproof(&["build", path_str(shoot), "--out", path_str(site)])
            .arg("--quiet")
            .env("LIGHTPROOF_PASSWORD", password),
    )
}

#[test]
fn layout_rows_famous_phrases_and_shoot_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("Smith Wedding");
    make_shoot(&shoot, &["IMG_0001.jpg", "Ceremony/IMG_0002.jpg"]);
    let site = dir.path().join("site");
    let cases = [
        // QWERTY's top row, typed on a Russian layout.
        (
            "йцукенгшщзхъ",
            "the same keys on a Russian or Ukrainian keyboard",
        ),
        ("correcthorsebatterystaple", "built on a famous passphrase"),
        (
            "Correct Horse Battery Staple!",
            "built on a famous passphrase",
        ),
        ("Smith-Wedding-2026", "it contains 'smith wedding'"),
        ("ceremony.smith.2026", "it contains 'ceremony'"),
    ];
    for (password, why) in cases {
        let output = build_with(&shoot, &site, password);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{password}: {}",
            stderr(&output)
        );
        let log = stderr(&output);
        assert!(log.contains("is too weak"), "{password}: {log}");
        assert!(log.contains(why), "{password}: {log}");
        assert!(!log.contains(password), "the password is never printed");
        assert!(!site.join("gallery.bin").exists());
    }
}

#[test]
fn a_generated_passphrase_still_passes() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("Smith Wedding");
    make_shoot(&shoot, &["IMG_0001.jpg", "Ceremony/IMG_0002.jpg"]);
    let generated = run(&mut lightproof(&["passwd"]));
    assert!(generated.status.success());
    let phrase = String::from_utf8(generated.stdout).unwrap();
    let output = build_with(&shoot, &dir.path().join("site"), phrase.trim());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(fs::metadata(dir.path().join("site/gallery.bin")).is_ok());
}
