//! `pack` writes the same bytes for the same site (checked against Python's
//! `zipfile` and `unzip` as independent readers), and `verify` checks the
//! zip in place: the same counts as the folder, a damaged entry named with
//! its archive, a damaged index or a truncated zip refused whole.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::*;

/// `lightproof pack SITE [-o OUT]`.
pub fn pack(site: &Path, out: Option<&Path>) -> Output {
    let mut command = lightproof(&["pack", path_str(site)]);
    if let Some(out) = out {
        command.arg("-o").arg(out);
    }
    run(&mut command)
}

/// Packs `site` into `out`, which must work.
pub fn packed(site: &Path, out: &Path) -> Vec<u8> {
    let output = pack(site, Some(out));
    assert!(output.status.success(), "{}", stderr(&output));
    fs::read(out).unwrap()
}

fn verify(site: &Path) -> (Option<i32>, String) {
    let output = run(&mut lightproof(&["verify", path_str(site)]));
    (output.status.code(), stderr(&output))
}

/// The summary line of a verify that passed, without the site's name.
fn verify_summary(site: &Path) -> String {
    let (code, text) = verify(site);
    assert_eq!(code, Some(0), "{text}");
    let line = text.lines().find(|l| l.contains("is complete")).unwrap();
    line.replace(path_str(site), "SITE")
}

fn flip(bytes: &mut [u8], at: usize) {
    bytes[at] ^= 0x20;
}

/// Where `needle` (a blob's first bytes, random) starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    let found: Vec<usize> = memchr::memmem::find_iter(haystack, needle).collect();
    assert_eq!(found.len(), 1, "the blob's bytes are in the zip once");
    found[0]
}

/// Offset of the central directory, from the end record (no comment).
fn central_directory(zip: &[u8]) -> usize {
    let end = zip.len() - 22;
    assert_eq!(zip[end..end + 4], [0x50, 0x4b, 0x05, 0x06]);
    u32::from_le_bytes(zip[end + 16..end + 20].try_into().unwrap()) as usize
}

/// Site-relative names of the files under `site`, `/`-separated, sorted.
fn site_names(site: &Path) -> Vec<String> {
    let mut names: Vec<String> = files_under(site)
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(site).unwrap();
            relative.to_str().unwrap().replace('\\', "/")
        })
        .collect();
    names.sort();
    names
}

#[test]
fn packing_twice_gives_the_same_bytes_even_after_touching_every_file() {
    let (dir, site) = copy_of_sample_site();
    let output = pack(&site, None);
    assert!(output.status.success(), "{}", stderr(&output));
    let default_zip = dir.path().join("site.zip");
    assert!(
        stderr(&output).contains(path_str(&default_zip)),
        "the default is SITE_DIR.zip beside the folder"
    );
    let first = fs::read(&default_zip).unwrap();

    // New times and modes on every file, and the temporary file an
    // interrupted build leaves: none of it may change the zip.
    fs::write(site.join("b").join(".abc.tmp-0123456789ab"), b"half a blob").unwrap();
    for file in files_under(&site) {
        let touched = Command::new("touch")
            .args(["-d", "2031-07-04 12:34:56"])
            .arg(&file)
            .status()
            .unwrap();
        assert!(touched.success());
    }
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(site.join("index.html"), fs::Permissions::from_mode(0o600)).unwrap();
    let second = packed(&site, &dir.path().join("again.zip"));
    assert_eq!(first.len(), second.len());
    assert!(first == second, "packing is reproducible");
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_zip_lists_every_file_sorted_stored_with_a_fixed_time_and_mode() {
    let (dir, site) = copy_of_sample_site();
    let zip = dir.path().join("gallery.zip");
    fs::write(site.join(".gallery.bin.tmp-0123456789ab"), b"interrupted").unwrap();
    packed(&site, &zip);
    let script = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None, "a CRC is wrong"
    print(json.dumps([[i.filename, list(i.date_time), i.external_attr >> 16,
                       i.compress_type, i.extra.hex(), i.create_system]
                      for i in z.infolist()]))
"#;
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(&zip)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let entries: Vec<(String, Vec<u32>, u32, u32, String, u32)> =
        serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let mut expected = site_names(&site);
    expected.retain(|name| !name.contains(".tmp-"));
    assert!(expected.len() >= 25, "the sample site has its 25 files");
    assert!(expected.contains(&".lightproof".to_owned()));
    assert_eq!(names, expected, "every file, sorted, no temporary file");
    for (name, time, mode, method, extra, system) in &entries {
        assert_eq!(time, &[1980, 1, 1, 0, 0, 0], "{name}");
        assert_eq!(*mode, 0o100644, "{name}");
        assert_eq!(*method, 0, "{name} is stored");
        assert_eq!(extra, "", "{name} has no extra field");
        assert_eq!(*system, 3, "{name} is made on Unix");
    }
    let unzip = Command::new("unzip").arg("-tq").arg(&zip).output().unwrap();
    assert!(
        unzip.status.success(),
        "{}",
        String::from_utf8_lossy(&unzip.stdout)
    );
}

#[test]
fn verify_reads_the_zip_in_place_with_the_same_counts_as_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.png", "Party/b.png", "Party/c.png"]);
    let site = dir.path().join("site");
    build_ok(&shoot, &site, &["--downloads"]);
    let zip = dir.path().join("site.zip");
    let mut bytes = packed(&site, &zip);
    let from_folder = verify_summary(&site);
    assert!(
        from_folder.contains("3 photos in 2 albums, with downloads of 3 originals"),
        "{from_folder}"
    );
    assert_eq!(verify_summary(&zip), from_folder);

    // An original is read as a stream: a byte flipped in its entry is named.
    let (_, manifest, _, _) = open_grant(&site, PASSWORD);
    let (album, photo) = manifest.photos().next().unwrap();
    let original = photo.original.as_ref().unwrap();
    let blob = fs::read(site.join(original.blob.path())).unwrap();
    let at = find(&bytes, &blob[..64]) + blob.len() / 2;
    flip(&mut bytes, at);
    fs::write(&zip, &bytes).unwrap();
    let item = format!("the original of '{}' in album '{}'", photo.file, album.name);
    assert_only_damage(&zip, &item, &original.blob.path());
}

/// `verify` on `zip` finds one problem: `item`, in `file`, is damaged.
fn assert_only_damage(zip: &Path, item: &str, file: &str) {
    let (code, text) = verify(zip);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "{item} is damaged: it does not match what was encrypted (file '{file}' in '{}')",
            path_str(zip)
        )),
        "{text}"
    );
    assert!(text.contains("1 problem:"), "{text}");
}

fn sample_zip() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("gallery.zip");
    let bytes = packed(sample_site(), &zip);
    (dir, zip, bytes)
}

#[test]
fn a_flipped_byte_in_a_blob_entry_is_named_with_its_archive() {
    let (_dir, zip, mut bytes) = sample_zip();
    let (_, manifest, _, _) = open_grant(sample_site(), PASSWORD);
    let (album, photo) = manifest.photos().nth(4).unwrap();
    let file = photo.preview.blob.path();
    let blob = fs::read(sample_site().join(&file)).unwrap();
    let at = find(&bytes, &blob[..64]) + blob.len() / 3;
    flip(&mut bytes, at);
    fs::write(&zip, &bytes).unwrap();
    let item = format!("the preview of '{}' in album '{}'", photo.file, album.name);
    assert_only_damage(&zip, &item, &file);
}

#[test]
fn a_damaged_index_or_a_truncated_zip_is_refused_naming_the_archive() {
    let (_dir, zip, good) = sample_zip();
    let index = central_directory(&good);
    let mut cases = Vec::new();
    let mut name_flipped = good.clone();
    flip(&mut name_flipped, index + 46 + 1); // in the first entry's name
    cases.push(("a name in the index", name_flipped));
    let mut crc_flipped = good.clone();
    flip(&mut crc_flipped, index + 16); // the first entry's CRC-32
    cases.push(("a CRC-32 in the index", crc_flipped));
    let mut signature_flipped = good.clone();
    flip(&mut signature_flipped, index);
    cases.push(("the index's signature", signature_flipped));
    cases.push(("truncated", good[..good.len() - 1000].to_vec()));
    cases.push(("cut in the middle", good[..good.len() / 2].to_vec()));
    for (case, bytes) in cases {
        fs::write(&zip, &bytes).unwrap();
        let (code, text) = verify(&zip);
        assert_eq!(code, Some(2), "{case}: {text}");
        assert!(
            text.contains(&format!("the archive '{}' is damaged", path_str(&zip))),
            "{case}: {text}"
        );
    }
}

#[test]
fn pack_refuses_a_folder_that_is_not_a_gallery_and_a_zip_inside_the_gallery() {
    let (dir, site) = copy_of_sample_site();
    let before = site_names(&site);
    let inside = site.join("b").join("site.zip");
    let output = pack(&site, Some(&inside));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("would be inside the gallery"),
        "{}",
        stderr(&output)
    );
    assert_eq!(site_names(&site), before, "nothing written into the site");

    let not_a_gallery = dir.path().join("holiday");
    fs::create_dir(&not_a_gallery).unwrap();
    fs::write(not_a_gallery.join("photo.jpg"), b"not a gallery").unwrap();
    let output = pack(&not_a_gallery, None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a lightproof gallery"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("holiday.zip").exists());
}
