use std::fs;

use lightproof::format::header::{Header, Kdf, DEFAULT_KDF};
use lightproof::format::{encoding, HEADER_FILE};

use crate::util::*;

/// `viewer.js` is written as parts (themes/default/static/viewer/); the site
/// gets all of them, joined in name order, as one classic script.
#[test]
fn the_sites_viewer_js_is_its_parts_joined_in_name_order() {
    let dir = repo().join("themes/default/static/viewer");
    let mut parts: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "js"))
        .collect();
    parts.sort();
    let joined: String = parts
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    let served = fs::read_to_string(sample_site().join("viewer.js")).unwrap();
    assert!(
        served == joined,
        "viewer.js differs from {} joined in name order",
        dir.display()
    );
}

#[test]
fn the_sample_shoot_builds_into_a_flat_site_that_verifies() {
    let site = sample_site();
    let mut top: Vec<String> = fs::read_dir(site)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    top.sort();
    assert_eq!(
        top,
        [
            ".lightproof",
            "_headers",
            "apple-touch-icon.png",
            "b",
            "download-worker.js",
            "gallery.bin",
            "gallery.bin.js",
            "icon-192.png",
            "icon-512.png",
            "icon-maskable.png",
            "index.html",
            "manifest.webmanifest",
            "robots.txt",
            "style.css",
            "viewer.js",
            "viewer.wasm",
            "viewer.wasm.js"
        ]
    );
    let blobs = blob_files(site);
    // 9 photos × (thumbnail + preview) + 1 manifest.
    assert_eq!(blobs.len(), 19);
    for blob in &blobs {
        assert!(blob.is_file());
        let name = blob.file_name().unwrap().to_str().unwrap();
        assert!(encoding::base32_decode::<16>(name).is_some());
    }
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    assert_eq!(header.kdf, DEFAULT_KDF, "new galleries use Argon2id");
    let output = run(&mut lightproof(&["verify", path_str(site)]));
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("9 photos in 3 albums"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn index_html_is_generic_and_locked_down() {
    // Attribute values are HTML-escaped by the template engine; browsers unescape them.
    let html = fs::read_to_string(sample_site().join("index.html"))
        .unwrap()
        .replace("&#x27;", "'");
    assert!(html.contains("<title>Private gallery</title>"));
    assert!(html.contains("http-equiv=\"Content-Security-Policy\""));
    assert!(html.contains("'wasm-unsafe-eval'") && html.contains("default-src 'none'"));
    assert!(html.contains("name=\"referrer\" content=\"no-referrer\""));
    assert!(html.contains("name=\"robots\" content=\"noindex"));
    assert!(!html.contains("og:"), "no Open Graph tags");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external URLs"
    );
    let robots = fs::read_to_string(sample_site().join("robots.txt")).unwrap();
    assert!(robots.contains("Disallow: /"));
}

#[test]
fn the_shoot_folder_is_never_modified() {
    let before = tree_digest(&sample_shoot());
    let _ = sample_site();
    let dir = tempfile::tempdir().unwrap();
    // A failed build too: wrong output folder.
    let output = build_site(&sample_shoot(), &sample_shoot().join("out"), &[]);
    assert_eq!(output.status.code(), Some(2));
    build_ok(&sample_shoot(), &dir.path().join("s"), &["--quiet"]);
    assert_eq!(tree_digest(&sample_shoot()), before);
}

#[test]
fn a_non_empty_folder_that_is_not_a_gallery_is_refused_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg"]);
    let out = dir.path().join("documents");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("thesis.txt"), "precious").unwrap();
    let output = build_site(&shoot, &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a lightproof gallery") && stderr(&output).contains("--force")
    );
    assert_eq!(
        fs::read_dir(&out).unwrap().count(),
        1,
        "nothing was written"
    );
    build_ok(&shoot, &out, &["--force", "--quiet"]);
    assert_eq!(
        fs::read_to_string(out.join("thesis.txt")).unwrap(),
        "precious"
    );
}

#[test]
fn a_rebuild_replaces_the_gallery_and_removes_its_old_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg", "b.jpg"]);
    let out = dir.path().join("site");
    for _ in 0..2 {
        build_ok(&shoot, &out, &["--quiet"]);
        assert_eq!(blob_files(&out).len(), 5);
    }
    let output = run(&mut lightproof(&["verify", path_str(&out)]));
    assert!(output.status.success());
}

#[test]
fn output_inside_the_shoot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    make_shoot(dir.path(), &["a.jpg"]);
    let output = build_site(dir.path(), &dir.path().join("site"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("outside the shoot folder"));
}

#[test]
fn password_sources_and_empty_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg"]);
    let out = path_str(&dir.path().join("site")).to_owned();
    let empty = dir.path().join("empty");
    fs::write(&empty, "\n").unwrap();
    let output = run(&mut lightproof(&[
        "build",
        path_str(&shoot),
        "--out",
        &out,
        "--password-file",
        path_str(&empty),
    ]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("password is empty"));
    let output =
        run(lightproof(&["build", path_str(&shoot), "--out", &out]).env("LIGHTPROOF_PASSWORD", ""));
    assert_eq!(output.status.code(), Some(2));
    // No file, no variable and no terminal: a clear error, not a hang.
    let output = run(lightproof(&["build", path_str(&shoot), "--out", &out])
        .env_remove("LIGHTPROOF_PASSWORD")
        .stdin(std::process::Stdio::null()));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--password-file"));
    // The file wins over the environment.
    let file = dir.path().join("pw");
    fs::write(&file, "from the file: amber kettle orchard\n").unwrap();
    let output = run(lightproof(&[
        "build",
        path_str(&shoot),
        "--out",
        &out,
        "--password-file",
        path_str(&file),
    ])
    .arg("--quiet"));
    assert!(output.status.success());
    let output = run(lightproof(&["verify", &out])
        .env("LIGHTPROOF_PASSWORD", "from the file: amber kettle orchard"));
    assert!(output.status.success());
    let output = run(&mut lightproof(&["verify", &out]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("password does not open"));
}

#[test]
fn junk_and_non_images_are_skipped_and_listed_and_loops_do_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg", "Album/b.jpg"]);
    fs::write(shoot.join(".DS_Store"), "junk").unwrap();
    fs::write(shoot.join("Thumbs.db"), "junk").unwrap();
    fs::write(shoot.join("notes.txt"), "hello").unwrap();
    fs::write(shoot.join("Album/IMG_9999.CR2"), "raw").unwrap();
    std::os::unix::fs::symlink(&shoot, shoot.join("Album/loop")).unwrap();
    let out = dir.path().join("site");
    let output = build_ok(&shoot, &out, &[]);
    let text = stderr(&output);
    for name in [".DS_Store", "Thumbs.db", "notes.txt", "IMG_9999.CR2"] {
        assert!(text.contains(name), "{name} should be listed as skipped");
    }
    assert!(text.contains("built 2 photos in 2 albums"), "{text}");
}

#[test]
fn a_broken_photo_is_reported_and_the_others_are_built() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["good.jpg"]);
    fs::write(shoot.join("broken.jpg"), b"\xff\xd8\xff\xe0 truncated").unwrap();
    let out = dir.path().join("site");
    let output = build_site(&shoot, &out, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("broken.jpg"));
    assert!(run(&mut lightproof(&["verify", path_str(&out)]))
        .status
        .success());
}

#[test]
fn jpeg_png_webp_and_tiff_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(
        &shoot,
        &["a.jpg", "b.png", "c.webp", "d.tif", "e.TIFF", "f.jpeg"],
    );
    let out = dir.path().join("site");
    let output = build_ok(&shoot, &out, &[]);
    assert!(
        stderr(&output).contains("built 6 photos in 1 album"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_title_given_on_the_command_line_names_the_gallery() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg", "Album/b.jpg"]);
    let out = dir.path().join("site");
    build_ok(
        &shoot,
        &out,
        &["--title", "Smith & Jones wedding", "--quiet"],
    );
    let header = Header::parse(&fs::read(out.join(HEADER_FILE)).unwrap()).unwrap();
    let slot =
        lightproof::format::vault::unlock_with_password(&header, PASSWORD.as_bytes()).unwrap();
    let bytes = fs::read(out.join(lightproof::format::blob_path(&slot.manifest_id))).unwrap();
    let manifest = lightproof::format::vault::open_manifest(&header, &slot, &bytes).unwrap();
    assert_eq!(manifest.title, "Smith & Jones wedding");
    let names: Vec<_> = manifest.albums.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Smith & Jones wedding", "Album"]);
}

/// Types `lines` into `lightproof` on a real pseudo-terminal (util-linux `script`).
fn on_a_terminal(args: &str, lines: &[&str]) -> std::process::Output {
    use std::io::Write;
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_lightproof"));
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("LIGHTPROOF_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        std::thread::sleep(std::time::Duration::from_millis(400));
        writeln!(stdin, "{line}").unwrap();
    }
    child.wait_with_output().unwrap()
}

#[test]
fn the_prompt_asks_twice_and_refuses_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg"]);
    let out = dir.path().join("site");
    let args = format!(
        "build {} --out {} --quiet",
        path_str(&shoot),
        path_str(&out)
    );
    let output = on_a_terminal(&args, &["first secret", "second secret"]);
    let screen = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{screen}");
    assert!(
        screen.contains("Repeat password") && screen.contains("different"),
        "{screen}"
    );
    assert!(!out.join("gallery.bin").exists());
    let output = on_a_terminal(
        &args,
        &[
            "same secret: copper meadow violin",
            "same secret: copper meadow violin",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let output = run(lightproof(&["verify", path_str(&out)])
        .env("LIGHTPROOF_PASSWORD", "same secret: copper meadow violin"));
    assert!(output.status.success());
}

#[test]
fn off_a_terminal_progress_is_a_plain_log() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    let names: Vec<String> = (0..12).map(|i| format!("p{i:02}.png")).collect();
    make_shoot(
        &shoot,
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let site = dir.path().join("site");
    let output = build_ok(&shoot, &site, &[]);
    let log = stderr(&output);
    assert!(log.contains("lightproof: building 12 photos"), "{log}");
    assert!(log.contains("12/12 photos (100%)"), "{log}");
    assert!(
        !log.contains('\r') && !log.contains('\x1b'),
        "no bar redraws: {log:?}"
    );
    let progress_lines = log.lines().filter(|l| l.contains(" photos (")).count();
    assert!((2..=11).contains(&progress_lines), "{log}");
}

/// The KDF salt is the one thing every guess depends on: a rebuild (even
/// one that reuses every blob from the cache) draws a new one, so no
/// guessing work carries over from one build to the next.
#[test]
fn every_build_draws_a_fresh_kdf_salt() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    let site = dir.path().join("site");
    let build = || {
        build_ok(&shoot, &site, &["--quiet"]);
        open_grant(&site, PASSWORD).0
    };
    let first = build();
    let second = build();
    assert_eq!(first.gallery_id, second.gallery_id, "the same gallery");
    assert_eq!(first.kdf, DEFAULT_KDF);
    assert_eq!(second.kdf, DEFAULT_KDF);
    assert_ne!(first.kdf_salt, second.kdf_salt, "a fresh salt per build");
}

/// `--kdf-iterations` asks for PBKDF2 (the only KDF before Argon2id): such
/// a gallery is written and opened by the old code path.
#[test]
fn a_pbkdf2_gallery_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    let site = dir.path().join("site");
    build_ok(&shoot, &site, &["--kdf-iterations", "600000", "--quiet"]);
    let bytes = fs::read(site.join(HEADER_FILE)).unwrap();
    assert_eq!(bytes[24], 1, "kdf_alg 1: PBKDF2");
    let (header, manifest, _, _) = open_grant(&site, PASSWORD);
    assert_eq!(
        header.kdf,
        Kdf::Pbkdf2 {
            iterations: 600_000
        }
    );
    assert_eq!(
        manifest
            .albums
            .iter()
            .map(|a| a.photos.len())
            .sum::<usize>(),
        1
    );
    let output = run(&mut lightproof(&["verify", path_str(&site)]));
    assert!(output.status.success(), "{}", stderr(&output));
}
