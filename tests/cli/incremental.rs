//! Incremental rebuilds through the build cache: only new or changed photos
//! are rendered, a password change rewrites nothing but `gallery.bin`,
//! render settings and `--no-cache` re-render, and the cache (outside the
//! site) holds no pixels.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::*;

struct Setup {
    _dir: tempfile::TempDir,
    shoot: PathBuf,
    site: PathBuf,
    cache: PathBuf,
}

fn setup(photos: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_numbered_shoot(&shoot, photos);
    let (site, cache) = (dir.path().join("site"), dir.path().join("cache"));
    Setup {
        _dir: dir,
        shoot,
        site,
        cache,
    }
}

/// Builds and returns stderr; `extra` are more arguments.
fn build(setup: &Setup, password: &str, extra: &[&str]) -> String {
    let output = run(lightproof(&[
        "build",
        path_str(&setup.shoot),
        "--out",
        path_str(&setup.site),
        "--cache-dir",
        path_str(&setup.cache),
    ])
    .args(extra)
    .env("LIGHTPROOF_PASSWORD", password));
    assert!(output.status.success());
    stderr(&output)
}

/// Every file of the site by name, with its bytes.
fn snapshot(site: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(site)
        .into_iter()
        .map(|path| {
            (
                path.strip_prefix(site).unwrap().to_owned(),
                fs::read(&path).unwrap(),
            )
        })
        .collect()
}

fn blobs(snapshot: &BTreeMap<PathBuf, Vec<u8>>) -> BTreeMap<&PathBuf, &Vec<u8>> {
    snapshot
        .iter()
        .filter(|(path, _)| path.starts_with("b") && path.extension().is_none())
        .collect()
}

fn verify_with(site: &Path, password: &str) -> bool {
    run(lightproof(&["verify", path_str(site)]).env("LIGHTPROOF_PASSWORD", password))
        .status
        .success()
}

#[test]
fn adding_a_photo_renders_only_that_photo_and_keeps_every_other_blob() {
    let setup = setup(4);
    assert!(build(&setup, PASSWORD, &[]).contains("built 4 photos in"));
    let before = snapshot(&setup.site);
    make_shoot(&setup.shoot, &["zz-new.png"]);
    let log = build(&setup, PASSWORD, &[]);
    assert!(
        log.contains("built 5 photos (1 rendered, 4 unchanged"),
        "{log}"
    );
    let after = snapshot(&setup.site);
    let (old, new) = (blobs(&before), blobs(&after));
    // 4 × 2 renditions kept byte for byte; the manifest is new; 2 new renditions.
    let kept = old
        .iter()
        .filter(|(path, bytes)| new.get(*path) == Some(*bytes))
        .count();
    assert_eq!(kept, 8);
    assert_eq!(new.len(), 11);
    assert!(verify_with(&setup.site, PASSWORD));
}

#[test]
fn a_password_change_rewrites_only_the_header() {
    let setup = setup(3);
    build(&setup, "first: quiet umbrella canyon ledger", &[]);
    let before = snapshot(&setup.site);
    let log = build(&setup, "second: brisk walnut lantern atlas", &[]);
    assert!(log.contains("0 rendered, 3 unchanged"), "{log}");
    let after = snapshot(&setup.site);
    let changed: Vec<_> = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
        .map(|(path, _)| path.clone())
        .collect();
    assert_eq!(
        changed,
        [
            PathBuf::from("gallery.bin"),
            PathBuf::from("gallery.bin.js")
        ]
    );
    assert_eq!(before.len(), after.len());
    assert!(verify_with(
        &setup.site,
        "second: brisk walnut lantern atlas"
    ));
    assert!(!verify_with(
        &setup.site,
        "first: quiet umbrella canyon ledger"
    ));
}

#[test]
fn changed_photos_settings_and_no_cache_render_again() {
    let setup = setup(3);
    build(&setup, PASSWORD, &[]);
    // A photo re-exported with different pixels (new size and mtime).
    std::thread::sleep(std::time::Duration::from_millis(20));
    image::RgbImage::from_pixel(80, 60, image::Rgb([200, 10, 10]))
        .save(setup.shoot.join("photo-1.png"))
        .unwrap();
    let log = build(&setup, PASSWORD, &[]);
    assert!(log.contains("1 rendered, 2 unchanged"), "{log}");
    for settings in [
        &["--quality", "70"][..],
        &["--quality", "70", "--watermark", "Proof"],
    ] {
        let log = build(&setup, PASSWORD, settings);
        assert!(
            log.contains("built 3 photos in"),
            "every photo re-rendered: {log}"
        );
    }
    let before = snapshot(&setup.site);
    let log = build(
        &setup,
        PASSWORD,
        &["--quality", "70", "--watermark", "Proof", "--no-cache"],
    );
    assert!(log.contains("built 3 photos in"), "{log}");
    let after = snapshot(&setup.site);
    let shared = blobs(&after)
        .keys()
        .filter(|path| before.contains_key(**path))
        .count();
    assert_eq!(shared, 0, "--no-cache makes new blobs under new keys");
    assert!(verify_with(&setup.site, PASSWORD));
}

#[test]
fn a_damaged_blob_in_the_site_is_rendered_again_not_reused() {
    let setup = setup(2);
    build(&setup, PASSWORD, &[]);
    let blob = blob_files(&setup.site).into_iter().next().unwrap();
    let mut bytes = fs::read(&blob).unwrap();
    bytes[100] ^= 1;
    fs::write(&blob, bytes).unwrap();
    let log = build(&setup, PASSWORD, &[]);
    // The damaged blob is a rendition (re-rendered) or the manifest (resealed).
    assert!(
        log.contains("1 rendered, 1 unchanged") || log.contains("0 rendered, 2 unchanged"),
        "{log}"
    );
    assert!(verify_with(&setup.site, PASSWORD));
}

#[test]
fn the_cache_lives_outside_the_site_is_private_and_holds_no_pixels() {
    let setup = setup(2);
    build(&setup, PASSWORD, &[]);
    let cached = files_under(&setup.cache);
    assert_eq!(cached.len(), 1, "{cached:?}");
    let bytes = fs::read(&cached[0]).unwrap();
    assert!(
        !bytes.windows(3).any(|w| w == b"\xff\xd8\xff"),
        "no JPEG in the cache"
    );
    assert!(!bytes.windows(4).any(|w| w == b"\x89PNG"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&cached[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "cache file mode {mode:o}");
    }
    let site_files = files_under(&setup.site);
    assert!(site_files
        .iter()
        .all(|path| !path.to_string_lossy().contains("cache")));
}
