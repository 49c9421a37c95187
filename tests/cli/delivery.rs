use std::path::Path;

use base64::Engine;
use lightproof::site::names::DOWNLOAD_WORKER_FILE;
use lightproof::site::offline;
use sha2::Digest;

use crate::util::*;

/// Site-relative names of the files under `site` ending in `.js`, other
/// than the viewer's own scripts (the page's and the download worker).
fn offline_copies(site: &Path) -> Vec<String> {
    files_under(site)
        .iter()
        .map(|p| relative(site, p))
        .filter(|name| name.ends_with(".js") && name != "viewer.js" && name != DOWNLOAD_WORKER_FILE)
        .collect()
}

fn relative(site: &Path, path: &Path) -> String {
    path.strip_prefix(site)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn build(shoot: &Path, site: &Path, extra: &[&str]) {
    let output = run(
        lightproof(&["build", path_str(shoot), "--out", path_str(site), "--quiet"]).args(extra),
    );
    assert!(output.status.success());
}

#[test]
fn every_file_the_viewer_reads_has_an_offline_copy_with_the_same_bytes() {
    let site = sample_site();
    let mut expected: Vec<String> = files_under(site)
        .iter()
        .map(|p| relative(site, p))
        .filter(|name| {
            name == "gallery.bin" || name == "viewer.wasm" || {
                let blob = name.strip_prefix("b/").unwrap_or("");
                !blob.is_empty() && !blob.ends_with(".js")
            }
        })
        .collect();
    expected.sort();
    assert!(expected.len() > 20, "the sample has blobs: {expected:?}");
    let mut copied = Vec::new();
    for copy in offline_copies(site) {
        let part = offline::decode_part(&std::fs::read(site.join(&copy)).unwrap())
            .unwrap_or_else(|| panic!("{copy} is a well-formed part"));
        assert_eq!((part.index, part.count), (0, 1), "{copy}: one part");
        assert_eq!(
            offline::part_name(&part.name, 0),
            copy,
            "{copy} names itself"
        );
        assert_eq!(
            part.bytes,
            std::fs::read(site.join(&part.name)).unwrap(),
            "{copy} holds exactly the bytes of {}",
            part.name
        );
        copied.push(part.name);
    }
    copied.sort();
    assert_eq!(copied, expected);
}

#[test]
fn web_only_leaves_out_the_copies_and_a_later_build_brings_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build(&sample_shoot(), &site, &["--web-only"]);
    assert_eq!(offline_copies(&site), Vec::<String>::new());
    // The next build reuses every blob: their copies are made from the files.
    build(&sample_shoot(), &site, &[]);
    let copies = offline_copies(&site);
    assert_eq!(copies.len(), offline_copies(sample_site()).len());
    for copy in &copies {
        let part = offline::decode_part(&std::fs::read(site.join(copy)).unwrap()).unwrap();
        assert_eq!(part.bytes, std::fs::read(site.join(&part.name)).unwrap());
    }
    build(&sample_shoot(), &site, &["--web-only"]);
    assert_eq!(offline_copies(&site), Vec::<String>::new(), "removed again");
}

#[test]
fn rotate_leaves_no_copy_of_a_removed_blob() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build(&sample_shoot(), &site, &[]);
    let before = offline_copies(&site);
    let output = run(&mut lightproof(&[
        "rotate",
        path_str(&sample_shoot()),
        "--out",
        path_str(&site),
        "--quiet",
    ]));
    assert!(output.status.success());
    let after = offline_copies(&site);
    assert_eq!(after.len(), before.len());
    for copy in &after {
        assert!(
            !before.contains(copy) || !copy.starts_with("b/"),
            "{copy} is new"
        );
        let part = offline::decode_part(&std::fs::read(site.join(copy)).unwrap()).unwrap();
        assert!(site.join(&part.name).is_file(), "{copy}: its blob is there");
    }
}

/// The `data-file` elements of a bundle: (name, bytes).
fn bundled_files(html: &str) -> Vec<(String, Vec<u8>)> {
    const OPEN: &str = "<script type=\"application/x-lightproof\" data-file=\"";
    html.split(OPEN)
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\">").unwrap();
            let (data, _) = rest.split_once("</script>").unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            (name.to_owned(), bytes)
        })
        .collect()
}

/// The text of the only `<tag>` element without attributes.
fn inline_element<'a>(html: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let mut found = html.match_indices(&open);
    let (start, _) = found.next().unwrap();
    assert!(found.next().is_none(), "one inline <{tag}>");
    let rest = &html[start + open.len()..];
    &rest[..rest.find(&format!("</{tag}>")).unwrap()]
}

fn sha256_source(text: &str) -> String {
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[test]
fn a_bundle_holds_every_file_and_allows_only_its_own_inline_code() {
    let site = sample_site();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("proofs.html");
    let output = run(&mut lightproof(&[
        "bundle",
        path_str(site),
        "--out",
        path_str(&bundle),
    ]));
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("proofs.html"),
        "the summary names the file"
    );
    let html = std::fs::read_to_string(&bundle).unwrap();

    let files = bundled_files(&html);
    let mut expected: Vec<String> = offline_copies(site)
        .iter()
        .map(|copy| offline::blob_of_part(copy).unwrap().to_owned())
        .collect();
    expected.sort();
    let mut names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    names.sort();
    assert_eq!(
        names, expected,
        "the same files as the folder's offline copies"
    );
    for (name, bytes) in &files {
        assert_eq!(bytes, &std::fs::read(site.join(name)).unwrap(), "{name}");
    }

    let policy = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/");
    let script = inline_element(&html, "script");
    let style = inline_element(&html, "style");
    assert_eq!(
        script.as_bytes(),
        std::fs::read(site.join("viewer.js")).unwrap()
    );
    assert!(policy.contains(&format!(
        "script-src {} 'wasm-unsafe-eval';",
        sha256_source(script)
    )));
    assert!(policy.contains(&format!("style-src {};", sha256_source(style))));
    assert!(policy.contains("connect-src 'none'"));
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'self'"));
    assert!(!html.contains(" src="), "no script or image from elsewhere");
    assert!(
        html.split(" href=\"")
            .skip(1)
            .all(|rest| rest.starts_with("#\"")),
        "no stylesheet or link to elsewhere"
    );

    let again = dir.path().join("again.html");
    let output = run(&mut lightproof(&[
        "bundle",
        path_str(site),
        "-o",
        path_str(&again),
    ]));
    assert!(output.status.success());
    assert_eq!(
        std::fs::read(&again).unwrap(),
        html.as_bytes(),
        "reproducible"
    );
}

#[test]
fn a_bundle_carries_the_built_in_viewer_module_not_the_sites_copy() {
    let (_dir, site) = copy_of_sample_site();
    // Someone who could write to the folder swapped the module (a valid
    // wasm header, so nothing about it looks broken at a glance).
    let trojan = b"\0asm\x01\0\0\0 a module that sends the password elsewhere".to_vec();
    std::fs::write(site.join("viewer.wasm"), &trojan).unwrap();
    let bundle = site.parent().unwrap().join("proofs.html");
    let output = run(&mut lightproof(&[
        "bundle",
        path_str(&site),
        "-o",
        path_str(&bundle),
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let files = bundled_files(&std::fs::read_to_string(&bundle).unwrap());
    let modules: Vec<&Vec<u8>> = files
        .iter()
        .filter(|(name, _)| name == "viewer.wasm")
        .map(|(_, bytes)| bytes)
        .collect();
    let genuine = std::fs::read(repo().join("themes/default/static/viewer.wasm")).unwrap();
    assert_eq!(modules.len(), 1, "one module");
    assert!(
        modules[0] == &genuine,
        "the bundle carries the genuine module"
    );
    assert_eq!(
        std::fs::read(site.join("viewer.wasm")).unwrap(),
        trojan,
        "the site is left as it was"
    );
}

#[test]
fn a_large_bundle_warns_that_it_is_too_big_for_email() {
    let (_dir, site) = copy_of_sample_site();
    let filler: Vec<u8> = (0..45_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(site.join("b/zzzzzzzzzzzzzzzzzzzzzzzzzy"), filler).unwrap();
    let bundle = site.parent().unwrap().join("big.html");
    let output = run(&mut lightproof(&[
        "bundle",
        path_str(&site),
        "-o",
        path_str(&bundle),
    ]));
    assert!(output.status.success(), "a warning, not a refusal");
    assert!(stderr(&output).contains("too large for most email"));
    let small = site.parent().unwrap().join("small.html");
    let output = run(&mut lightproof(&[
        "bundle",
        path_str(sample_site()),
        "-o",
        path_str(&small),
    ]));
    assert!(!stderr(&output).contains("too large"));
}

#[test]
fn bundle_refuses_a_folder_that_is_not_a_gallery_and_a_file_inside_the_shoot() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&mut lightproof(&[
        "bundle",
        path_str(dir.path()),
        "-o",
        path_str(&dir.path().join("x.html")),
    ]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not a lightproof gallery"));
    assert!(!dir.path().join("x.html").exists());

    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg"]);
    let before = tree_digest(&shoot);
    let output = build_site(
        &shoot,
        &dir.path().join("site"),
        &["--single-file", path_str(&shoot.join("proofs.html"))],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("outside the shoot folder"));
    assert_eq!(tree_digest(&shoot), before, "the shoot is untouched");
}

#[test]
fn build_single_file_writes_the_folder_and_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg", "Album/b.jpg"]);
    let site = dir.path().join("site");
    let bundle = dir.path().join("proofs.html");
    build(&shoot, &site, &["--single-file", path_str(&bundle)]);
    let html = std::fs::read_to_string(&bundle).unwrap();
    let files = bundled_files(&html);
    // viewer.wasm, gallery.bin, the manifest and two renditions per photo.
    assert_eq!(files.len(), 2 + 1 + 4);
    let header = files
        .iter()
        .find(|(name, _)| name == "gallery.bin")
        .unwrap();
    assert_eq!(header.1, std::fs::read(site.join("gallery.bin")).unwrap());
}

#[test]
fn verify_names_a_damaged_or_missing_offline_copy() {
    let (_dir, site) = copy_of_sample_site();
    let copies: Vec<String> = offline_copies(&site)
        .into_iter()
        .filter(|c| c.starts_with("b/"))
        .collect();
    let (damaged, missing) = (&copies[0], &copies[copies.len() - 1]);
    let script = std::fs::read(site.join(damaged)).unwrap();
    let mut part = offline::decode_part(&script).unwrap();
    part.bytes[7] ^= 0x01;
    let forged = offline::encode_part(&part.name, part.index, part.count, &part.bytes);
    std::fs::write(site.join(damaged), forged).unwrap();
    std::fs::remove_file(site.join(missing)).unwrap();
    let output = run(&mut lightproof(&["verify", path_str(&site)]));
    assert_eq!(output.status.code(), Some(1));
    let log = stderr(&output);
    assert!(
        log.contains(&format!(
            "is damaged: it does not match what was encrypted (file '{damaged}')"
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!("is missing (file '{missing}')")),
        "{log}"
    );
    assert!(log.contains("the offline copy of the"), "{log}");
    assert!(log.contains("has 2 problems"), "{log}");
}
