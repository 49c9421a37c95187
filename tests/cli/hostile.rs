//! Hostile and odd inputs: every kind of file a photographer meets, made
//! here at test time (libjpeg-turbo for the JPEG variants, the `image`
//! crate for PNG, WebP and TIFF, python3 for a real PNG decompression
//! bomb), built by the real binary and checked in the decrypted gallery.
//!
//! Every build in this module hashes the whole shoot tree (names, bytes,
//! modes, dates) before and after, failed builds included, and fails on
//! any "panicked" in the output.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use image::{ImageBuffer, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use lightproof::format::manifest::Photo;
use lightproof::format::{vault, BlobKind};
use sha2::Digest;
use turbojpeg::{Colorspace, PixelFormat, Subsamp};

use crate::util::*;

/// Exit codes documented in `--help` and the README.
const DONE: i32 = 0;
const DONE_WITH_PROBLEMS: i32 = 1;
const NOTHING_DONE: i32 = 2;

// ---------------------------------------------------------------- fixtures

/// A JPEG from `pixels` laid out as `format`, written by libjpeg-turbo.
fn turbo_jpeg(
    pixels: &[u8],
    (width, height): (usize, usize),
    format: PixelFormat,
    setup: impl FnOnce(&mut turbojpeg::Compressor),
) -> Vec<u8> {
    let mut compressor = turbojpeg::Compressor::new().unwrap();
    compressor.set_quality(92).unwrap();
    compressor.set_subsamp(Subsamp::None).unwrap();
    setup(&mut compressor);
    compressor
        .compress_to_vec(turbojpeg::Image {
            pixels,
            width,
            pitch: width * format.size(),
            height,
            format,
        })
        .unwrap()
}

/// A baseline RGB JPEG whose pixels come from `colour`.
fn rgb_jpeg(width: u32, height: u32, mut colour: impl FnMut(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| Rgb(colour(x, y)));
    turbo_jpeg(
        image.as_raw(),
        (width as usize, height as usize),
        PixelFormat::RGB,
        |_| {},
    )
}

/// A flat grey single-channel JPEG (cheap even at 60 megapixels).
fn grey_jpeg(width: usize, height: usize, level: u8) -> Vec<u8> {
    let pixels = vec![level; width * height];
    turbo_jpeg(&pixels, (width, height), PixelFormat::GRAY, |c| {
        c.set_subsamp(Subsamp::Gray).unwrap()
    })
}

/// A red JPEG stored as ink: CMYK (Adobe transform 0) or YCCK (transform 2).
fn red_ink_jpeg(colorspace: Colorspace) -> Vec<u8> {
    // Magenta and yellow full, no cyan or black; inverted, as Adobe writes.
    let pixels: Vec<u8> = [255, 0, 0, 255].repeat(64 * 48);
    turbo_jpeg(&pixels, (64, 48), PixelFormat::CMYK, |c| {
        c.set_colorspace(colorspace).unwrap()
    })
}

fn encoded(image: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// Left half fully transparent (hiding pure red), right half opaque green.
fn half_transparent() -> image::DynamicImage {
    image::DynamicImage::ImageRgba8(RgbaImage::from_fn(64, 48, |x, _| {
        if x < 32 {
            Rgba([255, 0, 0, 0])
        } else {
            Rgba([0, 255, 0, 255])
        }
    }))
}

/// `jpeg` with an APP1 Exif segment holding `tiff` (a TIFF structure).
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut app1 = b"\xff\xe1".to_vec();
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(tiff);
    [&jpeg[..2], &app1, &jpeg[2..]].concat()
}

/// Big-endian TIFF with one IFD entry: Orientation = `value`.
fn orientation_tiff(value: u16) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
    tiff.extend_from_slice(&value.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    tiff
}

/// Noise, so that half of the file is half of the image data.
fn noisy_jpeg() -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    rgb_jpeg(256, 256, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        state.to_be_bytes()[..3].try_into().unwrap()
    })
}

fn random_bytes(count: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// A JPEG whose frame header claims 60000×60000 pixels.
fn jpeg_bomb() -> Vec<u8> {
    let mut jpeg = grey_jpeg(16, 16, 128);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xff, 0xc0])
        .expect("a baseline frame header");
    // FFC0, length (2), precision (1), then height and width.
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xea, 0x60, 0xea, 0x60]);
    jpeg
}

fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32fast::hash(&[kind, data].concat()).to_be_bytes());
    chunk
}

/// A PNG whose header claims 60000×60000 RGB pixels, with no data.
fn png_bomb_header_only() -> Vec<u8> {
    let mut ihdr = 60_000u32.to_be_bytes().repeat(2);
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", b"\x78\x9c\x03\x00\x00\x00\x00\x01"),
        &png_chunk(b"IEND", b""),
    ]
    .concat()
}

/// A complete, valid 30000×30000 one-colour PNG (1-bit grey): about
/// 110 KB on disk, 2.7 GB as RGB pixels.
fn write_real_png_bomb(path: &Path) {
    let script = r#"
import struct, sys, zlib
side = 30000
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
rows = (b"\0" * (1 + side // 8)) * 1000
z = zlib.compressobj(9)
idat = b"".join(z.compress(rows) for _ in range(side // 1000)) + z.flush()
ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
# Proof that the data is all there: inflate it again, in pieces.
d, total = zlib.decompressobj(), 0
for at in range(0, len(idat), 4096):
    total += len(d.decompress(idat[at:at + 4096], 1 << 20))
    while d.unconsumed_tail:
        total += len(d.decompress(d.unconsumed_tail, 1 << 20))
print(total + len(d.flush()))
"#;
    let output = Command::new("python3")
        .args(["-c", script, path_str(path)])
        .output()
        .expect("python3 (tests/run-all.sh installs it)");
    assert!(output.status.success());
    let inflated = String::from_utf8_lossy(&output.stdout);
    assert_eq!(inflated.trim(), (30_000 * (1 + 30_000 / 8)).to_string());
}

/// A file of the shoot: its path (relative) and bytes.
struct Fixture {
    name: String,
    bytes: Vec<u8>,
}

fn fixture(name: &str, bytes: Vec<u8>) -> Fixture {
    Fixture {
        name: name.to_owned(),
        bytes,
    }
}

fn write_shoot<'a>(root: &Path, fixtures: impl IntoIterator<Item = &'a Fixture>) {
    for fixture in fixtures {
        let path = root.join(&fixture.name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, &fixture.bytes).unwrap();
    }
}

// ------------------------------------------------------------------ checks

/// Everything about a folder tree that a build must not change: each
/// entry's relative name (raw bytes), kind, mode, modification time and,
/// for files, a SHA-256 of the contents.
fn tree_state(root: &Path) -> BTreeMap<Vec<u8>, (u32, std::time::SystemTime, [u8; 32])> {
    let mut state = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let digest = if meta.is_file() {
                sha2::Sha256::digest(fs::read(&path).unwrap()).into()
            } else {
                [0; 32]
            };
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let name = path.strip_prefix(root).unwrap().as_os_str().as_bytes();
            let mode = meta.permissions().mode();
            state.insert(name.to_vec(), (mode, meta.modified().unwrap(), digest));
        }
    }
    state
}

/// What one run of the binary gave.
struct Outcome {
    code: i32,
    stderr: String,
}

/// Runs `lightproof build SHOOT --out OUT EXTRA…` and checks what must
/// hold for every build, failed or not: the shoot is untouched and
/// nothing panicked.
fn build(shoot: &Path, out: &Path, extra: &[&str]) -> Outcome {
    let before = tree_state(shoot);
    let output = run(lightproof(&["build", path_str(shoot), "--out", path_str(out)]).args(extra));
    assert_eq!(
        tree_state(shoot),
        before,
        "the build changed the shoot folder"
    );
    let outcome = Outcome {
        code: output.status.code().expect("exited, not killed"),
        stderr: stderr(&output),
    };
    assert!(
        !outcome.stderr.contains("panicked"),
        "a panic: {}",
        outcome.stderr
    );
    outcome
}

/// The lines of `stderr` that mention `name`.
fn lines_naming<'a>(stderr: &'a str, name: &str) -> Vec<&'a str> {
    stderr.lines().filter(|line| line.contains(name)).collect()
}

/// Each photo of the gallery by (album, file): its manifest entry and its
/// decrypted preview.
fn gallery(site: &Path) -> BTreeMap<(String, String), (Photo, RgbImage)> {
    let (header, manifest, _, _) = open_grant(site, PASSWORD);
    manifest
        .photos()
        .map(|(album, photo)| {
            let bytes = fs::read(site.join(photo.preview.blob.path())).unwrap();
            let jpeg = vault::open_pinned_blob(
                &header.gallery_id,
                &photo.preview.blob,
                BlobKind::Preview,
                &bytes,
            )
            .unwrap();
            let preview = image::load_from_memory(&jpeg).unwrap().into_rgb8();
            (
                (album.name.clone(), photo.file.clone()),
                (photo.clone(), preview),
            )
        })
        .collect()
}

/// Average colour of the 8×8 square at (x, y).
fn colour_at(image: &RgbImage, x: u32, y: u32) -> [u8; 3] {
    let mut sum = [0u32; 3];
    for dy in 0..8 {
        for dx in 0..8 {
            let pixel = image.get_pixel(x + dx, y + dy).0;
            (0..3).for_each(|c| sum[c] += u32::from(pixel[c]));
        }
    }
    sum.map(|s| (s / 64) as u8)
}

fn assert_near(actual: [u8; 3], expected: [u8; 3], what: &str) {
    let off = (0..3)
        .map(|c| actual[c].abs_diff(expected[c]))
        .max()
        .unwrap();
    assert!(off <= 8, "{what}: {actual:?}, expected {expected:?}");
}

// ------------------------------------------------------------------- tests

/// The good kinds, by name, with their upright size.
fn good_kinds() -> Vec<(Fixture, (u32, u32))> {
    let baseline = rgb_jpeg(64, 48, |x, _| [x as u8 * 4, 80, 160]);
    let progressive = turbo_jpeg(
        RgbImage::from_pixel(64, 48, Rgb([40, 200, 40])).as_raw(),
        (64, 48),
        PixelFormat::RGB,
        |c| c.set_progressive(true).unwrap(),
    );
    let grey16 = ImageBuffer::<Luma<u16>, _>::from_pixel(64, 48, Luma([0x8080]));
    let rgb16 = ImageBuffer::<Rgb<u16>, _>::from_pixel(64, 48, Rgb([0x8080; 3]));
    let tiff = RgbImage::from_pixel(64, 48, Rgb([0, 0, 255]));
    let sideways = rgb_jpeg(64, 32, |_, _| [200, 200, 0]);
    let png = image::ImageFormat::Png;
    let twin = rgb_jpeg(40, 30, |x, y| [x as u8 * 6, y as u8 * 8, 30]);
    vec![
        (fixture("baseline.jpg", baseline.clone()), (64, 48)),
        (fixture("progressive.jpg", progressive), (64, 48)),
        (
            fixture("cmyk.jpg", red_ink_jpeg(Colorspace::CMYK)),
            (64, 48),
        ),
        (
            fixture("ycck.jpg", red_ink_jpeg(Colorspace::YCCK)),
            (64, 48),
        ),
        (fixture("grey.jpg", grey_jpeg(64, 48, 128)), (64, 48)),
        (
            fixture("grey 16-bit.png", encoded(grey16.into(), png)),
            (64, 48),
        ),
        (
            fixture("rgb 16-bit.png", encoded(rgb16.into(), png)),
            (64, 48),
        ),
        (
            fixture("alpha.png", encoded(half_transparent(), png)),
            (64, 48),
        ),
        (
            fixture(
                "alpha.webp",
                encoded(half_transparent(), image::ImageFormat::WebP),
            ),
            (64, 48),
        ),
        (
            fixture("scan.tif", encoded(tiff.into(), image::ImageFormat::Tiff)),
            (64, 48),
        ),
        (
            fixture("sideways.jpg", with_exif(&sideways, &orientation_tiff(6))),
            (32, 64),
        ),
        (
            fixture(
                "bogus orientation.jpg",
                with_exif(&baseline, &orientation_tiff(9)),
            ),
            (64, 48),
        ),
        (
            fixture(
                "exif pointing outside.jpg",
                with_exif(&baseline, b"MM\x00\x2a\x7f\xff\xff\xf0"),
            ),
            (64, 48),
        ),
        (
            fixture(
                "exif cut short.jpg",
                with_exif(&baseline, b"II\x2a\x00\x08\x00\x00\x00\xff\xff\x12\x01"),
            ),
            (64, 48),
        ),
        (
            fixture("one pixel.jpg", rgb_jpeg(1, 1, |_, _| [9, 9, 9])),
            (1, 1),
        ),
        (
            fixture(
                "one pixel.png",
                encoded(RgbImage::from_pixel(1, 1, Rgb([9, 9, 9])).into(), png),
            ),
            (1, 1),
        ),
        (
            fixture("strip 8000x12.jpg", grey_jpeg(8000, 12, 90)),
            (8000, 12),
        ),
        (
            fixture("strip 12x8000.jpg", grey_jpeg(12, 8000, 90)),
            (12, 8000),
        ),
        (
            fixture("panorama 20000x3000.jpg", grey_jpeg(20000, 3000, 100)),
            (20000, 3000),
        ),
        (fixture("twin.jpg", twin.clone()), (40, 30)),
        (fixture("twin copy.jpg", twin.clone()), (40, 30)),
        (fixture("Ce\u{301}re\u{301}monie/twin.jpg", twin), (40, 30)),
    ]
}

/// Names in several scripts, macOS's decomposed form, and the characters
/// that mean something in a URL: (name on disk, name in the gallery).
const ODD_NAMES: [(&str, &str); 7] = [
    ("Свадьба у моря.jpg", "Свадьба у моря.jpg"),
    ("結婚式の写真.jpg", "結婚式の写真.jpg"),
    ("حفل الزفاف.jpg", "حفل الزفاف.jpg"),
    ("विवाह समारोह.jpg", "विवाह समारोह.jpg"),
    ("🎉📷 party.jpg", "🎉📷 party.jpg"),
    ("Cafe\u{301} de Flore.jpg", "Caf\u{e9} de Flore.jpg"),
    (
        "No #1 at 50% off? rock & roll + more.jpg",
        "No #1 at 50% off? rock & roll + more.jpg",
    ),
];

/// Files lightproof cannot read yet: each skipped with a way out.
const NOT_YET: [&str; 5] = [
    "IMG_0001.CR2",
    "DSC_0002.NEF",
    "DSC00003.ARW",
    "L1000004.DNG",
    "IMG_0005.HEIC",
];

#[test]
fn every_kind_of_photo_is_in_the_gallery_upright_and_in_its_colours() {
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    let good = good_kinds();
    let odd = ODD_NAMES.map(|(name, _)| fixture(name, rgb_jpeg(30, 20, |_, _| [1, 2, 3])));
    let not_yet = NOT_YET.map(|name| fixture(name, random_bytes(4096)));
    write_shoot(&shoot, good.iter().map(|(f, _)| f));
    write_shoot(&shoot, &odd);
    write_shoot(&shoot, &not_yet);
    let files = good.len() + odd.len() + not_yet.len();
    eprintln!("hostile inputs in this shoot: {files}");

    let outcome = build(&shoot, &site, &["--background", "#203040"]);
    assert_eq!(outcome.code, DONE, "{}", outcome.stderr);
    for name in NOT_YET {
        let lines = lines_naming(&outcome.stderr, name);
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        assert!(lines[0].contains("convert to JPEG first"), "{}", lines[0]);
    }

    let photos = gallery(&site);
    assert_eq!(photos.len(), good.len() + odd.len(), "{:?}", photos.keys());
    let find = |name: &str| {
        let (album, file) = match name.rsplit_once('/') {
            Some((album, file)) => (album.to_owned(), file.to_owned()),
            None => ("Photos".to_owned(), name.to_owned()),
        };
        let album = album.replace("Ce\u{301}re\u{301}monie", "C\u{e9}r\u{e9}monie");
        photos
            .get(&(album.clone(), file.clone()))
            .unwrap_or_else(|| panic!("'{file}' in '{album}' is not in the gallery"))
    };
    for (fixture, (width, height)) in &good {
        let (photo, preview) = find(&fixture.name);
        assert_eq!(
            (photo.width, photo.height),
            (*width, *height),
            "{}",
            fixture.name
        );
        let preview_long = preview.width().max(preview.height());
        assert_eq!(
            preview_long,
            (*width).max(*height).min(2048),
            "{}",
            fixture.name
        );
    }
    for (_, shown) in ODD_NAMES {
        find(shown);
    }

    let red = [255, 0, 0];
    assert_near(colour_at(&find("cmyk.jpg").1, 28, 20), red, "CMYK red ink");
    assert_near(colour_at(&find("ycck.jpg").1, 28, 20), red, "YCCK red ink");
    let mid_grey = [128, 128, 128];
    assert_near(
        colour_at(&find("grey.jpg").1, 28, 20),
        mid_grey,
        "grey JPEG",
    );
    assert_near(
        colour_at(&find("grey 16-bit.png").1, 28, 20),
        mid_grey,
        "16-bit grey",
    );
    assert_near(
        colour_at(&find("rgb 16-bit.png").1, 28, 20),
        mid_grey,
        "16-bit RGB",
    );
    assert_near(colour_at(&find("scan.tif").1, 28, 20), [0, 0, 255], "TIFF");
    for name in ["alpha.png", "alpha.webp"] {
        let preview = &find(name).1;
        assert_near(colour_at(preview, 8, 20), [0x20, 0x30, 0x40], name);
        assert_near(colour_at(preview, 48, 20), [0, 255, 0], name);
    }
}

#[test]
fn the_ycck_fixture_really_is_ycck_and_the_cmyk_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    for (colorspace, transform) in [(Colorspace::YCCK, "YCCK"), (Colorspace::CMYK, "Unknown")] {
        let path = dir.path().join(format!("{transform}.jpg"));
        fs::write(&path, red_ink_jpeg(colorspace)).unwrap();
        let output = Command::new("exiftool")
            .args([
                "-s3",
                "-ColorTransform",
                "-ColorComponents",
                path_str(&path),
            ])
            .output()
            .expect("exiftool (tests/run-all.sh installs it)");
        let text = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with(transform), "{colorspace:?}: {text}");
        assert_eq!(lines[1], "4", "{colorspace:?}: {text}");
    }
}

/// Broken files, named for what is wrong with them, with the word each
/// one's line must give as the reason.
fn broken_files() -> Vec<(Fixture, &'static str)> {
    let noisy = noisy_jpeg();
    let png = encoded(
        RgbImage::from_fn(128, 128, |x, y| Rgb([x as u8, y as u8, (x ^ y) as u8])).into(),
        image::ImageFormat::Png,
    );
    vec![
        (fixture("empty.jpg", Vec::new()), "empty"),
        (
            fixture("half.jpg", noisy[..noisy.len() / 2].to_vec()),
            "cut short",
        ),
        (
            fixture("half.png", png[..png.len() / 2].to_vec()),
            "cut short",
        ),
        (
            fixture("random bytes.jpg", random_bytes(20_000)),
            "not a JPEG",
        ),
        (
            fixture("notes.png", b"Call the florist on Monday.\n".to_vec()),
            "not a JPEG",
        ),
    ]
}

#[test]
fn each_broken_file_gets_one_line_and_the_others_are_built() {
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    let broken = broken_files();
    write_shoot(&shoot, &[fixture("good.jpg", noisy_jpeg())]);
    write_shoot(&shoot, broken.iter().map(|(f, _)| f));

    let outcome = build(&shoot, &site, &[]);
    assert_eq!(outcome.code, DONE_WITH_PROBLEMS, "{}", outcome.stderr);
    for (fixture, reason) in &broken {
        let lines = lines_naming(&outcome.stderr, &fixture.name);
        assert_eq!(lines.len(), 1, "{}: {lines:?}", fixture.name);
        assert!(lines[0].contains(reason), "{}: {}", fixture.name, lines[0]);
    }
    let photos = gallery(&site);
    assert_eq!(
        photos.keys().map(|(_, f)| f.as_str()).collect::<Vec<_>>(),
        ["good.jpg"]
    );
}

/// Every file under `dir` that an interrupted write would leave.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| {
            lightproof::site::atomic::is_temp_file(&path.file_name().unwrap().to_string_lossy())
        })
        .collect()
}

#[test]
fn strict_refuses_before_creating_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    let broken = broken_files();
    write_shoot(&shoot, &[fixture("good.jpg", noisy_jpeg())]);
    write_shoot(&shoot, broken.iter().map(|(f, _)| f));
    // From the shoot's own lightproof.toml this time.
    fs::write(shoot.join("lightproof.toml"), "[gallery]\nstrict = true\n").unwrap();

    let outcome = build(&shoot, &site, &[]);
    assert_eq!(outcome.code, NOTHING_DONE, "{}", outcome.stderr);
    assert!(!site.exists(), "a strict build that failed created --out");
    assert!(outcome.stderr.contains("--strict"), "{}", outcome.stderr);
    for (fixture, reason) in &broken {
        let lines = lines_naming(&outcome.stderr, &fixture.name);
        assert_eq!(lines.len(), 1, "{}: {lines:?}", fixture.name);
        assert!(lines[0].contains(reason), "{}: {}", fixture.name, lines[0]);
    }
}

#[test]
fn strict_leaves_a_previous_gallery_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    write_shoot(
        &shoot,
        &[
            fixture("a.jpg", noisy_jpeg()),
            fixture("b.jpg", rgb_jpeg(300, 200, |x, y| [x as u8, y as u8, 7])),
        ],
    );
    assert_eq!(build(&shoot, &site, &[]).code, DONE);
    let before = tree_digest(&site);

    // A new photo that only a full decode finds broken, and a changed one
    // that a non-strict build would write.
    let noisy = noisy_jpeg();
    write_shoot(
        &shoot,
        &[
            fixture("c.jpg", noisy[..noisy.len() * 2 / 3].to_vec()),
            fixture("b.jpg", rgb_jpeg(300, 200, |x, y| [y as u8, x as u8, 9])),
        ],
    );
    let outcome = build(&shoot, &site, &["--strict"]);
    assert_eq!(outcome.code, NOTHING_DONE, "{}", outcome.stderr);
    assert_eq!(
        lines_naming(&outcome.stderr, "c.jpg").len(),
        1,
        "{}",
        outcome.stderr
    );
    assert_eq!(tree_digest(&site), before, "the strict build changed --out");
    assert_eq!(temp_files(&site), Vec::<PathBuf>::new());

    // Without --strict the same shoot builds, leaving c.jpg out.
    let outcome = build(&shoot, &site, &[]);
    assert_eq!(outcome.code, DONE_WITH_PROBLEMS, "{}", outcome.stderr);
    assert_eq!(gallery(&site).len(), 2);
}

#[test]
fn the_pixel_limit_comes_from_the_flag_or_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    write_shoot(
        &shoot,
        &[
            fixture("small.jpg", grey_jpeg(1000, 1000, 60)),
            fixture("large.jpg", grey_jpeg(1600, 1000, 60)),
        ],
    );
    let outcome = build(&shoot, &site, &["--max-pixels", "1500000"]);
    assert_eq!(outcome.code, DONE_WITH_PROBLEMS, "{}", outcome.stderr);
    let lines = lines_naming(&outcome.stderr, "large.jpg");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("1600×1000") && lines[0].contains("--max-pixels"),
        "{}",
        lines[0]
    );
    assert_eq!(gallery(&site).len(), 1);

    fs::write(
        shoot.join("lightproof.toml"),
        "[gallery]\nmax_pixels = 2000000\n",
    )
    .unwrap();
    assert_eq!(build(&shoot, &site, &[]).code, DONE);
    assert_eq!(gallery(&site).len(), 2);
    // The flag wins over the file.
    let outcome = build(&shoot, &site, &["--max-pixels", "1200000"]);
    assert_eq!(outcome.code, DONE_WITH_PROBLEMS, "{}", outcome.stderr);
    assert_eq!(lines_naming(&outcome.stderr, "large.jpg").len(), 1);
}

/// Runs `command` to the end and returns its exit code, its stderr and
/// its peak resident memory in KiB, as the kernel counted it for the child
/// (`wait4`'s rusage), not for this test process.
// The child is reaped by `wait4`, which `Child::wait` cannot stand in for.
#[allow(clippy::zombie_processes)]
pub(crate) fn peak_memory(command: &mut Command, logs: &Path) -> (i32, String, i64) {
    // The child is started by a small python process: a child started
    // straight from this test process (vfork + exec) inherits its peak
    // RSS, which other tests running beside this one make large.
    let stderr_path = logs.join("stderr.txt");
    let peak_path = logs.join("peak-kib.txt");
    let mut launcher = Command::new("python3");
    launcher.arg("-c").arg(PEAK_LAUNCHER).arg(&peak_path);
    launcher.arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => launcher.env(key, value),
            None => launcher.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        launcher.current_dir(dir);
    }
    let status = launcher
        .stdout(Stdio::null())
        .stderr(fs::File::create(&stderr_path).unwrap())
        .status()
        .unwrap();
    let code = status.code().expect("the launcher exits");
    let stderr = fs::read_to_string(stderr_path).unwrap();
    eprintln!("--- stderr ---\n{stderr}");
    let peak = fs::read_to_string(peak_path).unwrap();
    assert_ne!(peak, "killed", "lightproof was killed by a signal");
    let peak = peak.trim().parse().unwrap();
    (code, stderr, peak)
}

/// Runs argv[2:], writes its peak RSS in KiB (from wait4) to argv[1], or
/// `killed`, and exits with its exit code.
const PEAK_LAUNCHER: &str = "import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
exited = os.WIFEXITED(status)
open(sys.argv[1], 'w').write(str(usage.ru_maxrss) if exited else 'killed')
sys.exit(os.WEXITSTATUS(status) if exited else 1)
";

/// Bomb builds must stay under this: far below the gigabytes the files
/// claim, a little above a normal small build.
const BOMB_PEAK_LIMIT_KIB: i64 = 200 * 1024;

#[test]
fn decompression_bombs_are_refused_from_their_header_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bombs = dir.path().join("bombs");
    write_shoot(
        &bombs,
        &[
            fixture("claims 60000x60000.jpg", jpeg_bomb()),
            fixture("claims 60000x60000.png", png_bomb_header_only()),
        ],
    );
    write_real_png_bomb(&bombs.join("one colour 30000x30000.png"));

    let before = tree_state(&bombs);
    let site = dir.path().join("bomb-site");
    let (code, text, bomb_peak) = peak_memory(
        &mut lightproof(&["build", path_str(&bombs), "--out", path_str(&site)]),
        dir.path(),
    );
    assert_eq!(tree_state(&bombs), before);
    assert!(!text.contains("panicked"), "{text}");
    assert_eq!(code, NOTHING_DONE, "{text}");
    for (name, size) in [
        ("claims 60000x60000.jpg", "60000×60000"),
        ("claims 60000x60000.png", "60000×60000"),
        ("one colour 30000x30000.png", "30000×30000"),
    ] {
        let lines = lines_naming(&text, name);
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        assert!(
            lines[0].contains(size) && lines[0].contains("raise the limit with --max-pixels"),
            "{}",
            lines[0]
        );
    }

    let normal = dir.path().join("normal");
    make_numbered_shoot(&normal, 8);
    write_shoot(&normal, &[fixture("noise.jpg", noisy_jpeg())]);
    let (code, _, normal_peak) = peak_memory(
        &mut lightproof(&[
            "build",
            path_str(&normal),
            "--out",
            path_str(&dir.path().join("site")),
        ]),
        dir.path(),
    );
    assert_eq!(code, DONE);
    eprintln!("peak RSS: bombs {bomb_peak} KiB, a normal small shoot {normal_peak} KiB");
    assert!(
        bomb_peak < BOMB_PEAK_LIMIT_KIB,
        "building the bombs peaked at {bomb_peak} KiB"
    );
}
