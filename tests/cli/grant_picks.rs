//! `grant-picks`: a new password opens exactly the chosen photos and their
//! originals, every other key of the site still opens what it did, and only
//! `gallery.bin` (with its offline copy) changes besides one new manifest.
//! Every refusal leaves the site and the cache as they were.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::{encoding, vault, BlobKind};

use crate::util::*;

const PROOFS: &str = "orchid tandem ferry, view only";
const STUDIO: &str = "walnut meridian basalt, every original";
const PICKED: &str = "saffron lattice quiver, two originals";
const NAME: &str = "smith-originals";

/// The sample shoot with a view-only grant for the client and a download
/// grant for the studio (so the originals are in the site), and its site.
fn proofing_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    fs::write(
        shoot.join("lightproof.toml"),
        "[[grant]]\nname = \"proofs\"\n\n[[grant]]\nname = \"studio\"\ndownload = true\n",
    )
    .unwrap();
    let site = dir.path().join("site");
    let output = run(
        lightproof(&["build", path_str(&shoot), "--out", path_str(&site)])
            .arg("--quiet")
            .env_remove("LIGHTPROOF_PASSWORD")
            .env("LIGHTPROOF_PASSWORD_PROOFS", PROOFS)
            .env("LIGHTPROOF_PASSWORD_STUDIO", STUDIO),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    (dir, site)
}

/// A selection of `photos` (file, album) signed by the grant of
/// `password`, as the viewer signs it, written to `path`.
fn write_selection(path: &Path, site: &Path, password: &str, photos: &[(&str, &str)]) {
    let (header, _, _, manifest_key) = open_grant(site, password);
    let slot = vault::unlock_with_password(&header, password.as_bytes()).unwrap();
    let mut body = format!("Selection from shoot: {} photos\n\n", photos.len());
    for (file, album) in photos {
        body.push_str(&format!("{file}\n    album: {album}\n"));
    }
    let tag = vault::selection_tag(&manifest_key, body.as_bytes());
    let text = format!(
        "{body}--\nlightproof-selection 1 gallery={} manifest={} tag={}\n",
        encoding::hex(&header.gallery_id),
        encoding::base32(&slot.manifest_id),
        encoding::hex(&tag),
    );
    fs::write(path, text).unwrap();
}

fn grant_picks(selection: &Path, site: &Path, name: &str, password: &str) -> std::process::Output {
    run(lightproof(&[
        "grant-picks",
        path_str(selection),
        "--site",
        path_str(site),
        "--name",
        name,
    ])
    .env_remove("LIGHTPROOF_PASSWORD")
    .env(lightproof::shoot::password::grant_env(name), password))
}

/// Every file of the site by path, with its bytes.
fn files(site: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(site)
        .into_iter()
        .filter(|path| path.is_file())
        .map(|path| {
            (
                path.strip_prefix(site).unwrap().to_owned(),
                fs::read(&path).unwrap(),
            )
        })
        .collect()
}

/// The blob keys a manifest holds.
fn keys_of(manifest: &lightproof::format::manifest::Manifest) -> Vec<lightproof::format::Key32> {
    manifest
        .photos()
        .flat_map(|(_, photo)| {
            let original = photo.original.as_ref().map(|o| o.blob.key.clone());
            [photo.thumb.blob.key.clone(), photo.preview.blob.key.clone()]
                .into_iter()
                .chain(original)
        })
        .collect()
}

#[test]
fn the_new_grant_opens_exactly_the_chosen_originals_and_nothing_else_changes() {
    let (dir, site) = proofing_site();
    let selection = dir.path().join("selection.txt");
    let chosen = [("IMG_0202.jpg", "Ceremony"), ("DSC03303.jpg", "Mountains")];
    write_selection(&selection, &site, PROOFS, &chosen);
    let before = files(&site);
    let (_, proofs_before, _, _) = open_grant(&site, PROOFS);

    let output = grant_picks(&selection, &site, NAME, PICKED);
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains(
            "grant 'smith-originals' opens 2 photos, each with its original, and nothing else"
        ),
        "{log}"
    );

    // The new password opens a manifest of the two photos, with originals.
    let (header, manifest, manifest_file, _) = open_grant(&site, PICKED);
    let listed: BTreeSet<(String, String)> = manifest
        .photos()
        .map(|(album, photo)| (photo.file.clone(), album.name.clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = chosen
        .iter()
        .map(|(file, album)| (file.to_string(), album.to_string()))
        .collect();
    assert_eq!(listed, expected);
    assert!(manifest.photos().all(|(_, photo)| photo.original.is_some()));
    assert!(
        log.contains(&format!(
            "upload {manifest_file}, {manifest_file}.js first, then gallery.bin, gallery.bin.js"
        )),
        "{log}"
    );

    // Its keys open exactly those photos' three blobs each, among every
    // blob of the site tried as every kind: no other original, no other
    // preview, no manifest.
    let all_kinds = [
        BlobKind::Manifest,
        BlobKind::Thumbnail,
        BlobKind::Preview,
        BlobKind::Original,
    ];
    let opened = blobs_opened(
        &header.gallery_id,
        &blob_files(&site),
        &keys_of(&manifest),
        &all_kinds,
    );
    let expected_blobs: BTreeSet<String> = manifest
        .photos()
        .flat_map(|(_, p)| {
            [
                &p.thumb.blob,
                &p.preview.blob,
                &p.original.as_ref().unwrap().blob,
            ]
            .map(|blob| blob.path())
        })
        .collect();
    assert_eq!(opened, expected_blobs);
    let (_, studio, _, _) = open_grant(&site, STUDIO);
    let other_originals: Vec<PathBuf> = studio
        .photos()
        .filter(|(album, p)| !chosen.contains(&(p.file.as_str(), album.name.as_str())))
        .map(|(_, p)| site.join(p.original.as_ref().unwrap().blob.path()))
        .collect();
    assert_eq!(other_originals.len(), 7, "the sample shoot has 9 photos");
    let others_opened = blobs_opened(
        &header.gallery_id,
        &other_originals,
        &keys_of(&manifest),
        &[BlobKind::Original],
    );
    assert!(others_opened.is_empty(), "{others_opened:?}");

    // The real binary's verify opens the grant and its originals to the
    // last byte.
    let password_file = dir.path().join("picked.txt");
    fs::write(&password_file, PICKED).unwrap();
    let output = run(&mut lightproof(&[
        "verify",
        path_str(&site),
        "--password-file",
        path_str(&password_file),
    ]));
    assert!(output.status.success(), "{}", stderr(&output));

    // The old passwords open what they did, and every other file is the
    // same, byte for byte.
    let (_, proofs_after, _, _) = open_grant(&site, PROOFS);
    assert_eq!(proofs_after.to_json(), proofs_before.to_json());
    let after = files(&site);
    let changed: BTreeSet<&PathBuf> = before
        .iter()
        .filter(|(path, bytes)| after.get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .collect();
    let expected_changed: BTreeSet<PathBuf> =
        ["gallery.bin", "gallery.bin.js"].map(PathBuf::from).into();
    assert_eq!(changed, expected_changed.iter().collect());
    let added: BTreeSet<PathBuf> = after
        .keys()
        .filter(|path| !before.contains_key(*path))
        .cloned()
        .collect();
    let expected_added: BTreeSet<PathBuf> = [manifest_file.clone(), format!("{manifest_file}.js")]
        .map(PathBuf::from)
        .into();
    assert_eq!(added, expected_added);
}

#[test]
fn a_tampered_selection_a_taken_name_or_a_password_in_use_change_nothing() {
    let (dir, site) = proofing_site();
    let selection = dir.path().join("selection.txt");
    write_selection(&selection, &site, PROOFS, &[("IMG_0202.jpg", "Ceremony")]);
    let signed = fs::read_to_string(&selection).unwrap();
    let before = tree_digest(&site);

    let tampered = signed.replacen("IMG_0202.jpg", "IMG_0203.jpg", 1);
    fs::write(&selection, tampered).unwrap();
    let output = grant_picks(&selection, &site, NAME, PICKED);
    assert_refused(&output, "was changed after the client sent it");
    assert_eq!(tree_digest(&site), before);

    fs::write(&selection, &signed).unwrap();
    let output = grant_picks(&selection, &site, "studio", PICKED);
    assert_refused(&output, "already has a grant called 'studio'");
    let output = grant_picks(&selection, &site, NAME, STUDIO);
    assert_refused(&output, "already opens another grant");
    let output = grant_picks(&selection, &site, NAME, "smith");
    assert_refused(&output, "is too weak");
    assert_eq!(tree_digest(&site), before, "nothing written by any refusal");

    // Issued once, the name is taken, and a second grant gets another slot.
    assert!(grant_picks(&selection, &site, NAME, PICKED)
        .status
        .success());
    let output = grant_picks(&selection, &site, NAME, "quartz ember willow, again");
    assert_refused(&output, "already has a grant called 'smith-originals'");
    let output = grant_picks(&selection, &site, "second", "quartz ember willow, again");
    assert!(output.status.success(), "{}", stderr(&output));
    for password in [PROOFS, STUDIO, PICKED, "quartz ember willow, again"] {
        open_grant(&site, password);
    }

    // A rebuild from lightproof.toml leaves both out, and says so.
    let shoot = dir.path().join("shoot");
    let output = run(
        lightproof(&["build", path_str(&shoot), "--out", path_str(&site)])
            .env_remove("LIGHTPROOF_PASSWORD")
            .env("LIGHTPROOF_PASSWORD_PROOFS", PROOFS)
            .env("LIGHTPROOF_PASSWORD_STUDIO", STUDIO),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    for grant in ["second", NAME] {
        assert!(
            log.contains(&format!("warning: grant '{grant}' of the last build (made by grant-picks, or taken out of lightproof.toml) is not in this one")),
            "{log}"
        );
    }
    let header = lightproof::format::header::Header::parse(
        &fs::read(site.join(lightproof::format::HEADER_FILE)).unwrap(),
    )
    .unwrap();
    assert!(vault::unlock_with_password(&header, PICKED.as_bytes()).is_err());
}
