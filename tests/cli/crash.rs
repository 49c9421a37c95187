//! Crash safety: rebuilds that really change the gallery (photos added and
//! removed, a new title, a new password, new keys for everything, offline
//! copies on and off) are killed with SIGKILL at random moments spread over
//! a build's duration. After every kill the gallery in place, the previous
//! one or the new one if the kill came after the header switch, verifies
//! with its own password and decrypts through the format API, no file under
//! a final name is partly written, and a later build completes.
//!
//! The delays come from a seeded generator whose seed is printed; set
//! `LIGHTPROOF_CRASH_SEED` to replay a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use lightproof::format::header::Header;
use lightproof::format::{vault, BlobKind, HEADER_FILE};
use lightproof::site::offline;

use crate::util::*;

/// Killed builds in all; every `CHECK_EVERY`-th is followed by one that
/// runs to its end.
const KILLS: usize = 32;
const CHECK_EVERY: usize = 4;
const FIRST_PHOTOS: usize = 6;
const PASSWORDS: [&str; 2] = [PASSWORD, "copper meadows hum beneath quiet rain"];
/// Files of every site that do not depend on the gallery.
const VIEWER_FILES: &[&str] = &[
    "index.html",
    "viewer.js",
    "style.css",
    "download-worker.js",
    "manifest.webmanifest",
    "icon-192.png",
    "icon-512.png",
    "icon-maskable.png",
    "apple-touch-icon.png",
    "viewer.wasm",
    "robots.txt",
    "_headers",
];

/// xorshift64*: enough to spread delays, and replayable from its seed.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Self {
        let seed = std::env::var("LIGHTPROOF_CRASH_SEED")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.unwrap().as_nanos() as u64 | 1
            });
        eprintln!("crash test seed: {seed} (replay with LIGHTPROOF_CRASH_SEED={seed})");
        Self(seed.max(1))
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound.max(1)
    }
}

/// What a rebuild changes, in turn.
#[derive(Clone, Copy, Debug)]
enum Change {
    AddPhoto,
    Retitle,
    NewPassword,
    RemovePhoto,
    ToggleWebOnly,
    NewKeys,
}

const CHANGES: [Change; 6] = [
    Change::AddPhoto,
    Change::Retitle,
    Change::NewPassword,
    Change::RemovePhoto,
    Change::ToggleWebOnly,
    Change::NewKeys,
];

/// The gallery the next build is asked to make.
struct Wanted {
    title: String,
    password: &'static str,
    web_only: bool,
    new_keys: bool,
}

/// The gallery whose header is in place, as the test knows it.
struct InPlace {
    header: Vec<u8>,
    password: &'static str,
    photos: usize,
    /// Built with offline copies.
    offline: bool,
}

struct Setup {
    _dir: tempfile::TempDir,
    shoot: PathBuf,
    site: PathBuf,
    cache: PathBuf,
    /// The viewer files as a complete build writes them.
    viewer: Vec<(&'static str, Vec<u8>)>,
}

fn start_build(setup: &Setup, wanted: &Wanted) -> Child {
    let mut command = lightproof(&[
        "build",
        path_str(&setup.shoot),
        "--out",
        path_str(&setup.site),
        "--cache-dir",
        path_str(&setup.cache),
        "--title",
        &wanted.title,
        "--quiet",
    ]);
    command.args(wanted.web_only.then_some("--web-only"));
    command.args(wanted.new_keys.then_some("--no-cache"));
    command.env("LIGHTPROOF_PASSWORD", wanted.password);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command.spawn().expect("start lightproof")
}

/// Builds to the end; returns how long it took.
fn complete_build(setup: &Setup, wanted: &Wanted) -> Duration {
    let started = Instant::now();
    let status = start_build(setup, wanted).wait().unwrap();
    assert!(status.success(), "an uninterrupted build failed");
    started.elapsed()
}

fn photos_in(shoot: &Path) -> Vec<PathBuf> {
    files_under(shoot)
}

fn apply(change: Change, setup: &Setup, wanted: &mut Wanted, rng: &mut Rng, round: usize) {
    wanted.new_keys = false;
    match change {
        Change::AddPhoto => {
            let name = format!("added-{round}.png");
            make_shoot(&setup.shoot, &[name.as_str()]);
        }
        Change::RemovePhoto => {
            let photos = photos_in(&setup.shoot);
            if photos.len() > 2 {
                let victim = rng.below(photos.len() as u64) as usize;
                fs::remove_file(&photos[victim]).unwrap();
            }
        }
        Change::Retitle => wanted.title = format!("Harbour session {round}"),
        Change::NewPassword => {
            wanted.password = if wanted.password == PASSWORDS[0] {
                PASSWORDS[1]
            } else {
                PASSWORDS[0]
            }
        }
        Change::ToggleWebOnly => wanted.web_only = !wanted.web_only,
        Change::NewKeys => wanted.new_keys = true,
    }
}

/// How the header in place after a kill relates to the build.
#[derive(Default, Debug)]
struct Tally {
    before_switch: usize,
    after_switch: usize,
    finished_before_kill: usize,
    /// Kills that left the offline copy of the header withdrawn.
    header_copy_withdrawn: usize,
}

#[test]
fn a_build_killed_at_random_moments_leaves_a_whole_gallery() {
    let started = Instant::now();
    let mut rng = Rng::from_env_or_clock();
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_numbered_shoot(&shoot, FIRST_PHOTOS);
    let mut setup = Setup {
        shoot,
        site: dir.path().join("site"),
        cache: dir.path().join("cache"),
        viewer: Vec::new(),
        _dir: dir,
    };
    let mut wanted = Wanted {
        title: "Harbour session".to_owned(),
        password: PASSWORDS[0],
        web_only: false,
        new_keys: true,
    };
    let full_build = complete_build(&setup, &wanted);
    eprintln!("a full build takes {full_build:?}; kills fall uniformly within it");
    setup.viewer = VIEWER_FILES
        .iter()
        .map(|name| (*name, fs::read(setup.site.join(name)).unwrap()))
        .collect();
    let mut in_place = InPlace {
        header: fs::read(setup.site.join(HEADER_FILE)).unwrap(),
        password: wanted.password,
        photos: FIRST_PHOTOS,
        offline: true,
    };
    check_gallery(&setup, &in_place);
    let mut tally = Tally::default();
    for round in 0..KILLS {
        let change = CHANGES[round % CHANGES.len()];
        apply(change, &setup, &mut wanted, &mut rng, round);
        let delay = Duration::from_micros(rng.below(full_build.as_micros() as u64));
        let mut build = start_build(&setup, &wanted);
        std::thread::sleep(delay);
        let finished = build.try_wait().unwrap().is_some();
        build.kill().unwrap();
        let status = build.wait().unwrap();
        let header = fs::read(setup.site.join(HEADER_FILE)).unwrap();
        let switched = header != in_place.header;
        eprintln!("round {round}: {change:?}, killed after {delay:?}, switched: {switched}");
        if finished {
            assert!(
                status.success(),
                "round {round}: the build failed on its own"
            );
            tally.finished_before_kill += 1;
        } else if switched {
            tally.after_switch += 1;
        } else {
            tally.before_switch += 1;
        }
        if switched {
            in_place = InPlace {
                header,
                password: wanted.password,
                photos: photos_in(&setup.shoot).len(),
                offline: !wanted.web_only,
            };
        }
        let offline_header = setup.site.join(offline::part_name(HEADER_FILE, 0));
        tally.header_copy_withdrawn += usize::from(!wanted.web_only && !offline_header.exists());
        check_gallery(&setup, &in_place);
        if round % CHECK_EVERY == CHECK_EVERY - 1 || round == KILLS - 1 {
            complete_build(&setup, &wanted);
            in_place = InPlace {
                header: fs::read(setup.site.join(HEADER_FILE)).unwrap(),
                password: wanted.password,
                photos: photos_in(&setup.shoot).len(),
                offline: !wanted.web_only,
            };
            check_gallery(&setup, &in_place);
            assert_eq!(temp_files(&setup.site), Vec::<PathBuf>::new());
        }
    }
    eprintln!("{tally:?} in {:?}", started.elapsed());
    assert_eq!(
        tally.before_switch + tally.after_switch + tally.finished_before_kill,
        KILLS
    );
    let leftovers = files_under(&setup.cache)
        .into_iter()
        .filter(|path| file_name(path).contains(".tmp-"))
        .count();
    assert_eq!(leftovers, 0, "the cache keeps no temporary files");
}

/// The gallery in place is whole: `verify` passes with its password, the
/// format API opens every photo, and no file is partly written.
fn check_gallery(setup: &Setup, in_place: &InPlace) {
    let site = &setup.site;
    let header = fs::read(site.join(HEADER_FILE)).unwrap();
    assert_eq!(
        header, in_place.header,
        "the header in place is the one known"
    );
    let output =
        run(lightproof(&["verify", path_str(site)]).env("LIGHTPROOF_PASSWORD", in_place.password));
    assert!(
        output.status.success(),
        "verify failed: {}",
        stderr(&output)
    );
    let header_copy = site.join(offline::part_name(HEADER_FILE, 0));
    if !in_place.offline {
        assert!(
            !header_copy.exists(),
            "a web-only header has no offline copy"
        );
    }
    let (header, manifest, _, _) = open_grant(site, in_place.password);
    assert_eq!(manifest.photos().count(), in_place.photos);
    for (_, photo) in manifest.photos() {
        for (rendition, kind) in [
            (&photo.thumb, BlobKind::Thumbnail),
            (&photo.preview, BlobKind::Preview),
        ] {
            let bytes = fs::read(site.join(rendition.blob.path())).unwrap();
            let jpeg =
                vault::open_pinned_blob(&header.gallery_id, &rendition.blob, kind, &bytes).unwrap();
            assert!(jpeg.starts_with(b"\xff\xd8\xff"), "{} decrypts", photo.file);
        }
    }
    for path in files_under(site) {
        check_whole(setup, &path);
    }
}

/// A file under a final name holds everything it should: the viewer files
/// as a full build writes them, blobs of a length that sealing can give,
/// offline parts that parse and equal their file.
fn check_whole(setup: &Setup, path: &Path) {
    let name = file_name(path);
    let relative = path.strip_prefix(&setup.site).unwrap();
    let relative = relative.to_str().unwrap();
    let bytes = fs::read(path).unwrap();
    if lightproof::site::atomic::is_temp_file(&name) || name == lightproof::site::names::MARKER_FILE
    {
        return;
    }
    if let Some((_, expected)) = setup.viewer.iter().find(|(file, _)| *file == relative) {
        assert!(&bytes == expected, "{relative} is not what a build writes");
    } else if relative == HEADER_FILE {
        Header::parse(&bytes).unwrap();
    } else if name.ends_with(".js") {
        check_part(&setup.site, relative, &bytes);
    } else if relative.starts_with("b/") {
        assert!(
            is_sealed_length(bytes.len() as u64),
            "{relative} has {} bytes: not a whole blob",
            bytes.len()
        );
    } else {
        panic!("unexpected file {relative} in the site");
    }
}

/// An offline part parses, names itself, and equals its part of the file
/// (when that is still there: a stale blob goes before its copies).
fn check_part(site: &Path, relative: &str, script: &[u8]) {
    let part = offline::decode_part(script)
        .unwrap_or_else(|| panic!("{relative} is not a whole offline part"));
    assert_eq!(offline::part_name(&part.name, part.index), relative);
    if let Ok(file) = fs::read(site.join(&part.name)) {
        let start = (part.index * offline::PART_BYTES).min(file.len());
        let end = (start + offline::PART_BYTES).min(file.len());
        assert!(
            part.bytes == file[start..end],
            "{relative} differs from its file"
        );
    }
}

/// Whether `len` is the length of a sealed blob (FORMAT.md, "Blobs"):
/// `56 + P + 16 × (floor(P / 16384) + 1)` with `P` a padded length.
fn is_sealed_length(len: u64) -> bool {
    (1..=len / 16384 + 1).any(|chunks| {
        let padded = len.checked_sub(56 + 16 * chunks);
        padded.is_some_and(|p| p >= 1 && padme(p) == p && p / 16384 + 1 == chunks)
    })
}

fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let exponent = u64::from(63 - len.leading_zeros());
    let size_bits = u64::from(63 - exponent.leading_zeros()) + 1;
    let mask = (1u64 << (exponent - size_bits)) - 1;
    (len + mask) & !mask
}

fn temp_files(site: &Path) -> Vec<PathBuf> {
    files_under(site)
        .into_iter()
        .filter(|path| lightproof::site::atomic::is_temp_file(&file_name(path)))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}
