//! The cover and the studio's branding (`[gallery]` cover, date, studio,
//! studio_logo, accent, font): what reaches the manifest, only encrypted,
//! and the errors a photographer gets for a wrong value.

use std::fs;
use std::path::Path;

use lightproof::format::{vault, BlobKind};

use crate::util::*;

/// A 2×1 PNG: the studio's logo.
fn logo(path: &Path) -> Vec<u8> {
    image::RgbImage::from_pixel(2, 1, image::Rgb([200, 30, 90]))
        .save(path)
        .unwrap();
    fs::read(path).unwrap()
}

/// A shoot of two photos (top level, then "Seaside"), its config file with
/// `gallery` as its [gallery] table (besides `out`), and the build's output.
fn build_with(dir: &Path, gallery: &str) -> std::process::Output {
    let shoot = dir.join("smith-wedding_2026");
    make_shoot(&shoot, &["a.jpg", "Seaside/b.jpg"]);
    let config = dir.join("lightproof.toml");
    fs::write(&config, format!("[gallery]\nout = \"site\"\n{gallery}")).unwrap();
    let mut command = lightproof(&["build", path_str(&shoot), "--config", path_str(&config)]);
    command.arg("--quiet");
    run(&mut command)
}

#[test]
fn the_cover_date_and_studio_reach_the_manifest_encrypted_only() {
    let dir = tempfile::tempdir().unwrap();
    let logo = logo(&dir.path().join("logo.png"));
    let output = build_with(
        dir.path(),
        "cover = \"Seaside/b.jpg\"\ndate = \"2026-06-14\"\nstudio = \"Lumen Studio\"\n\
         studio_logo = \"logo.png\"\naccent = \"#8A3B12\"\nfont = \"serif\"\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let site = dir.path().join("site");
    let (header, manifest, _, _) = open_grant(&site, PASSWORD);
    assert_eq!(manifest.title, "Smith wedding 2026");
    let albums: Vec<&str> = manifest.albums.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(albums, ["Photos", "Seaside"]);
    assert_eq!(manifest.cover, Some(1), "b.jpg is the second photo");
    assert_eq!(manifest.date.as_deref(), Some("2026-06-14"));
    let studio = manifest.studio.expect("a studio");
    assert_eq!(studio.name.as_deref(), Some("Lumen Studio"));
    assert_eq!(studio.accent.as_deref(), Some("#8a3b12"));
    let open = |file: &lightproof::format::manifest::StudioFile| {
        let bytes = fs::read(site.join(file.blob.path())).unwrap();
        vault::open_pinned_blob(&header.gallery_id, &file.blob, BlobKind::Studio, &bytes).unwrap()
    };
    let logo_file = studio.logo.expect("a logo");
    assert_eq!(logo_file.media_type, "image/png");
    assert_eq!(open(&logo_file), logo);
    let font = studio.font.expect("a font");
    assert_eq!(font.media_type, "font/woff2");
    assert!(open(&font).starts_with(b"wOF2"));
    // Neither name nor logo is anywhere in the site unencrypted.
    for file in files_under(&site) {
        let bytes = fs::read(&file).unwrap();
        assert!(
            !bytes.windows(12).any(|w| w == b"Lumen Studio"),
            "{}",
            file.display()
        );
        assert!(
            !bytes.windows(logo.len()).any(|w| w == logo),
            "{}",
            file.display()
        );
    }
    // A rebuild keeps the studio's blobs (no blob of the site goes missing).
    let again = build_with(dir.path(), "studio = \"Lumen Studio\"\n");
    assert!(again.status.success(), "{}", stderr(&again));
    let (_, manifest, _, _) = open_grant(&site, PASSWORD);
    assert_eq!(manifest.cover, None, "the first photo");
    assert!(manifest.studio.unwrap().logo.is_none());
}

#[test]
fn without_settings_the_cover_is_the_first_photo_dated_from_its_exif() {
    let (_, manifest, _, _) = open_grant(sample_site(), PASSWORD);
    assert_eq!(manifest.title, "Sample shoot");
    assert_eq!(manifest.albums[0].name, "Photos");
    assert!(manifest.albums[0].main);
    assert_eq!(manifest.cover, None);
    // IMG_0101.jpg, the first photo, was taken on 14 June 2024.
    assert_eq!(manifest.date.as_deref(), Some("2024-06-14"));
    assert!(manifest.studio.is_none());
}

#[test]
fn wrong_cover_and_branding_values_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
    for (i, (gallery, why)) in [
        (
            "cover = \"Seaside/missing.jpg\"",
            "the cover 'Seaside/missing.jpg' is not a photo of the shoot",
        ),
        (
            "studio_logo = \"notes.txt\"",
            "is not a PNG, JPEG, WebP or SVG file",
        ),
        (
            "studio_logo = \"absent.png\"",
            "cannot read the studio logo",
        ),
        (
            "accent = \"teal\"",
            "accent: 'teal' is not a colour written #rrggbb",
        ),
        (
            "font = \"comic\"",
            "font must be one of default, serif, light",
        ),
        (
            "date = \"2026-02-30\"",
            "date must be a date written YYYY-MM-DD",
        ),
        ("studio = \"Line\\nbreak\"", "the studio name"),
    ]
    .into_iter()
    .enumerate()
    {
        let case = dir.path().join(format!("case{i}"));
        fs::create_dir_all(&case).unwrap();
        fs::copy(dir.path().join("notes.txt"), case.join("notes.txt")).unwrap();
        let output = build_with(&case, &format!("{gallery}\n"));
        assert_refused(&output, why);
        assert!(!case.join("site").join("gallery.bin").exists(), "{gallery}");
    }
}

/// `lock_screen = "studio"` puts exactly the studio's name and logo in the
/// public page: the page is the private one plus that block, with nothing
/// else of the shoot; verify accepts it, and refuses a page whose studio a
/// host changed.
#[test]
fn the_lock_screen_shows_the_studio_only_when_asked() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let logo = logo(&dir.path().join("logo.png"));
    let branded = "title = \"Anna & Tom\"\nstudio = \"Lumen Studio\"\nstudio_logo = \"logo.png\"\ntheme = \"classic\"\n";
    assert!(build_with(dir.path(), branded).status.success());
    let site = dir.path().join("site");
    let private = fs::read_to_string(site.join("index.html")).unwrap();
    assert!(!private.contains("Lumen Studio") && !private.contains("lock-studio"));

    let output = build_with(dir.path(), &format!("{branded}lock_screen = \"studio\"\n"));
    assert!(output.status.success(), "{}", stderr(&output));
    let page = fs::read_to_string(site.join("index.html")).unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&logo);
    assert!(
        page.contains("<p class=\"lock-studio-name\">Lumen Studio</p>"),
        "{page}"
    );
    assert!(page.contains(&encoded));
    let start = page.find("<div id=\"lock-studio\"").unwrap();
    let end = start + page[start..].find("</div>").unwrap() + "</div>".len();
    let block = &page[start..end];
    for secret in ["Anna", "Tom", "Seaside", "a.jpg", "b.jpg", "smith", "Smith"] {
        assert!(!page.contains(secret), "{secret} is in the public page");
    }
    // Without the studio's block, the page is the private page.
    let (before, after) = (&page[..start], &page[end..]);
    let private_start = private.find("<div class=\"classic-rule\"").unwrap();
    let private_end = private_start + private[private_start..].find("</div>").unwrap() + 6;
    assert_eq!(before, &private[..private_start]);
    assert_eq!(after, &private[private_end..]);
    assert!(block.contains("lock-logo") && block.contains("Lumen Studio"));

    let verify = run(&mut lightproof(&["verify", path_str(&site)]));
    assert!(verify.status.success(), "{}", stderr(&verify));
    fs::write(
        site.join("index.html"),
        page.replace("Lumen Studio", "Other Studio"),
    )
    .unwrap();
    let verify = run(&mut lightproof(&["verify", path_str(&site)]));
    assert!(!verify.status.success());
    assert!(
        stderr(&verify).contains("index.html"),
        "{}",
        stderr(&verify)
    );
}

#[test]
fn a_lock_screen_with_no_studio_to_show_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = build_with(dir.path(), "lock_screen = \"studio\"\n");
    assert_refused(&output, "neither studio nor studio_logo is set");
}
