use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const PASSWORD: &str = "velvet harbour lanterns drift at dawn";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample_shoot() -> PathBuf {
    repo().join("sample-shoot")
}

/// `lightproof` with the password in the environment.
pub fn lightproof(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lightproof"));
    command
        .args(args)
        .env("LIGHTPROOF_PASSWORD", PASSWORD)
        .env("LIGHTPROOF_CACHE_DIR", test_cache_dir())
        .env_remove("NO_COLOR");
    command
}

/// A build cache for this test run, so tests never touch ~/.cache.
fn test_cache_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

pub fn run(command: &mut Command) -> Output {
    let output = command.output().expect("run lightproof");
    eprintln!(
        "--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// The sample shoot built once per test run; copy it before changing it.
pub fn sample_site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, site) = SITE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let output =
            run(
                lightproof(&["build", path_str(&sample_shoot()), "--out", path_str(&site)])
                    .arg("--quiet"),
            );
        assert!(output.status.success(), "building the sample shoot failed");
        (dir, site)
    });
    site
}

/// A private copy of the sample site.
pub fn copy_of_sample_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("site");
    copy_dir(sample_site(), &copy);
    (dir, copy)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The blobs of a site (`b/<id>`), without their offline copies.
pub fn blob_files(site: &Path) -> Vec<PathBuf> {
    files_under(&site.join("b"))
        .into_iter()
        .filter(|path| path.extension().is_none())
        .collect()
}

/// Every path under `dir` (folders too) with the SHA-256 of its bytes
/// (zero for folders) and its modification time.
pub fn tree_digest(dir: &Path) -> Vec<(PathBuf, [u8; 32], std::time::SystemTime)> {
    use sha2::Digest;
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let digest = if meta.is_file() {
                sha2::Sha256::digest(std::fs::read(&path).unwrap()).into()
            } else {
                [0; 32]
            };
            if meta.is_dir() {
                stack.push(path.clone());
            }
            entries.push((path, digest, meta.modified().unwrap()));
        }
    }
    entries.sort();
    entries
}

/// A shoot of `photos` synthetic PNGs (`photo-0.png`, …) at `root`.
pub fn make_numbered_shoot(root: &Path, photos: usize) {
    let names: Vec<String> = (0..photos).map(|i| format!("photo-{i}.png")).collect();
    make_shoot(root, &names.iter().map(String::as_str).collect::<Vec<_>>());
}

/// A small shoot of synthetic JPEGs: `names` relative to the shoot root.
pub fn make_shoot(root: &Path, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let image = image::RgbImage::from_fn(64 + i as u32, 48, |x, y| {
            image::Rgb([x as u8 * 3, y as u8 * 5, 90])
        });
        image.save(&path).unwrap();
    }
}

/// Opens the grant of `password`: header, its manifest, the manifest's
/// file (`b/…`) and key.
pub fn open_grant(
    site: &Path,
    password: &str,
) -> (
    lightproof::format::header::Header,
    lightproof::format::manifest::Manifest,
    String,
    lightproof::format::Key32,
) {
    use lightproof::format::{blob_path, header::Header, vault, HEADER_FILE};
    let header = Header::parse(&std::fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    let slot = vault::unlock_with_password(&header, password.as_bytes()).unwrap();
    let file = blob_path(&slot.manifest_id);
    let manifest =
        vault::open_manifest(&header, &slot, &std::fs::read(site.join(&file)).unwrap()).unwrap();
    (header, manifest, file, slot.manifest_key)
}

/// `lightproof build SHOOT --out SITE EXTRA…`, its output (not checked).
pub fn build_site(shoot: &Path, site: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["build", path_str(shoot), "--out", path_str(site)];
    args.extend_from_slice(extra);
    run(&mut lightproof(&args))
}

/// [`build_site`] that must succeed; a failure shows the build's stderr.
pub fn build_ok(shoot: &Path, site: &Path, extra: &[&str]) -> Output {
    let output = build_site(shoot, site, extra);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    output
}

/// The blobs of `blobs` (paths of `b/<id>` files) that one of `keys` opens
/// as one of `kinds`, named `b/<id>`.
pub fn blobs_opened(
    gallery_id: &lightproof::format::Id,
    blobs: &[PathBuf],
    keys: &[lightproof::format::Key32],
    kinds: &[lightproof::format::BlobKind],
) -> std::collections::BTreeSet<String> {
    use lightproof::format::{encoding, vault};
    let mut opened = std::collections::BTreeSet::new();
    for blob in blobs {
        let file_name = blob.file_name().unwrap().to_str().unwrap();
        let id = encoding::base32_decode::<16>(file_name).unwrap();
        let bytes = std::fs::read(blob).unwrap();
        let opens = keys.iter().any(|key| {
            kinds
                .iter()
                .any(|kind| vault::open_blob(gallery_id, &id, *kind, key, &bytes).is_ok())
        });
        if opens {
            opened.insert(format!("b/{file_name}"));
        }
    }
    opened
}

/// The command did nothing (exit 2), said `why` on stderr and printed
/// nothing on stdout.
pub fn assert_refused(output: &Output, why: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(stderr(output).contains(why), "{}", stderr(output));
    assert!(output.stdout.is_empty());
}
