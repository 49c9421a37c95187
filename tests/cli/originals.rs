//! Originals: only grants with `download = true` hold their keys. Every key
//! each grant holds is tried against every blob, as every kind; a password
//! change leaves every blob, originals included, byte for byte the same;
//! `verify` checks every grant it is given a password for and names a
//! damaged original.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::header::Header;
use lightproof::format::{blob_path, vault, BlobKind, HEADER_FILE};

use crate::util::*;

/// (name, config lines, password)
const GRANTS: [(&str, &str, &str); 3] = [
    ("proofs", "", "amber falcon ledger, view only"),
    (
        "family",
        "albums = [\"Ceremony\"]\ndownload = true",
        "sorrel piano glacier, three downloads",
    ),
    (
        "client",
        "download = true",
        "mosaic tundra ribbon, every download",
    ),
];

fn site_with_downloads(extra: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    let config: String = GRANTS
        .iter()
        .map(|(name, lines, _)| format!("[[grant]]\nname = \"{name}\"\n{lines}\n\n"))
        .collect();
    fs::write(shoot.join("lightproof.toml"), config).unwrap();
    let site = dir.path().join("site");
    let output = run(with_passwords(
        lightproof(&["build", path_str(&shoot), "--out", path_str(&site)]).args(extra),
        None,
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains("grant 'family' opens 1 album and 3 photos, with downloads of 3 originals"),
        "{log}"
    );
    assert!(
        log.contains("grant 'proofs' opens 3 albums and 9 photos\n"),
        "{log}"
    );
    (dir, shoot, site)
}

fn with_passwords<'a>(
    command: &'a mut std::process::Command,
    family: Option<&str>,
) -> &'a mut std::process::Command {
    command.env_remove("LIGHTPROOF_PASSWORD");
    for (name, _, password) in GRANTS {
        let password = if name == "family" {
            family.unwrap_or(password)
        } else {
            password
        };
        command.env(
            format!("LIGHTPROOF_PASSWORD_{}", name.to_uppercase()),
            password,
        );
    }
    command
}

#[test]
fn only_download_grants_hold_keys_to_originals_and_each_key_opens_only_its_blobs() {
    let (_dir, shoot, site) = site_with_downloads(&[]);
    let blobs = blob_files(&site);
    let kinds = [
        BlobKind::Manifest,
        BlobKind::Thumbnail,
        BlobKind::Preview,
        BlobKind::Original,
    ];
    let expected_originals = [0, 3, 9];
    let mut all_originals = BTreeSet::new();
    for ((name, _, password), originals) in GRANTS.iter().zip(expected_originals) {
        let (header, manifest, manifest_file, manifest_key) = open_grant(&site, password);
        let mut keys = vec![manifest_key];
        let mut referenced = BTreeSet::from([manifest_file]);
        let mut original_files = BTreeSet::new();
        for (album, photo) in manifest.photos() {
            for rendition in [&photo.thumb, &photo.preview] {
                keys.push(rendition.blob.key.clone());
                referenced.insert(rendition.blob.path());
            }
            if let Some(original) = &photo.original {
                keys.push(original.blob.key.clone());
                referenced.insert(original.blob.path());
                original_files.insert(original.blob.path());
                // The stripped copy of the source, whose length it states.
                let folder = if album.main {
                    shoot.clone()
                } else {
                    shoot.join(&album.name)
                };
                let source = fs::read(folder.join(&photo.file)).unwrap();
                let (stripped, _) =
                    lightproof::photo::strip::strip_private_metadata(&source).unwrap();
                // Stripping is the default; `stripped` says whether it removed anything.
                assert_eq!(original.stripped, stripped != source, "{}", photo.file);
                assert_eq!(original.bytes, stripped.len() as u64, "{}", photo.file);
                assert_eq!(original.crc32, crc32(&stripped), "{}", photo.file);
                assert_eq!(original.media_type, "image/jpeg");
            }
        }
        assert_eq!(original_files.len(), originals, "grant {name}");
        all_originals.extend(original_files);
        let opened = blobs_opened(&header.gallery_id, &blobs, &keys, &kinds);
        assert_eq!(
            opened, referenced,
            "grant {name} opens exactly its own blobs"
        );
    }
    // 3 manifests, 18 renditions and 9 originals, each stored once.
    assert_eq!(all_originals.len(), 9);
    assert_eq!(blobs.len(), 3 + 18 + 9);
}

/// CRC-32 (IEEE), bit by bit: an independent check of the manifest's value.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn keep_delivers_the_source_byte_for_byte() {
    let (_dir, shoot, site) = site_with_downloads(&["--original-metadata", "keep"]);
    let (header, manifest, _, _) = open_grant(&site, GRANTS[1].2);
    for (_, photo) in manifest.photos() {
        let original = photo.original.as_ref().unwrap();
        assert!(!original.stripped);
        let blob = fs::read(site.join(original.blob.path())).unwrap();
        let opened = vault::open_pinned_blob(
            &header.gallery_id,
            &original.blob,
            BlobKind::Original,
            &blob,
        )
        .unwrap();
        assert_eq!(
            opened,
            fs::read(shoot.join("Ceremony").join(&photo.file)).unwrap()
        );
    }
}

#[test]
fn a_password_change_keeps_every_blob_and_verify_checks_every_grant() {
    let (dir, shoot, site) = site_with_downloads(&[]);
    let before: Vec<_> = files_under(&site)
        .into_iter()
        .map(|p| (p.clone(), fs::read(p).unwrap()))
        .collect();
    let new_password = "copper lagoon whistle, changed";
    let output = run(with_passwords(
        &mut lightproof(&["build", path_str(&shoot), "--out", path_str(&site)]),
        Some(new_password),
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    let changed: Vec<_> = before
        .iter()
        .filter(|(path, bytes)| fs::read(path).ok().as_ref() != Some(bytes))
        .map(|(path, _)| path.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        changed,
        ["gallery.bin", "gallery.bin.js"],
        "every blob, originals too, is unchanged"
    );

    let mut files = Vec::new();
    for (name, password) in [
        ("proofs", GRANTS[0].2),
        ("family", new_password),
        ("client", GRANTS[2].2),
    ] {
        let file = dir.path().join(format!("{name}.txt"));
        fs::write(&file, password).unwrap();
        files.push(file);
    }
    let verify = |site: &Path| {
        let mut command = lightproof(&["verify", path_str(site)]);
        for file in &files {
            command.arg("--password-file").arg(file);
        }
        run(&mut command)
    };
    let output = verify(&site);
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    for expected in [
        "proofs.txt' is complete: 9 photos in 3 albums, all 19 encrypted files",
        "family.txt' is complete: 3 photos in 1 album, with downloads of 3 originals, all 10 encrypted files",
        "client.txt' is complete: 9 photos in 3 albums, with downloads of 9 originals, all 28 encrypted files",
    ] {
        assert!(log.contains(expected), "{expected}\n{log}");
    }

    // One flipped byte in a Ceremony original: the family and client
    // grants both name it; the view-only grant cannot see it.
    let (_, manifest, _, _) = open_grant(&site, new_password);
    let (_, photo) = manifest.photos().next().unwrap();
    let original = photo.original.as_ref().unwrap();
    let path = site.join(original.blob.path());
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&path, bytes).unwrap();
    let output = verify(&site);
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    let named = format!(
        "the original of '{}' in album 'Ceremony' is damaged: it does not match what was encrypted (file '{}')",
        photo.file,
        original.blob.path()
    );
    assert_eq!(log.matches(&named).count(), 2, "{log}");
    assert!(log.contains("proofs.txt' is complete"), "{log}");
}

#[test]
fn downloads_need_a_grant_and_view_only_galleries_have_no_originals() {
    let site = sample_site();
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    let slot = vault::unlock_with_password(&header, PASSWORD.as_bytes()).unwrap();
    let manifest = vault::open_manifest(
        &header,
        &slot,
        &fs::read(site.join(blob_path(&slot.manifest_id))).unwrap(),
    )
    .unwrap();
    assert!(manifest.photos().all(|(_, photo)| photo.original.is_none()));

    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    fs::write(shoot.join("lightproof.toml"), "[[grant]]\nname = \"a\"\n").unwrap();
    let output = build_site(&shoot, &dir.path().join("site"), &["--downloads"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("add download = true to the grants"),
        "{}",
        stderr(&output)
    );
}
