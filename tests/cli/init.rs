use std::fs;
use std::path::Path;

use lightproof::format::header::Kdf;
use lightproof::format::{vault, BlobKind};
use lightproof::shoot::config::Config;
use lightproof::shoot::settings::Gallery;

use crate::util::*;

/// Everything a build decided, without its random keys and file names:
/// header settings, manifest fields, and the SHA-256 of every decrypted
/// rendition (so size, quality and watermark count too).
fn decisions(site: &Path) -> String {
    use sha2::Digest;
    let (header, manifest, _, _) = open_grant(site, PASSWORD);
    let rendition = |blob: &lightproof::format::manifest::BlobRef, kind| {
        let bytes = fs::read(site.join(blob.path())).unwrap();
        let plain = vault::open_pinned_blob(&header.gallery_id, blob, kind, &bytes).unwrap();
        lightproof::format::encoding::hex(&sha2::Sha256::digest(plain))
    };
    let photos: Vec<String> = manifest
        .photos()
        .map(|(album, photo)| {
            format!(
                "{}/{} thumb {} preview {} original {}",
                album.name,
                photo.file,
                rendition(&photo.thumb.blob, BlobKind::Thumbnail),
                rendition(&photo.preview.blob, BlobKind::Preview),
                photo.original.is_some()
            )
        })
        .collect();
    format!(
        "kdf {:?} | title {} | expires {:?} | limit {:?} | remember {} | email {:?} | {photos:#?}",
        header.kdf,
        manifest.title,
        manifest.expires,
        manifest.selection_limit,
        manifest.remember,
        manifest.photographer_email
    )
}

fn build(shoot: &Path, out: &Path) -> std::process::Output {
    build_site(shoot, out, &["--quiet"])
}

/// `text` with the option lines of `[gallery]` that `keep` accepts
/// uncommented, and how many there were. A commented table header such as
/// `# [[grant]]` ends `[gallery]`.
fn uncomment(text: &str, keep: impl Fn(&str) -> bool) -> (String, usize) {
    let mut count = 0;
    let mut in_gallery = true;
    let mut lines = String::new();
    for line in text.lines() {
        in_gallery &= !line.starts_with("# [");
        match line.strip_prefix("# ") {
            Some(option) if in_gallery && is_option(option) && keep(option) => {
                count += 1;
                lines.push_str(option);
            }
            _ => lines.push_str(line),
        }
        lines.push('\n');
    }
    (lines, count)
}

fn is_option(line: &str) -> bool {
    let key = line.split(" = ").next().unwrap();
    line.contains(" = ") && Gallery::keys().contains(&key)
}

#[test]
fn init_then_build_gives_the_same_gallery_as_no_config() {
    let dir = tempfile::tempdir().unwrap();
    let (with, without) = (dir.path().join("a"), dir.path().join("b"));
    for root in [&with, &without] {
        make_shoot(&root.join("shoot"), &["one.jpg", "Album/two.png"]);
    }
    let shoot = with.join("shoot");
    let output = run(&mut lightproof(&["init", path_str(&shoot)]));
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("the only file lightproof ever creates in a shoot folder"),
        "{}",
        stderr(&output)
    );
    assert!(build(&shoot, &with.join("site")).status.success());
    assert!(build(&without.join("shoot"), &without.join("site"))
        .status
        .success());
    let expected = decisions(&without.join("site"));
    assert_eq!(decisions(&with.join("site")), expected);

    // The defaults the file shows are the defaults a build uses.
    let config = shoot.join("lightproof.toml");
    let text = fs::read_to_string(&config).unwrap();
    let (active, count) = uncomment(&text, |option| !option.ends_with("# for example"));
    assert!(count >= 10, "only {count} defaults uncommented:\n{active}");
    fs::write(&config, active).unwrap();
    assert!(build(&shoot, &with.join("site2")).status.success());
    assert_eq!(decisions(&with.join("site2")), expected);
}

#[test]
fn init_writes_every_gallery_option_and_every_line_parses() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    assert!(run(&mut lightproof(&["init", path_str(&shoot)]))
        .status
        .success());
    let path = shoot.join("lightproof.toml");
    let text = fs::read_to_string(&path).unwrap();
    for key in Gallery::keys() {
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("# {key} = "))),
            "`lightproof init` writes no line for [gallery] key '{key}'"
        );
    }
    assert!(text.contains("# [[grant]]"));
    let config = Config::read(&path).unwrap();
    assert!(config.grants.is_empty());

    // Examples included: every value shown is one the table accepts.
    let (all, count) = uncomment(&text, |_| true);
    assert_eq!(count, Gallery::keys().len());
    fs::write(&path, &all).unwrap();
    Config::read(&path).unwrap();
    let table: toml::Table = all.parse().unwrap();
    assert_eq!(
        table["gallery"].as_table().unwrap().len(),
        Gallery::keys().len()
    );
}

#[test]
fn init_never_replaces_a_file_and_needs_a_shoot_folder() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    fs::write(shoot.join("lightproof.toml"), "# mine\n").unwrap();
    let output = run(&mut lightproof(&["init", path_str(&shoot)]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("already exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        fs::read_to_string(shoot.join("lightproof.toml")).unwrap(),
        "# mine\n"
    );
    let missing = dir.path().join("no such shoot");
    let output = run(&mut lightproof(&["init", path_str(&missing)]));
    assert_eq!(output.status.code(), Some(2));
    assert!(!missing.exists());
}

#[test]
fn a_flag_wins_over_the_config_and_the_config_over_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    fs::write(
        shoot.join("lightproof.toml"),
        "[gallery]\ntitle = \"From the file\"\nselection_limit = 10\nkdf_iterations = 700000\nremember = true\nout = \"../from-file\"\n",
    )
    .unwrap();
    // No --out: the file's, relative to the file.
    let output =
        run(lightproof(&["build", path_str(&shoot), "--selection-limit", "20"]).arg("--quiet"));
    assert!(output.status.success());
    let (header, manifest, _, _) = open_grant(&dir.path().join("from-file"), PASSWORD);
    assert_eq!(manifest.title, "From the file");
    assert_eq!(manifest.selection_limit, Some(20));
    assert!(manifest.remember);
    assert_eq!(
        header.kdf,
        Kdf::Pbkdf2 {
            iterations: 700_000
        }
    );
    assert_eq!(manifest.expires, None, "the default");

    let other = dir.path().join("other");
    let output = run(lightproof(&[
        "build",
        path_str(&shoot),
        "-o",
        path_str(&other),
        "--kdf-iterations",
        "800000",
    ])
    .arg("--quiet"));
    assert!(output.status.success());
    let (header, manifest, _, _) = open_grant(&other, PASSWORD);
    assert_eq!(
        header.kdf,
        Kdf::Pbkdf2 {
            iterations: 800_000
        }
    );
    assert_eq!(manifest.selection_limit, Some(10));
}

#[test]
fn a_selection_minimum_reaches_the_manifest_and_one_above_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    fs::write(
        shoot.join("lightproof.toml"),
        "[gallery]\nselection_min = 5\nselection_limit = 25\n",
    )
    .unwrap();
    let site = dir.path().join("site");
    let output =
        run(lightproof(&["build", path_str(&shoot), "-o", path_str(&site)]).arg("--quiet"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, manifest, _, _) = open_grant(&site, PASSWORD);
    assert_eq!(
        (manifest.selection_min, manifest.selection_limit),
        (Some(5), Some(25))
    );

    let refused = dir.path().join("refused");
    let output = run(lightproof(&[
        "build",
        path_str(&shoot),
        "-o",
        path_str(&refused),
        "--selection-limit",
        "3",
    ])
    .arg("--quiet"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("selection_min (5) is above selection_limit (3)"),
        "{stderr}"
    );
    assert!(!refused.exists(), "nothing was written");
}

#[test]
fn paths_in_a_config_given_with_config_are_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    let settings = dir.path().join("settings");
    fs::create_dir(&settings).unwrap();
    image::RgbaImage::from_pixel(40, 20, image::Rgba([255, 255, 255, 200]))
        .save(settings.join("logo.png"))
        .unwrap();
    let config = settings.join("studio.toml");
    fs::write(
        &config,
        "[gallery]\nout = \"site\"\nwatermark_logo = \"logo.png\"\n",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let output = run(
        lightproof(&["build", path_str(&shoot), "--config", path_str(&config)])
            .arg("--quiet")
            .current_dir(elsewhere.path()),
    );
    assert!(output.status.success());
    assert!(settings.join("site/gallery.bin").is_file());

    fs::write(
        &config,
        "[gallery]\nout = \"site\"\nwatermark_logo = \"gone.png\"\n",
    )
    .unwrap();
    let output = run(
        lightproof(&["build", path_str(&shoot), "--config", path_str(&config)])
            .current_dir(elsewhere.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    let expected = settings.join("gone.png");
    assert!(
        stderr(&output).contains(path_str(&expected)),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_gallery_values_name_the_file_the_line_and_the_key() {
    let cases = [
        (
            "[gallery]\n\nquality = 101\n",
            "line 3: quality must be from 1 to 100, not 101",
        ),
        (
            "[gallery]\nthumbsize = 300\n",
            "line 2: unknown field `thumbsize`",
        ),
        (
            "[gallery]\nwatermark_position = \"middle\"\n",
            "line 2: watermark_position must be one of",
        ),
        (
            "[gallery]\nexpires = \"31/12/2026\"\n",
            "line 2: expires must be a date",
        ),
        ("[gallery]\nremember = \"yes\"\n", "line 2:"),
        (
            "[gallery]\nwatermark = \"©\"\nwatermark_logo = \"l.png\"\n",
            "sets both watermark and watermark_logo",
        ),
    ];
    for (config, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let shoot = dir.path().join("shoot");
        make_shoot(&shoot, &["one.jpg"]);
        fs::write(shoot.join("lightproof.toml"), config).unwrap();
        let site = dir.path().join("site");
        let output = run(&mut lightproof(&[
            "build",
            path_str(&shoot),
            "-o",
            path_str(&site),
        ]));
        assert_eq!(output.status.code(), Some(2), "{config}");
        let text = stderr(&output);
        assert!(
            text.contains("lightproof.toml") && text.contains(message),
            "{config}\n{text}"
        );
        assert!(!site.exists());
    }
}

#[test]
fn without_an_output_folder_build_says_where_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["one.jpg"]);
    let output = run(&mut lightproof(&["build", path_str(&shoot)]));
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("--out") && text.contains("out = "), "{text}");
}
