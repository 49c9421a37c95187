//! `diff OLD NEW`: exactly the new and changed files to upload (blobs
//! first, the header last) and the files to delete, for folders and packed
//! zips alike; checked against the sites' own bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::pack::packed;
use crate::util::*;

/// A shoot of `photos` synthetic photos built into `site`, and a copy of
/// the site as it was (`old`).
struct Published {
    dir: tempfile::TempDir,
    shoot: PathBuf,
    site: PathBuf,
    old: PathBuf,
}

fn published(photos: usize) -> Published {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_numbered_shoot(&shoot, photos);
    let site = dir.path().join("site");
    build(&shoot, &site, "build");
    let old = dir.path().join("old");
    copy_dir(&site, &old);
    Published {
        dir,
        shoot,
        site,
        old,
    }
}

/// `build` or `rotate`; returns stdout.
fn build(shoot: &Path, site: &Path, how: &str) -> String {
    let output = run(lightproof(&[how, path_str(shoot), "--out", path_str(site)]).arg("--quiet"));
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

/// `diff` that must succeed: (stdout lines, stderr).
fn diff(old: &Path, new: &Path, extra: &[&str]) -> (Vec<String>, String) {
    let output = run(lightproof(&["diff", path_str(old), path_str(new)]).args(extra));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    (stdout.lines().map(str::to_owned).collect(), stderr(&output))
}

/// Every file of a site (not the marker) with its bytes.
fn snapshot(site: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(site)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(site)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            (name, fs::read(&path).unwrap())
        })
        .filter(|(name, _)| name != ".lightproof")
        .collect()
}

/// The lines `diff` must print, worked out from the bytes: new or changed
/// blobs, their offline copies, other files, the header; then deletes.
fn expected_lines(old: &Path, new: &Path) -> (Vec<String>, usize) {
    let (old, new) = (snapshot(old), snapshot(new));
    let changed: Vec<&String> = new
        .iter()
        .filter(|(name, bytes)| old.get(*name) != Some(*bytes))
        .map(|(name, _)| name)
        .collect();
    let group = |name: &str| {
        if name.starts_with("b/") {
            usize::from(name.ends_with(".js"))
        } else if name == "gallery.bin.js" {
            3
        } else if name == "gallery.bin" {
            4
        } else {
            2
        }
    };
    let mut lines: Vec<String> = Vec::new();
    for rank in 0..5 {
        lines.extend(
            changed
                .iter()
                .filter(|name| group(name) == rank)
                .map(|name| format!("upload {name}")),
        );
    }
    lines.extend(
        old.keys()
            .filter(|name| !new.contains_key(*name))
            .map(|name| format!("delete {name}")),
    );
    (lines, new.len() - changed.len())
}

#[test]
fn after_adding_a_photo_diff_uploads_its_blobs_then_the_header_and_deletes_the_old_manifest() {
    let setup = published(4);
    make_shoot(&setup.shoot, &["zz-new.png"]);
    build(&setup.shoot, &setup.site, "build");
    let (lines, log) = diff(&setup.old, &setup.site, &[]);
    let (expected, unchanged) = expected_lines(&setup.old, &setup.site);
    assert_eq!(lines, expected);
    // Two renditions and a manifest with their offline copies, then the
    // header's copy and the header; the old manifest and its copy go.
    let uploads: Vec<&String> = lines.iter().filter(|l| l.starts_with("upload ")).collect();
    assert_eq!(uploads.len(), 8, "{lines:?}");
    assert!(
        uploads[..6].iter().all(|l| l.starts_with("upload b/")),
        "{lines:?}"
    );
    assert_eq!(uploads[6], "upload gallery.bin.js");
    assert_eq!(uploads[7], "upload gallery.bin");
    let deletes: Vec<&String> = lines.iter().filter(|l| l.starts_with("delete ")).collect();
    assert_eq!(deletes.len(), 2, "{lines:?}");
    assert!(deletes.iter().all(|d| d.starts_with("delete b/")));
    assert!(
        log.contains("8 files to upload (")
            && log.contains(&format!(", 2 to delete, {unchanged} unchanged")),
        "{log}"
    );

    // The same from packed zips, either side.
    let old_zip = setup.dir.path().join("old.zip");
    let new_zip = setup.dir.path().join("new.zip");
    packed(&setup.old, &old_zip);
    packed(&setup.site, &new_zip);
    assert_eq!(diff(&old_zip, &new_zip, &[]).0, expected);
    assert_eq!(diff(&setup.old, &new_zip, &[]).0, expected);
}

#[test]
fn after_rotate_diff_deletes_every_old_blob_that_rotate_listed() {
    let setup = published(3);
    let rotated = build(&setup.shoot, &setup.site, "rotate");
    let mut listed: Vec<String> = rotated.lines().map(|l| format!("delete {l}")).collect();
    listed.sort();
    assert_eq!(
        listed.len(),
        2 * (1 + 3 * 2),
        "the manifest and 6 renditions, with their offline copies"
    );
    let (lines, _) = diff(&setup.old, &setup.site, &[]);
    let (expected, _) = expected_lines(&setup.old, &setup.site);
    assert_eq!(lines, expected);
    let deletes: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("delete "))
        .cloned()
        .collect();
    assert_eq!(deletes, listed);
    assert!(
        !lines.contains(&"upload index.html".to_owned()),
        "the page is unchanged"
    );
}

#[test]
fn a_folder_and_its_own_zip_differ_in_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("site.zip");
    packed(sample_site(), &zip);
    let files = snapshot(sample_site()).len();
    for (old, new) in [
        (sample_site(), zip.as_path()),
        (zip.as_path(), sample_site()),
    ] {
        let (lines, log) = diff(old, new, &[]);
        assert!(lines.is_empty(), "{lines:?}");
        assert!(
            log.contains(&format!(
                "0 files to upload (0 KB), 0 to delete, {files} unchanged"
            )),
            "{log}"
        );
    }
}

#[test]
fn json_lists_the_same_changes_with_sizes() {
    let setup = published(2);
    make_shoot(&setup.shoot, &["zz-new.png"]);
    build(&setup.shoot, &setup.site, "build");
    let (lines, _) = diff(&setup.old, &setup.site, &["--json"]);
    assert_eq!(lines.len(), 1, "one JSON object");
    let json: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let (expected, unchanged) = expected_lines(&setup.old, &setup.site);
    let uploads: Vec<String> = json["upload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|upload| {
            let path = upload["path"].as_str().unwrap();
            let bytes = fs::metadata(setup.site.join(path)).unwrap().len();
            assert_eq!(upload["bytes"].as_u64(), Some(bytes), "{path}");
            format!("upload {path}")
        })
        .collect();
    let deletes = json["delete"]
        .as_array()
        .unwrap()
        .iter()
        .map(|path| format!("delete {}", path.as_str().unwrap()));
    let all: Vec<String> = uploads.into_iter().chain(deletes).collect();
    assert_eq!(all, expected);
    assert_eq!(json["unchanged"].as_u64(), Some(unchanged as u64));
}

#[test]
fn diff_refuses_a_folder_that_is_not_a_gallery() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&mut lightproof(&[
        "diff",
        path_str(dir.path()),
        path_str(sample_site()),
    ]));
    assert_refused(&output, "is not a lightproof gallery");
}
