//! Grants: several passwords, each opening some albums. Every key a grant
//! holds is tried against every blob of the site: a grant opens exactly the
//! blobs of its own albums and its own manifest, nothing else.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::header::Header;
use lightproof::format::manifest::Manifest;
use lightproof::format::{blob_path, encoding, vault, BlobKind, Key32, HEADER_FILE};

use crate::util::*;

const GRANTS: [(&str, &str, &str); 3] = [
    ("client", "", "client password, all albums"),
    (
        "family",
        "albums = [\"Ceremony\"]",
        "family password, one album",
    ),
    (
        "friends",
        "albums = [\"Mountains\", \"main\"]",
        "friends password, two albums",
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

fn open_grant(site: &Path, password: &str) -> (Header, Manifest, String, Key32) {
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    let slot = vault::unlock_with_password(&header, password.as_bytes()).unwrap();
    let file = blob_path(&slot.manifest_id);
    let manifest =
        vault::open_manifest(&header, &slot, &fs::read(site.join(&file)).unwrap()).unwrap();
    (header, manifest, file, slot.manifest_key)
}

#[test]
fn each_grant_opens_exactly_its_albums_and_no_other_blob() {
    let (_dir, _, site) = granted_site();
    let blobs: Vec<PathBuf> = files_under(&site.join("b"));
    let expected_albums = [
        vec!["shoot", "Ceremony", "Mountains"],
        vec!["Ceremony"],
        vec!["shoot", "Mountains"],
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
        let mut opened = BTreeSet::new();
        for blob in &blobs {
            let file_name = blob.file_name().unwrap().to_str().unwrap();
            let id = encoding::base32_decode::<16>(file_name).unwrap();
            let bytes = fs::read(blob).unwrap();
            let kinds = [BlobKind::Manifest, BlobKind::Thumbnail, BlobKind::Preview];
            let opens = keys.iter().any(|key| {
                kinds.iter().any(|kind| {
                    vault::open_blob(&header.gallery_id, &id, *kind, key, &bytes).is_ok()
                })
            });
            if opens {
                opened.insert(format!("b/{file_name}"));
            }
        }
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
    .env("LIGHTPROOF_PASSWORD_FAMILY", "a new family password"));
    assert!(output.status.success(), "{}", stderr(&output));
    let changed: Vec<_> = before
        .iter()
        .filter(|(path, bytes)| fs::read(path).ok().as_ref() != Some(bytes))
        .map(|(path, _)| path.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(changed, ["gallery.bin"]);
    open_grant(&site, "a new family password");
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
        ("[[grant]]\nnaem = \"a\"\n", "is not valid"),
        ("", "has no [[grant]]"),
    ];
    for (config, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let shoot = dir.path().join("shoot");
        copy_dir(&sample_shoot(), &shoot);
        fs::write(shoot.join("lightproof.toml"), config).unwrap();
        let site = dir.path().join("site");
        let output = run(
            lightproof(&["build", path_str(&shoot), "--out", path_str(&site)])
                .env("LIGHTPROOF_PASSWORD_A", "same")
                .env("LIGHTPROOF_PASSWORD_B", "same"),
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

/// A shoot with a linked grant and a two-factor grant, built; returns the
/// dir, shoot, site and the output of `lightproof link`.
fn linked_site() -> (tempfile::TempDir, PathBuf, PathBuf, Vec<String>) {
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
                .env("LIGHTPROOF_PASSWORD_CLIENT", "client password for links")
                .env("LIGHTPROOF_PASSWORD_VIP", "vip password, second factor"),
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

fn secret_of(line: &str, tag: &str) -> Key32 {
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
    assert!(vault::unlock_with_password(&header, b"client password for links").is_ok());

    let vip_secret = secret_of(two_factor, "k2");
    let vip_password = b"vip password, second factor";
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
