//! `lightproof link --renew NAME`: a key link is a bearer credential that
//! stays in browser history, so the photographer can cut one off. The
//! renewed link opens the grant, the old one opens nothing, and only
//! `gallery.bin` and its offline copy change.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::header::Header;
use lightproof::format::{blob_path, encoding, vault, Key32, HEADER_FILE};

use crate::util::*;

const CLIENT: &str = "saffron violet tundra for links";
const VIP: &str = "marble kite horizon, second factor";

fn with_passwords(command: &mut std::process::Command) -> &mut std::process::Command {
    command
        .env("LIGHTPROOF_PASSWORD_CLIENT", CLIENT)
        .env("LIGHTPROOF_PASSWORD_VIP", VIP)
}

/// A shoot with a linked grant and a two-factor grant, built with offline
/// copies.
fn linked_site() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg", "Mountains/b.jpg"]);
    let config = "[[grant]]\nname = \"client\"\nlink = true\n\n\
                  [[grant]]\nname = \"vip\"\nalbums = [\"Mountains\"]\ntwo_factor_link = true\n";
    fs::write(shoot.join("lightproof.toml"), config).unwrap();
    let site = dir.path().join("site");
    build(&shoot, &site);
    (dir, shoot, site)
}

fn build(shoot: &Path, site: &Path) {
    let output = run(with_passwords(&mut lightproof(&[
        "build",
        path_str(shoot),
        "--out",
        path_str(site),
        "--quiet",
    ])));
    assert!(output.status.success(), "{}", stderr(&output));
}

fn link(site: &Path, args: &[&str]) -> std::process::Output {
    let mut command = lightproof(&["link", path_str(site), "--url", "https://example.com/g/"]);
    run(with_passwords(command.args(args)))
}

fn secret_of(line: &str, tag: &str) -> Key32 {
    let encoded = line.split_once(&format!("#{tag}=")).unwrap().1.trim();
    Key32::from_bytes(encoding::base32_decode::<32>(encoded).unwrap())
}

fn header(site: &Path) -> Header {
    Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap()
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

fn album_count(site: &Path, slot: &lightproof::format::header::SlotContents) -> usize {
    let manifest = fs::read(site.join(blob_path(&slot.manifest_id))).unwrap();
    vault::open_manifest(&header(site), slot, &manifest)
        .unwrap()
        .albums
        .len()
}

#[test]
fn a_renewed_link_opens_the_old_one_does_not_and_only_the_header_changes() {
    let (_dir, shoot, site) = linked_site();
    let before_links = String::from_utf8(link(&site, &[]).stdout).unwrap();
    let old = secret_of(
        before_links.lines().find(|l| l.contains("#k=")).unwrap(),
        "k",
    );
    let two_factor = before_links
        .lines()
        .find(|l| l.contains("#k2="))
        .unwrap()
        .to_owned();
    assert!(vault::unlock_with_link(&header(&site), &old).is_ok());
    assert!(
        site.join("gallery.bin.js").is_file(),
        "the site has offline copies"
    );
    let before = files(&site);

    let output = link(&site, &["--renew", "client"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(
        printed.starts_with("https://example.com/g/#k="),
        "{printed}"
    );
    let new = secret_of(&printed, "k");
    assert_ne!(new.as_bytes(), old.as_bytes());

    let renewed = header(&site);
    let slot = vault::unlock_with_link(&renewed, &new).expect("the new link opens");
    assert_eq!(album_count(&site, &slot), 2, "the client grant, as before");
    assert!(
        vault::unlock_with_link(&renewed, &old).is_err(),
        "the old link opens nothing"
    );
    assert!(vault::unlock_with_password(&renewed, CLIENT.as_bytes()).is_ok());
    let vip = secret_of(&two_factor, "k2");
    assert!(vault::unlock_with_link_and_password(&renewed, &vip, VIP.as_bytes()).is_ok());

    let after = files(&site);
    let changed: std::collections::BTreeSet<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    let changed: Vec<&PathBuf> = changed.into_iter().collect();
    assert_eq!(
        changed,
        [Path::new("gallery.bin"), Path::new("gallery.bin.js")],
        "only the header and its offline copy change"
    );
    let part = lightproof::site::offline::decode_part(&after[Path::new("gallery.bin.js")]).unwrap();
    assert_eq!(
        part.bytes,
        after[Path::new("gallery.bin")],
        "the offline copy follows"
    );

    // The cache knows the new link: `link` prints it, and a rebuild keeps it.
    assert!(String::from_utf8(link(&site, &[]).stdout)
        .unwrap()
        .contains(printed.trim()));
    build(&shoot, &site);
    assert!(vault::unlock_with_link(&header(&site), &new).is_ok());
    assert!(vault::unlock_with_link(&header(&site), &old).is_err());
}

#[test]
fn a_two_factor_link_is_renewed_with_its_password() {
    let (_dir, _, site) = linked_site();
    let before_links = String::from_utf8(link(&site, &[]).stdout).unwrap();
    let old = secret_of(
        before_links.lines().find(|l| l.contains("#k2=")).unwrap(),
        "k2",
    );
    let plain = secret_of(
        before_links.lines().find(|l| l.contains("#k=")).unwrap(),
        "k",
    );
    let output = link(&site, &["--renew", "vip"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let new = secret_of(&String::from_utf8(output.stdout).unwrap(), "k2");
    let renewed = header(&site);
    let slot = vault::unlock_with_link_and_password(&renewed, &new, VIP.as_bytes()).unwrap();
    assert_eq!(album_count(&site, &slot), 1);
    assert!(vault::unlock_with_link_and_password(&renewed, &old, VIP.as_bytes()).is_err());
    assert!(
        vault::unlock_with_link(&renewed, &plain).is_ok(),
        "other links untouched"
    );

    let unknown = link(&site, &["--renew", "nobody"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no key link of grant 'nobody'"));
}
