//! Grants: several passwords, each opening some albums. Every key a grant
//! holds is tried against every blob of the site: a grant opens exactly the
//! blobs of its own albums and its own manifest, nothing else.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use lightproof::format::header::Header;
use lightproof::format::{blob_path, encoding, vault, BlobKind, Key32, HEADER_FILE};

use crate::util::*;

const GRANTS: [(&str, &str, &str); 3] = [
    ("client", "", "orchid tandem ferry, all albums"),
    (
        "family",
        "albums = [\"Ceremony\"]",
        "pebble cobalt sonnet, one album",
    ),
    (
        "friends",
        "albums = [\"Mountains\", \"main\"]",
        "lilac summit oyster, two albums",
    ),
];

/// A copy of the sample shoot with three grants, and its site.
fn granted_site() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    let config: String = GRANTS
        .iter()
        .map(|(name, albums, _)| format!("[[grant]]\nname = \"{name}\"\n{albums}\n\n"))
        .collect();
    fs::write(shoot.join("lightproof.toml"), config).unwrap();
    let site = dir.path().join("site");
    let output = run(with_grant_passwords(&mut lightproof(&[
        "build",
        path_str(&shoot),
        "--out",
        path_str(&site),
    ])));
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains("grant 'family' opens 1 album and 3 photos"),
        "{log}"
    );
    assert!(
        !log.contains("lightproof.toml"),
        "the config is not reported as a skipped file"
    );
    (dir, shoot, site)
}

fn with_grant_passwords(command: &mut std::process::Command) -> &mut std::process::Command {
    command.env_remove("LIGHTPROOF_PASSWORD");
    for (name, _, password) in GRANTS {
        command.env(
            format!("LIGHTPROOF_PASSWORD_{}", name.to_uppercase()),
            password,
        );
    }
    command
}

#[test]
fn each_grant_opens_exactly_its_albums_and_no_other_blob() {
    let (_dir, _, site) = granted_site();
    let blobs: Vec<PathBuf> = blob_files(&site);
    let expected_albums = [
        vec!["Photos", "Ceremony", "Mountains"],
        vec!["Ceremony"],
        vec!["Photos", "Mountains"],
    ];
    for ((name, _, password), albums) in GRANTS.iter().zip(expected_albums) {
        let (header, manifest, manifest_file, manifest_key) = open_grant(&site, password);
        let names: Vec<&str> = manifest.albums.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, albums, "grant {name}");
        let mut keys = vec![manifest_key];
        let mut referenced = BTreeSet::from([manifest_file]);
        for (_, photo) in manifest.photos() {
            for rendition in [&photo.thumb, &photo.preview] {
                keys.push(rendition.blob.key.clone());
                referenced.insert(rendition.blob.path());
            }
        }
        let kinds = [BlobKind::Manifest, BlobKind::Thumbnail, BlobKind::Preview];
        let opened = blobs_opened(&header.gallery_id, &blobs, &keys, &kinds);
        assert_eq!(
            opened, referenced,
            "grant {name} opens exactly its own blobs"
        );
    }
    // The three manifests and the 9 photos' 18 renditions, each stored once.
    assert_eq!(blobs.len(), 3 + 18);
}

#[test]
fn verify_checks_each_grant_with_its_password() {
    let (_dir, _, site) = granted_site();
    for (expected, (_, _, password)) in [
        "9 photos in 3 albums",
        "3 photos in 1 album",
        "6 photos in 2 albums",
    ]
    .iter()
    .zip(GRANTS)
    {
        let output =
            run(lightproof(&["verify", path_str(&site)]).env("LIGHTPROOF_PASSWORD", password));
        assert!(output.status.success());
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
}

#[test]
fn changing_one_grant_password_rewrites_only_the_header() {
    let (_dir, shoot, site) = granted_site();
    let before: Vec<_> = files_under(&site)
        .into_iter()
        .map(|p| (p.clone(), fs::read(p).unwrap()))
        .collect();
    let output = run(with_grant_passwords(&mut lightproof(&[
        "build",
        path_str(&shoot),
        "--out",
        path_str(&site),
    ]))
    .env("LIGHTPROOF_PASSWORD_FAMILY", "a new walnut quartz melody"));
    assert!(output.status.success(), "{}", stderr(&output));
    let changed: Vec<_> = before
        .iter()
        .filter(|(path, bytes)| fs::read(path).ok().as_ref() != Some(bytes))
        .map(|(path, _)| path.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(changed, ["gallery.bin", "gallery.bin.js"]);
    open_grant(&site, "a new walnut quartz melody");
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    assert!(vault::unlock_with_password(&header, GRANTS[1].2.as_bytes()).is_err());
}

#[test]
fn bad_grants_are_refused_before_anything_is_written() {
    let cases = [
        (
            "[[grant]]\nname = \"a\"\nalbums = [\"Reception\"]\n",
            "names the album 'Reception'",
        ),
        (
            "[[grant]]\nname = \"a\"\n[[grant]]\nname = \"a\"\n",
            "two grants are called 'a'",
        ),
        (
            "[[grant]]\nname = \"a\"\n[[grant]]\nname = \"b\"\n",
            "have the same password",
        ),
        (
            "[[grant]]\nnaem = \"a\"\n",
            "is not valid: line 2: unknown field `naem`",
        ),
        (
            "[[grant]]\nname = \"c\"\n",
            "password of grant 'c' is too weak: it could be guessed",
        ),
        (
            "[[grant]]\nname = \"d\"\n",
            "password of grant 'd' is too weak: it contains 'ceremony'",
        ),
    ];
    for (config, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let shoot = dir.path().join("shoot");
        copy_dir(&sample_shoot(), &shoot);
        fs::write(shoot.join("lightproof.toml"), config).unwrap();
        let site = dir.path().join("site");
        let output = run(
            lightproof(&["build", path_str(&shoot), "--out", path_str(&site)])
                .env("LIGHTPROOF_PASSWORD_A", "identical tiger lantern opera")
                .env("LIGHTPROOF_PASSWORD_B", "identical tiger lantern opera")
                .env("LIGHTPROOF_PASSWORD_C", "Summer2026!")
                .env(
                    "LIGHTPROOF_PASSWORD_D",
                    "our ceremony in the quiet glade, 1987",
                ),
        );
        assert_eq!(output.status.code(), Some(2), "{config}");
        assert!(
            stderr(&output).contains(message),
            "{config}: {}",
            stderr(&output)
        );
        assert!(!site.join(HEADER_FILE).exists());
    }
}

#[test]
fn allow_weak_builds_with_a_weak_password_and_passwd_makes_strong_ones() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.png"]);
    let site = dir.path().join("site");
    let build = |extra: &[&str]| {
        run(lightproof(&[
            "build",
            path_str(&shoot),
            "--out",
            path_str(&site),
            "--quiet",
        ])
        .args(extra)
        .env("LIGHTPROOF_PASSWORD", "letmein"))
    };
    assert_eq!(build(&[]).status.code(), Some(2));
    assert!(build(&["--allow-weak"]).status.success());
    let phrases: Vec<String> = (0..2)
        .map(|_| {
            let output = run(&mut lightproof(&["passwd"]));
            assert!(output.status.success());
            assert!(stderr(&output).contains("77.5 bits"), "{}", stderr(&output));
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        })
        .collect();
    assert_ne!(phrases[0], phrases[1]);
    assert_eq!(phrases[0].split('-').count(), 6);
    let output = run(lightproof(&[
        "build",
        path_str(&shoot),
        "--out",
        path_str(&site),
        "--quiet",
    ])
    .env("LIGHTPROOF_PASSWORD", &phrases[0]));
    assert!(
        output.status.success(),
        "a generated passphrase is accepted"
    );
}

/// A shoot with a linked grant and a two-factor grant, built; returns the
/// dir, shoot, site and the output of `lightproof link`.
pub(crate) fn linked_site() -> (tempfile::TempDir, PathBuf, PathBuf, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    let config = "[[grant]]\nname = \"client\"\nlink = true\n\n\
                  [[grant]]\nname = \"vip\"\nalbums = [\"Mountains\"]\ntwo_factor_link = true\n";
    fs::write(shoot.join("lightproof.toml"), config).unwrap();
    let site = dir.path().join("site");
    let build = || {
        let output = run(
            lightproof(&["build", path_str(&shoot), "--out", path_str(&site)])
                .env(
                    "LIGHTPROOF_PASSWORD_CLIENT",
                    "saffron violet tundra for links",
                )
                .env(
                    "LIGHTPROOF_PASSWORD_VIP",
                    "marble kite horizon, second factor",
                ),
        );
        assert!(output.status.success(), "{}", stderr(&output));
    };
    let links = || {
        let output = run(&mut lightproof(&[
            "link",
            path_str(&site),
            "--url",
            "https://example.com/g/",
        ]));
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    build();
    let first = links();
    build();
    assert_eq!(links(), first, "a rebuild keeps the links already sent");
    (dir, shoot, site, first)
}

pub(crate) fn secret_of(line: &str, tag: &str) -> Key32 {
    let encoded = line.split_once(&format!("#{tag}=")).unwrap().1;
    Key32::from_bytes(encoding::base32_decode::<32>(encoded).unwrap())
}

#[test]
fn key_links_open_their_grant_and_two_factor_needs_both_halves() {
    let (_dir, _, site, links) = linked_site();
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links
        .iter()
        .all(|l| l.starts_with("https://example.com/g/#k")));
    let plain = links.iter().find(|l| l.contains("#k=")).unwrap();
    let two_factor = links.iter().find(|l| l.contains("#k2=")).unwrap();
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();

    let slot = vault::unlock_with_link(&header, &secret_of(plain, "k")).unwrap();
    let manifest_file = fs::read(site.join(blob_path(&slot.manifest_id))).unwrap();
    let manifest = vault::open_manifest(&header, &slot, &manifest_file).unwrap();
    assert_eq!(
        manifest.albums.len(),
        3,
        "the client link opens the client grant"
    );
    assert!(vault::unlock_with_password(&header, b"saffron violet tundra for links").is_ok());

    let vip_secret = secret_of(two_factor, "k2");
    let vip_password = b"marble kite horizon, second factor";
    assert!(
        vault::unlock_with_password(&header, vip_password).is_err(),
        "password alone"
    );
    assert!(
        vault::unlock_with_link(&header, &vip_secret).is_err(),
        "link alone"
    );
    assert!(vault::unlock_with_link_and_password(&header, &vip_secret, b"wrong").is_err());
    let slot = vault::unlock_with_link_and_password(&header, &vip_secret, vip_password).unwrap();
    let manifest_file = fs::read(site.join(blob_path(&slot.manifest_id))).unwrap();
    let manifest = vault::open_manifest(&header, &slot, &manifest_file).unwrap();
    let names: Vec<_> = manifest.albums.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Mountains"]);
}

#[test]
fn expiry_dates_are_checked_and_carried_in_the_grant_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.png"]);
    let site = dir.path().join("site");
    let build = |date: &str| build_site(&shoot, &site, &["--quiet", "--expires", date]);
    for bad in ["2026-02-30", "31.12.2026", "2026-13-01", "soon"] {
        let output = build(bad);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&output).contains("YYYY-MM-DD"),
            "{}",
            stderr(&output)
        );
    }
    assert!(build("2028-02-29").status.success());
    let (_, manifest, _, _) = open_grant(&site, PASSWORD);
    assert_eq!(manifest.expires.as_deref(), Some("2028-02-29"));
}

#[test]
fn rotate_replaces_every_key_and_file_and_lists_the_old_ones() {
    let (_dir, shoot, site, links) = linked_site();
    let old_blobs: BTreeSet<String> = files_under(&site.join("b"))
        .iter()
        .map(|p| format!("b/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    let old_header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    let output = run(
        lightproof(&["rotate", path_str(&shoot), "--out", path_str(&site)])
            .env(
                "LIGHTPROOF_PASSWORD_CLIENT",
                "saffron violet tundra for links",
            )
            .env(
                "LIGHTPROOF_PASSWORD_VIP",
                "a brand new quartz passphrase, rotated",
            ),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let listed: BTreeSet<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, old_blobs, "every old file is listed for deletion");
    let new_blobs: BTreeSet<String> = files_under(&site.join("b"))
        .iter()
        .map(|p| format!("b/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert!(new_blobs.is_disjoint(&old_blobs), "no file name survives");
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    assert_ne!(header.gallery_id, old_header.gallery_id);
    // The old link no longer opens anything; the same password opens the new build.
    let old_link = links.iter().find(|l| l.contains("#k=")).unwrap();
    assert!(vault::unlock_with_link(&header, &secret_of(old_link, "k")).is_err());
    assert!(vault::unlock_with_password(&header, b"saffron violet tundra for links").is_ok());
}
