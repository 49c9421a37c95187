//! `lightproof picks`: a selection signed by a grant names only that
//! grant's photos, and nothing a client wrote reaches the terminal raw.
//! Selections are made as the viewer makes them (`selectionText` in
//! viewer.js): the body, then a footer with the HMAC tag under the grant's
//! manifest key, which the client holds.

use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::{encoding, vault};

use crate::util::*;

const CLIENT: &str = "orchid tandem ferry, all albums";
const FAMILY: &str = "pebble cobalt sonnet, one album";

/// A copy of the sample shoot with an all-albums grant and a grant that
/// shows only "Ceremony", and its site.
fn two_grant_site() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    fs::write(
        shoot.join("lightproof.toml"),
        "[[grant]]\nname = \"client\"\n\n[[grant]]\nname = \"family\"\nalbums = [\"Ceremony\"]\n",
    )
    .unwrap();
    let site = dir.path().join("site");
    build_two_grants(&shoot, &site);
    (dir, shoot, site)
}

/// Builds `shoot` (with the grants of [`two_grant_site`]) into `site`.
fn build_two_grants(shoot: &Path, site: &Path) {
    let output = run(
        lightproof(&["build", path_str(shoot), "--out", path_str(site)])
            .arg("--quiet")
            .env_remove("LIGHTPROOF_PASSWORD")
            .env("LIGHTPROOF_PASSWORD_CLIENT", CLIENT)
            .env("LIGHTPROOF_PASSWORD_FAMILY", FAMILY),
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A selection of `photos` (file, album, note) signed with the grant of
/// `password`, exactly as the viewer signs it.
fn signed_selection(site: &Path, password: &str, photos: &[(&str, &str, &str)]) -> String {
    let (header, _, _, manifest_key) = open_grant(site, password);
    let slot = vault::unlock_with_password(&header, password.as_bytes()).unwrap();
    let mut body = format!("Selection from shoot: {} photos\n\n", photos.len());
    for (file, album, note) in photos {
        body.push_str(&format!("{file}\n    album: {album}\n"));
        if !note.is_empty() {
            body.push_str(&format!("    note: {note}\n"));
        }
    }
    let tag = vault::selection_tag(&manifest_key, body.as_bytes());
    format!(
        "{body}--\nlightproof-selection 1 gallery={} manifest={} tag={}\n",
        encoding::hex(&header.gallery_id),
        encoding::base32(&slot.manifest_id),
        encoding::hex(&tag),
    )
}

fn picks(selection: &Path, shoot: &Path, site: &Path, copy_to: &Path) -> std::process::Output {
    run(&mut lightproof(&[
        "picks",
        path_str(selection),
        "--shoot",
        path_str(shoot),
        "--site",
        path_str(site),
        "--copy-to",
        path_str(copy_to),
    ]))
}

#[test]
fn a_one_album_grant_cannot_pick_photos_of_other_albums() {
    let (dir, shoot, site) = two_grant_site();
    let selection = dir.path().join("selection.txt");
    let copied = dir.path().join("picked");
    // Properly signed by the "family" grant, but naming a photo of
    // "Mountains" (which only "client" shows) next to one of its own.
    let forged = signed_selection(
        &site,
        FAMILY,
        &[
            ("IMG_0201.jpg", "Ceremony", ""),
            ("DSC03301.jpg", "Mountains", ""),
        ],
    );
    fs::write(&selection, forged).unwrap();
    let output = picks(&selection, &shoot, &site, &copied);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains("'DSC03301.jpg' in album 'Mountains', which the grant that made it does not show; nothing was copied"),
        "{log}"
    );
    assert!(output.stdout.is_empty());
    let copied_files = fs::read_dir(&copied).map(|d| d.count()).unwrap_or(0);
    assert_eq!(copied_files, 0, "nothing is copied");

    // The same names, moved to the grant's own album, are not a way round.
    let moved = signed_selection(&site, FAMILY, &[("DSC03301.jpg", "Ceremony", "")]);
    fs::write(&selection, moved).unwrap();
    let output = picks(&selection, &shoot, &site, &copied);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(fs::read_dir(&copied).map(|d| d.count()).unwrap_or(0), 0);

    // The grant that shows "Mountains" may pick it.
    let allowed = signed_selection(&site, CLIENT, &[("DSC03301.jpg", "Mountains", "")]);
    fs::write(&selection, allowed).unwrap();
    let output = picks(&selection, &shoot, &site, &copied);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        fs::read(copied.join("DSC03301.jpg")).unwrap(),
        fs::read(shoot.join("Mountains/DSC03301.jpg")).unwrap()
    );
}

#[test]
fn notes_with_terminal_escapes_are_shown_escaped() {
    let (dir, shoot, site) = two_grant_site();
    let selection = dir.path().join("selection.txt");
    let hostile =
        "crop \u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31mtighter\u{9b}1m \u{202e}gpj.exe\u{7f}";
    let text = signed_selection(&site, FAMILY, &[("IMG_0201.jpg", "Ceremony", hostile)]);
    fs::write(&selection, text).unwrap();
    let output = picks(&selection, &shoot, &site, &dir.path().join("picked"));
    assert!(output.status.success(), "{}", stderr(&output));
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let raw = text
            .chars()
            .find(|c| (c.is_control() && *c != '\n') || *c == '\u{202e}');
        assert_eq!(raw, None, "{stream} holds a raw control: {text:?}");
    }
    let log = stderr(&output);
    assert!(
        log.contains(
            r"crop \u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31mtighter\u{9b}1m \u{202e}gpj.exe\u{7f}"
        ),
        "{log}"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "IMG_0201.jpg"
    );
}

/// `picks SELECTION --shoot --site EXTRA…` without copying.
fn picks_with(selection: &Path, shoot: &Path, site: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "picks",
        path_str(selection),
        "--shoot",
        path_str(shoot),
        "--site",
        path_str(site),
    ];
    args.extend_from_slice(extra);
    run(&mut lightproof(&args))
}

#[test]
fn each_app_gets_a_search_string_in_its_own_syntax() {
    let (dir, shoot, site) = two_grant_site();
    let selection = dir.path().join("selection.txt");
    let text = signed_selection(
        &site,
        CLIENT,
        &[
            ("IMG_0201.jpg", "Ceremony", ""),
            ("DSC03301.jpg", "Mountains", ""),
        ],
    );
    fs::write(&selection, text).unwrap();
    let output = picks_with(&selection, &shoot, &site, &["--for", "all"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8(output.stdout.clone()).unwrap(),
        "IMG_0201.jpg, DSC03301.jpg\n\
         IMG_0201.jpg DSC03301.jpg\n\
         name:\"IMG_0201.jpg\" OR name:\"DSC03301.jpg\"\n\
         filename:(\"IMG_0201.jpg\" OR \"DSC03301.jpg\")\n"
    );
    let log = stderr(&output);
    for place in [
        "^ Lightroom Classic: Library, Filter bar (\\), Text, Filename, Contains",
        "^ Capture One: Library tool tab, Filters tool, search field",
        "^ macOS Finder",
        "^ Windows File Explorer",
    ] {
        assert!(log.contains(place), "{log}");
    }

    let output = picks_with(&selection, &shoot, &site, &["--for", "explorer,finder"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("filename:("), "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");

    let output = picks_with(&selection, &shoot, &site, &["--for", "bridge"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("capture-one"),
        "{}",
        stderr(&output)
    );
}

/// Reads a sidecar with Python's XML parser (namespace-aware): label,
/// rating and the x-default description, or null where absent.
fn parsed_sidecar(path: &Path) -> (Option<String>, Option<String>, Option<String>) {
    let script = r#"
import json, sys
import xml.etree.ElementTree as ET
NS = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      "xmp": "http://ns.adobe.com/xap/1.0/", "dc": "http://purl.org/dc/elements/1.1/"}
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{adobe:ns:meta/}xmpmeta", root.tag
d = root.find("rdf:RDF/rdf:Description", NS)
xmp = "{http://ns.adobe.com/xap/1.0/}"
li = d.find("dc:description/rdf:Alt/rdf:li", NS)
if li is not None:
    assert li.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"
print(json.dumps([d.get(xmp + "Label"), d.get(xmp + "Rating"),
                  None if li is None else li.text]))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python3 (tests/run-all.sh installs it)");
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn xmp_sidecars_carry_label_rating_and_note_and_never_go_into_the_shoot() {
    let (dir, shoot, site) = two_grant_site();
    let selection = dir.path().join("selection.txt");
    let note = "crop <tighter> & warmer \"please\" \u{1b}[31m";
    let text = signed_selection(
        &site,
        CLIENT,
        &[
            ("IMG_0201.jpg", "Ceremony", note),
            ("IMG_0101.jpg", "shoot", ""),
        ],
    );
    fs::write(&selection, text).unwrap();
    let xmp = dir.path().join("sidecars");
    let with_xmp = |extra: &[&str]| {
        let mut args = vec!["--xmp", path_str(&xmp)];
        args.extend_from_slice(extra);
        picks_with(&selection, &shoot, &site, &args)
    };
    let output = with_xmp(&["--xmp-rating", "4"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let ceremony = xmp.join("Ceremony/IMG_0201.xmp");
    assert_eq!(
        parsed_sidecar(&ceremony),
        (
            Some("Green".into()),
            Some("4".into()),
            Some("crop <tighter> & warmer \"please\" \u{fffd}[31m".into())
        ),
        "the album folder is mirrored, the note kept but its control replaced"
    );
    assert_eq!(
        parsed_sidecar(&xmp.join("IMG_0101.xmp")),
        (Some("Green".into()), Some("4".into()), None)
    );
    assert_eq!(files_under(&xmp).len(), 2, "{:?}", files_under(&xmp));

    // An independent XMP reader sees the same fields.
    let exif = std::process::Command::new("exiftool")
        .args([
            "-j",
            "-XMP-xmp:Label",
            "-XMP-xmp:Rating",
            "-XMP-dc:Description",
        ])
        .arg(&ceremony)
        .output()
        .expect("exiftool (tests/run-all.sh installs it)");
    let read: serde_json::Value = serde_json::from_slice(&exif.stdout).unwrap();
    assert_eq!(read[0]["Label"], "Green", "{read}");
    assert_eq!(read[0]["Rating"], 4, "{read}");
    assert!(read[0]["Description"]
        .as_str()
        .unwrap()
        .starts_with("crop <tighter>"));

    // An existing sidecar is never replaced silently: nothing is written.
    let before = tree_digest(&xmp);
    let output = with_xmp(&["--xmp-label", "Red"]);
    assert_refused(
        &output,
        "already exists (it may hold your edits); no sidecar was written. Add --force",
    );
    assert_eq!(tree_digest(&xmp), before);
    let output = with_xmp(&["--xmp-label", "Red", "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(parsed_sidecar(&ceremony).0.as_deref(), Some("Red"));
    assert_eq!(
        parsed_sidecar(&ceremony).1,
        None,
        "no rating asked this time"
    );

    // Inside the shoot: refused, naming both folders, and nothing written.
    let shoot_before = tree_digest(&shoot);
    let inside = shoot.join("Ceremony/sidecars");
    let output = picks_with(&selection, &shoot, &site, &["--xmp", path_str(&inside)]);
    assert_refused(&output, "is inside the shoot folder");
    let log = stderr(&output);
    let canonical = shoot.canonicalize().unwrap();
    assert!(log.contains(&format!("'{}'", canonical.display())), "{log}");
    assert!(
        log.contains(&format!(
            "'{}'",
            canonical.join("Ceremony/sidecars").display()
        )),
        "{log}"
    );
    assert_eq!(tree_digest(&shoot), shoot_before, "the shoot is untouched");
}

/// The short sealed code the viewer puts in its email (docs/FORMAT.md,
/// "Selection codes") for `photos` (file, album, note) of the grant of
/// `password`, with `photo_count` as that grant's manifest lists it
/// unless `count` says otherwise.
fn sealed_code(
    site: &Path,
    password: &str,
    photos: &[(&str, &str, &str)],
    count: Option<u32>,
) -> String {
    use lightproof::format::selection_code::SelectionCode;
    let (header, manifest, _, manifest_key) = open_grant(site, password);
    let slot = vault::unlock_with_password(&header, password.as_bytes()).unwrap();
    let position = |file: &str, album: &str| {
        let found = manifest
            .photos()
            .position(|(a, p)| p.file == file && a.name == album);
        found.unwrap() as u32
    };
    let mut chosen: Vec<(u32, &str)> = photos
        .iter()
        .map(|(file, album, note)| (position(file, album), *note))
        .collect();
    chosen.sort();
    let code = SelectionCode {
        gallery: header.gallery_id,
        manifest: slot.manifest_id,
        photo_count: count.unwrap_or(manifest.photos().count() as u32),
        picks: chosen.iter().map(|(p, _)| *p).collect(),
        notes: chosen
            .iter()
            .filter(|(_, note)| !note.is_empty())
            .map(|(p, note)| (*p, note.to_string()))
            .collect(),
        notes_left_out: false,
    };
    code.seal(&manifest_key).unwrap()
}

/// An email as a mail program may deliver a long line: wrapped, and
/// quoted in a reply.
fn in_an_email(code: &str) -> String {
    let lines: Vec<String> = code
        .as_bytes()
        .chunks(70)
        .map(|c| format!("> {}", String::from_utf8_lossy(c)))
        .collect();
    format!(
        "On Monday, a client wrote:\n> Hello,\n>\n> Here is my selection: 2 photos.\n>\n{}\n>\n> Thank you!\n",
        lines.join("\n")
    )
}

#[test]
fn a_sealed_code_in_an_email_gives_the_same_picks_as_the_whole_text() {
    let (dir, shoot, site) = two_grant_site();
    let chosen = [
        ("IMG_0201.jpg", "Ceremony", "warmer, please"),
        ("DSC03301.jpg", "Mountains", ""),
    ];
    let text_file = dir.path().join("selection.txt");
    fs::write(&text_file, signed_selection(&site, CLIENT, &chosen)).unwrap();
    let from_text = picks(&text_file, &shoot, &site, &dir.path().join("a"));
    assert!(from_text.status.success(), "{}", stderr(&from_text));

    let code = sealed_code(&site, CLIENT, &chosen, None);
    let mail = dir.path().join("mail.txt");
    fs::write(&mail, in_an_email(&code)).unwrap();
    let from_mail = picks(&mail, &shoot, &site, &dir.path().join("b"));
    assert!(from_mail.status.success(), "{}", stderr(&from_mail));
    assert_eq!(from_mail.stdout, from_text.stdout);
    assert!(
        stderr(&from_mail).contains("warmer, please"),
        "{}",
        stderr(&from_mail)
    );
    assert_eq!(
        fs::read(dir.path().join("b/DSC03301.jpg")).unwrap(),
        fs::read(shoot.join("Mountains/DSC03301.jpg")).unwrap()
    );

    // Pasted alone on stdin, without its brackets.
    let bare = &code["[lightproof ".len()..code.len() - 1];
    let mut command = lightproof(&["picks", "-", "--shoot", path_str(&shoot), "--site"]);
    command.arg(&site).stdin(std::process::Stdio::piped());
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(bare.as_bytes())
        .unwrap();
    let pasted = child.wait_with_output().unwrap();
    assert!(pasted.status.success(), "{}", stderr(&pasted));
    assert_eq!(pasted.stdout, from_text.stdout);
}

#[test]
fn an_edited_or_moved_code_is_refused_with_a_clear_error() {
    let (dir, shoot, site) = two_grant_site();
    let file = dir.path().join("mail.txt");
    let refused = |text: &str| {
        fs::write(&file, text).unwrap();
        let output = picks(&file, &shoot, &site, &dir.path().join("picked"));
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(output.stdout.is_empty());
        stderr(&output)
    };
    let code = sealed_code(&site, FAMILY, &[("IMG_0201.jpg", "Ceremony", "")], None);
    // One bit of the picks changed (byte 35, after the ids and the count).
    let mut bytes = encoding::base64url_decode(&code[12..code.len() - 1]).unwrap();
    bytes[35] ^= 2;
    let edited = format!("[lightproof {}]", encoding::base64url(&bytes));
    assert!(refused(&edited).contains("was changed after the client sent it"));

    // Sealed with the right key, for a manifest of another photo count.
    let stale = sealed_code(
        &site,
        FAMILY,
        &[("IMG_0201.jpg", "Ceremony", "")],
        Some(999),
    );
    assert!(refused(&stale).contains("made for a gallery of 999 photos"));

    // Another gallery's code (built from the same shoot elsewhere).
    let other = dir.path().join("other");
    build_two_grants(&shoot, &other);
    let moved = sealed_code(&other, FAMILY, &[("IMG_0201.jpg", "Ceremony", "")], None);
    assert!(refused(&moved).contains("belongs to another gallery"));

    assert!(refused("Hello, here are my favourites!").contains("is not a lightproof selection"));
}
