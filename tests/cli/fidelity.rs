//! Rendition fidelity, each checked against an independent tool on the
//! decrypted output of the real binary:
//!
//! - EXIF orientation, all 8 values: ImageMagick's `-auto-orient`.
//! - Colour: embedded ICC profiles (Display P3, Adobe RGB) against lcms2's
//!   `jpgicc`; YCCK JPEGs against ImageMagick's CMYK conversion.
//! - Quality: SSIMULACRA2 of each sample-shoot thumbnail against
//!   ImageMagick's Lanczos resize of the original. Measured 2026-11-23:
//!   lowest 69.1, median 77.4 (threshold 65), each within 0.3 points of
//!   the reference itself saved at the same q82 4:2:0 (threshold 2): the
//!   resize chain costs nothing the JPEG step does not. A q15 JPEG of the
//!   reference scores more than 20 points lower.
//! - Watermark: where it lands and how opaque it is.
//! - The benchmark corpus (`LIGHTPROOF_CORPUS`, made by
//!   `../shared/bench/make-corpus.sh`): its Adobe RGB, CMYK and rotated
//!   photos, against the same tools.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use image::{Rgb, RgbImage};
use lightproof::format::header::Header;
use lightproof::format::{blob_path, vault, BlobKind, HEADER_FILE};

use crate::util::*;

const MAGICK: &str = "/usr/bin/convert";

/// Decrypted renditions of a site, by file name: (thumbnail, preview).
fn renditions(site: &Path) -> BTreeMap<String, (RgbImage, RgbImage)> {
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    let slot = vault::unlock_with_password(&header, PASSWORD.as_bytes()).unwrap();
    let manifest_bytes = fs::read(site.join(blob_path(&slot.manifest_id))).unwrap();
    let manifest = vault::open_manifest(&header, &slot, &manifest_bytes).unwrap();
    let open = |rendition: &lightproof::format::manifest::Rendition, kind| {
        let bytes = fs::read(site.join(rendition.blob.path())).unwrap();
        let jpeg =
            vault::open_pinned_blob(&header.gallery_id, &rendition.blob, kind, &bytes).unwrap();
        image::load_from_memory(&jpeg).unwrap().into_rgb8()
    };
    manifest
        .photos()
        .map(|(_, photo)| {
            let thumb = open(&photo.thumb, BlobKind::Thumbnail);
            let preview = open(&photo.preview, BlobKind::Preview);
            (photo.file.clone(), (thumb, preview))
        })
        .collect()
}

/// Builds `shoot` into a new site next to it and returns its renditions.
fn build_and_open(shoot: &Path, extra: &[&str]) -> BTreeMap<String, (RgbImage, RgbImage)> {
    let site = shoot.with_file_name(format!(
        "{}-site",
        shoot.file_name().unwrap().to_string_lossy()
    ));
    let output = run(lightproof(&[
        "build",
        path_str(shoot),
        "--out",
        path_str(&site),
        "--quiet",
    ])
    .args(extra));
    assert!(output.status.success(), "{}", stderr(&output));
    renditions(&site)
}

/// Runs an external tool, failing the test with its stderr.
fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (tests/run-all.sh installs it): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn load(path: &Path) -> RgbImage {
    image::open(path).unwrap().into_rgb8()
}

/// Mean absolute difference per channel, in levels (0–255).
fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Average colour of a `size`-pixel square centred on (x, y).
fn patch(image: &RgbImage, x: u32, y: u32, size: u32) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for dy in 0..size {
        for dx in 0..size {
            let pixel = image.get_pixel(x - size / 2 + dx, y - size / 2 + dy);
            for c in 0..3 {
                sum[c] += f64::from(pixel[c]);
            }
        }
    }
    sum.map(|s| s / f64::from(size * size))
}

fn max_channel_diff(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|c| (a[c] - b[c]).abs()).fold(0.0, f64::max)
}

const ORIENTATIONS: [&str; 8] = [
    "TopLeft",
    "TopRight",
    "BottomRight",
    "BottomLeft",
    "LeftTop",
    "RightTop",
    "RightBottom",
    "LeftBottom",
];

#[test]
fn all_eight_exif_orientations_match_imagemagick() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    fs::create_dir(&shoot).unwrap();
    let base = dir.path().join("base.jpg");
    let source = sample_shoot().join("IMG_0101.jpg");
    tool(
        MAGICK,
        &[
            path_str(&source),
            "-auto-orient",
            "-resize",
            "600x400!",
            path_str(&base),
        ],
    );
    let mut references = Vec::new();
    for (value, name) in (1..).zip(ORIENTATIONS) {
        let tagged = shoot.join(format!("orientation-{value}.jpg"));
        tool(
            MAGICK,
            &[path_str(&base), "-orient", name, path_str(&tagged)],
        );
        let tag = tool(
            "identify",
            &["-format", "%[orientation]", path_str(&tagged)],
        );
        assert_eq!(tag, name, "the test file carries orientation {value}");
        let reference = dir.path().join(format!("reference-{value}.png"));
        tool(
            MAGICK,
            &[path_str(&tagged), "-auto-orient", path_str(&reference)],
        );
        references.push(load(&reference));
    }
    let built = build_and_open(&shoot, &[]);
    for (index, reference) in references.iter().enumerate() {
        let (_, preview) = &built[&format!("orientation-{}.jpg", index + 1)];
        assert_eq!(
            preview.dimensions(),
            reference.dimensions(),
            "orientation {}",
            index + 1
        );
        let difference = mean_abs_diff(preview, reference);
        assert!(
            difference < 4.0,
            "orientation {}: {difference:.2} levels off",
            index + 1
        );
        // Every other orientation of the same size is far off: the test can tell.
        for (other, wrong) in references.iter().enumerate() {
            if other != index && wrong.dimensions() == reference.dimensions() {
                assert!(
                    mean_abs_diff(preview, wrong) > 15.0,
                    "{} vs {}",
                    index + 1,
                    other + 1
                );
            }
        }
    }
}

/// A Python 3 that has piexif (tests/run-all.sh installs Debian's
/// python3-piexif).
fn python_with_piexif() -> &'static str {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|python| {
            Command::new(python)
                .args(["-c", "import piexif"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("no python3 with piexif: install python3-piexif (tests/run-all.sh does)")
}

/// Captions of a site's photos, by file name.
fn captions(site: &Path) -> BTreeMap<String, Option<String>> {
    let (_, manifest, _, _) = open_grant(site, PASSWORD);
    manifest
        .photos()
        .map(|(_, photo)| (photo.file.clone(), photo.caption.clone()))
        .collect()
}

/// Which quarter of `image` is red: (right, bottom).
fn red_quarter(image: &RgbImage) -> Option<(bool, bool)> {
    let (width, height) = image.dimensions();
    [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .find(|&(right, bottom)| {
            let x = if right { width * 3 / 4 } else { width / 4 };
            let y = if bottom { height * 3 / 4 } else { height / 4 };
            let [r, _, b] = patch(image, x, y, 6);
            r > 180.0 && b < 80.0
        })
}

#[test]
fn exif_that_other_tools_read_past_faults_in_is_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    fs::create_dir(&shoot).unwrap();
    // 120×80, the top-left quarter red and the rest blue.
    let base = dir.path().join("base.jpg");
    tool(
        MAGICK,
        &[
            "-size",
            "120x80",
            "xc:blue",
            "-fill",
            "red",
            "-draw",
            "rectangle 0,0 59,39",
            "-quality",
            "95",
            path_str(&base),
        ],
    );
    let script = repo().join("tests/cli/exif/piexif_photos.py");
    tool(
        python_with_piexif(),
        &[path_str(&script), path_str(&base), path_str(&shoot)],
    );
    let mut expected = BTreeMap::new();
    for entry in fs::read_dir(&shoot).unwrap() {
        let path = entry.unwrap().path();
        let reference = dir.path().join("reference.png");
        tool(
            MAGICK,
            &[path_str(&path), "-auto-orient", path_str(&reference)],
        );
        let reference = load(&reference);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let quarter = red_quarter(&reference).unwrap_or_else(|| panic!("{name}: no red quarter"));
        expected.insert(name, (reference.dimensions(), quarter));
    }
    assert_eq!(
        expected.len(),
        2 * 5 * 8,
        "both byte orders, five cases, eight orientations"
    );
    assert!(
        expected.values().any(|(size, _)| *size == (80, 120)),
        "ImageMagick turns some upright"
    );
    let built = build_and_open(&shoot, &[]);
    let captions = captions(&shoot.with_file_name("shoot-site"));
    let mut wrong = Vec::new();
    for (name, (size, quarter)) in &expected {
        let (_, preview) = &built[name];
        let got = (preview.dimensions(), red_quarter(preview));
        if got != (*size, Some(*quarter)) {
            wrong.push(format!(
                "{name}: {got:?}, ImageMagick {:?}",
                (size, quarter)
            ));
        }
        if captions[name].as_deref() != Some("Bride and groom") {
            wrong.push(format!("{name}: caption {:?}", captions[name]));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences from ImageMagick in {} photos:\n{}",
        wrong.len(),
        expected.len(),
        wrong.join("\n")
    );
}

/// An ICC v2 display profile with matrix/TRC tags (D50 PCS): `colorants`
/// are the red, green and blue columns, `gamma` the tone curve of all three.
fn icc_profile(colorants: [[f64; 3]; 3], gamma: f64) -> Vec<u8> {
    let s15 = |v: f64| ((v * 65536.0).round() as i32).to_be_bytes();
    let xyz = |v: [f64; 3]| {
        let mut tag = b"XYZ \0\0\0\0".to_vec();
        v.iter().for_each(|c| tag.extend(s15(*c)));
        tag
    };
    let mut curve = b"curv\0\0\0\0\0\0\0\x01".to_vec();
    curve.extend(((gamma * 256.0).round() as u16).to_be_bytes());
    curve.extend([0, 0]);
    let d50 = [0.9642, 1.0, 0.8249];
    let data: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(colorants[0])),
        (b"gXYZ", xyz(colorants[1])),
        (b"bXYZ", xyz(colorants[2])),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let mut table = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = Vec::new();
    let body_start = 128 + 4 + 12 * data.len();
    for (signature, bytes) in &data {
        table.extend(*signature);
        table.extend(((body_start + body.len()) as u32).to_be_bytes());
        table.extend((bytes.len() as u32).to_be_bytes());
        body.extend(bytes);
    }
    let mut header = vec![0u8; 128];
    let size = (128 + table.len() + body.len()) as u32;
    header[0..4].copy_from_slice(&size.to_be_bytes());
    header[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(b"RGB ");
    header[20..24].copy_from_slice(b"XYZ ");
    header[36..40].copy_from_slice(b"acsp");
    for (i, c) in d50.iter().enumerate() {
        header[68 + 4 * i..72 + 4 * i].copy_from_slice(&s15(*c));
    }
    [header, table, body].concat()
}

/// `jpeg` with `profile` in an APP2 ICC_PROFILE segment after SOI.
fn with_icc(jpeg: &[u8], profile: &[u8]) -> Vec<u8> {
    let mut app2 = b"\xff\xe2".to_vec();
    app2.extend(((2 + 14 + profile.len()) as u16).to_be_bytes());
    app2.extend(b"ICC_PROFILE\0\x01\x01");
    app2.extend(profile);
    [&jpeg[..2], &app2, &jpeg[2..]].concat()
}

const PATCHES: [[u8; 3]; 4] = [[200, 60, 40], [40, 170, 90], [60, 90, 200], [180, 180, 180]];

/// Four flat 200×200 patches side by side, as a q95 4:4:4 JPEG.
fn patches_jpeg() -> Vec<u8> {
    let image = RgbImage::from_fn(800, 200, |x, _| Rgb(PATCHES[(x / 200) as usize]));
    let mut compressor = turbojpeg::Compressor::new().unwrap();
    compressor.set_quality(95).unwrap();
    compressor.set_subsamp(turbojpeg::Subsamp::None).unwrap();
    compressor
        .compress_to_vec(turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width: 800,
            pitch: 2400,
            height: 200,
            format: turbojpeg::PixelFormat::RGB,
        })
        .unwrap()
}

/// Patch centres of an 800×200 layout scaled to `image`'s width.
fn patch_colours(image: &RgbImage) -> Vec<[f64; 3]> {
    let scale = image.width() / 8;
    (0..4)
        .map(|i| patch(image, scale * (2 * i + 1), image.height() / 2, scale / 2))
        .collect()
}

#[test]
fn icc_profiles_are_converted_to_srgb_like_lcms2_does() {
    let display_p3 = icc_profile(
        [
            [0.5151, 0.2412, -0.0011],
            [0.2919, 0.6922, 0.0419],
            [0.1572, 0.0666, 0.7841],
        ],
        2.2,
    );
    let adobe_rgb = icc_profile(
        [
            [0.6097, 0.3111, 0.0195],
            [0.2053, 0.6257, 0.0609],
            [0.1492, 0.0632, 0.7446],
        ],
        563.0 / 256.0,
    );
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    fs::create_dir(&shoot).unwrap();
    for (name, profile) in [("display-p3", &display_p3), ("adobe-rgb", &adobe_rgb)] {
        fs::write(
            shoot.join(format!("{name}.jpg")),
            with_icc(&patches_jpeg(), profile),
        )
        .unwrap();
    }
    let built = build_and_open(&shoot, &[]);
    for name in ["display-p3", "adobe-rgb"] {
        let source = shoot.join(format!("{name}.jpg"));
        let reference = dir.path().join(format!("{name}-lcms2.jpg"));
        tool(
            "jpgicc",
            &["-q", "98", path_str(&source), path_str(&reference)],
        );
        let expected = patch_colours(&load(&reference));
        let ours = patch_colours(&built[&format!("{name}.jpg")].0);
        for (i, (ours, expected)) in ours.iter().zip(&expected).enumerate() {
            let off = max_channel_diff(*ours, *expected);
            assert!(
                off < 4.0,
                "{name} patch {i}: ours {ours:?}, lcms2 {expected:?}"
            );
        }
        // The saturated patches really change: leaving them alone would fail.
        let untouched = PATCHES[0].map(f64::from);
        assert!(
            max_channel_diff(untouched, expected[0]) > 10.0,
            "{name}: {expected:?}"
        );
    }
}

#[test]
fn ycck_jpegs_come_out_in_the_right_colours() {
    // Ink amounts (C, M, Y, K) and the colour they must give.
    let inks: [([u8; 4], [u8; 3]); 5] = [
        ([255, 0, 0, 0], [0, 255, 255]),
        ([0, 255, 0, 0], [255, 0, 255]),
        ([0, 0, 255, 0], [255, 255, 0]),
        ([0, 255, 255, 0], [255, 0, 0]),
        ([0, 0, 0, 255], [0, 0, 0]),
    ];
    let (width, height) = (1000usize, 200usize);
    let mut pixels = vec![0u8; width * height * 4];
    for (i, pixel) in pixels.chunks_exact_mut(4).enumerate() {
        let (ink, _) = inks[(i % width) / 200];
        // Adobe's convention, which every reader expects: inverted inks.
        pixel.copy_from_slice(&ink.map(|v| 255 - v));
    }
    let mut compressor = turbojpeg::Compressor::new().unwrap();
    compressor.set_quality(95).unwrap();
    compressor.set_subsamp(turbojpeg::Subsamp::None).unwrap();
    let jpeg = compressor
        .compress_to_vec(turbojpeg::Image {
            pixels: pixels.as_slice(),
            width,
            pitch: width * 4,
            height,
            format: turbojpeg::PixelFormat::CMYK,
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    fs::create_dir(&shoot).unwrap();
    let source = shoot.join("ycck.jpg");
    fs::write(&source, jpeg).unwrap();
    let colourspace = tool("identify", &["-format", "%[colorspace]", path_str(&source)]);
    assert_eq!(colourspace, "CMYK");
    let reference = dir.path().join("reference.png");
    tool(
        MAGICK,
        &[
            path_str(&source),
            "-colorspace",
            "sRGB",
            path_str(&reference),
        ],
    );
    let reference = load(&reference);
    let (_, preview) = &build_and_open(&shoot, &[])["ycck.jpg"];
    for (i, (_, colour)) in inks.iter().enumerate() {
        let x = 200 * i as u32 + 100;
        let ours = patch(preview, x, 100, 40);
        assert!(
            max_channel_diff(ours, colour.map(f64::from)) < 12.0,
            "ink {i}: {ours:?}"
        );
        let theirs = patch(&reference, x, 100, 40);
        assert!(
            max_channel_diff(ours, theirs) < 6.0,
            "ink {i}: {ours:?} vs ImageMagick {theirs:?}"
        );
    }
}

/// `image` encoded as a baseline 4:2:0 JPEG by libjpeg-turbo and decoded.
fn jpeg_round_trip(image: &RgbImage, quality: i32) -> RgbImage {
    let mut compressor = turbojpeg::Compressor::new().unwrap();
    compressor.set_quality(quality).unwrap();
    compressor.set_subsamp(turbojpeg::Subsamp::Sub2x2).unwrap();
    let jpeg = compressor
        .compress_to_vec(turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width: image.width() as usize,
            pitch: image.width() as usize * 3,
            height: image.height() as usize,
            format: turbojpeg::PixelFormat::RGB,
        })
        .unwrap();
    image::load_from_memory(&jpeg).unwrap().into_rgb8()
}

fn ssimulacra2(reference: &RgbImage, distorted: &RgbImage) -> f64 {
    use ssimulacra2::{compute_frame_ssimulacra2, ColorPrimaries, Rgb, TransferCharacteristic};
    let frame = |image: &RgbImage| {
        let data = image
            .pixels()
            .map(|p| p.0.map(|c| f32::from(c) / 255.0))
            .collect();
        Rgb::new(
            data,
            image.width() as usize,
            image.height() as usize,
            TransferCharacteristic::SRGB,
            ColorPrimaries::BT709,
        )
        .unwrap()
    };
    compute_frame_ssimulacra2(frame(reference), frame(distorted)).unwrap()
}

#[test]
fn thumbnails_score_high_on_ssimulacra2_against_a_lanczos_reference() {
    let dir = tempfile::tempdir().unwrap();
    let built = renditions(sample_site());
    let mut scores = Vec::new();
    for (file, (thumb, _)) in &built {
        let source = files_under(&sample_shoot())
            .into_iter()
            .find(|path| path.file_name().unwrap().to_string_lossy() == *file)
            .unwrap();
        let reference_path = dir.path().join(format!("{file}.png"));
        let size = format!("{}x{}!", thumb.width(), thumb.height());
        tool(
            MAGICK,
            &[
                path_str(&source),
                "-auto-orient",
                "-filter",
                "Lanczos",
                "-resize",
                &size,
                path_str(&reference_path),
            ],
        );
        let reference = load(&reference_path);
        let score = ssimulacra2(&reference, thumb);
        // What the JPEG step alone costs: the reference itself at q82 4:2:0.
        let jpeg_only = ssimulacra2(&reference, &jpeg_round_trip(&reference, 82));
        eprintln!("{file}: SSIMULACRA2 {score:.1} (the reference at q82: {jpeg_only:.1})");
        assert!(score >= 65.0, "{file}: SSIMULACRA2 {score:.1}");
        assert!(
            score >= jpeg_only - 2.0,
            "{file}: resizing costs {:.1} points",
            jpeg_only - score
        );
        // A bad thumbnail of the same photo scores clearly lower.
        let bad = ssimulacra2(&reference, &jpeg_round_trip(&reference, 15));
        assert!(
            bad < score - 20.0,
            "{file}: q15 scores {bad:.1}, ours {score:.1}"
        );
        scores.push(score);
    }
    scores.sort_by(f64::total_cmp);
    eprintln!(
        "SSIMULACRA2 of {} thumbnails: lowest {:.1}, median {:.1}",
        scores.len(),
        scores[0],
        scores[scores.len() / 2]
    );
}

#[test]
fn renditions_are_never_upscaled() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("small");
    fs::create_dir(&shoot).unwrap();
    RgbImage::from_fn(300, 200, |x, y| Rgb([x as u8, y as u8, 77]))
        .save(shoot.join("small.png"))
        .unwrap();
    let (thumb, preview) = &build_and_open(&shoot, &[])["small.png"];
    assert_eq!(preview.dimensions(), (300, 200));
    assert_eq!(thumb.dimensions(), (300, 200));
}

const GREY: u8 = 110;

/// Bounding box of pixels more than 12 levels off the grey, as fractions
/// of the width and height.
fn marked_box(image: &RgbImage) -> Option<[f64; 4]> {
    let marked: Vec<(u32, u32)> = image
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0.iter().any(|c| c.abs_diff(GREY) > 12))
        .map(|(x, y, _)| (x, y))
        .collect();
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let xs = marked.iter().map(|m| f64::from(m.0));
    let ys = marked.iter().map(|m| f64::from(m.1));
    Some([
        xs.clone().reduce(f64::min)? / w,
        ys.clone().reduce(f64::min)? / h,
        xs.reduce(f64::max)? / w,
        ys.reduce(f64::max)? / h,
    ])
}

fn grey_shoot(dir: &Path) -> PathBuf {
    let shoot = dir.join("grey");
    fs::create_dir(&shoot).unwrap();
    RgbImage::from_pixel(3000, 2000, Rgb([GREY; 3]))
        .save(shoot.join("grey.png"))
        .unwrap();
    shoot
}

#[test]
fn the_watermark_lands_where_asked_at_the_asked_opacity() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = grey_shoot(dir.path());
    let mark = [
        "--watermark",
        "© Studio North",
        "--watermark-position",
        "top-left",
    ];
    let args = [&mark[..], &["--watermark-opacity", "0.5"]].concat();
    let (thumb, preview) = build_and_open(&shoot, &args).remove("grey.png").unwrap();
    let [x0, y0, x1, y1] = marked_box(&preview).expect("the preview is marked");
    assert!(
        x0 < 0.1 && y0 < 0.1 && x1 < 0.5 && y1 < 0.5,
        "{:?}",
        [x0, y0, x1, y1]
    );
    // Inside the strokes: white at half opacity over the grey. JPEG rings at
    // the edges, so take a high percentile of the marked pixels, not the max.
    let mut marked: Vec<u8> = preview
        .pixels()
        .map(|p| p[0])
        .filter(|v| v.abs_diff(GREY) > 12)
        .collect();
    marked.sort_unstable();
    let stroke = f64::from(marked[marked.len() - marked.len() / 10]);
    let expected = f64::from(GREY) + (255.0 - f64::from(GREY)) * 0.5;
    assert!(
        (stroke - expected).abs() < 8.0,
        "strokes at {stroke}, expected {expected}"
    );
    assert!(
        marked_box(&thumb).is_none(),
        "thumbnails are unmarked by default"
    );

    let args = [
        &mark[..],
        &["--watermark-opacity", "0.5", "--watermark-thumbnails"],
    ]
    .concat();
    let (thumb, preview) = build_and_open(&shoot, &args).remove("grey.png").unwrap();
    let (on_thumb, on_preview) = (marked_box(&thumb).unwrap(), marked_box(&preview).unwrap());
    for (a, b) in on_thumb.iter().zip(on_preview) {
        assert!(
            (a - b).abs() < 0.02,
            "thumbnail {on_thumb:?} vs preview {on_preview:?}"
        );
    }

    let tiled = [
        "--watermark",
        "Proof",
        "--watermark-position",
        "tiled",
        "--no-cache",
    ];
    let (_, preview) = build_and_open(&shoot, &tiled).remove("grey.png").unwrap();
    let (w, h) = (preview.width() / 2, preview.height() / 2);
    for (qx, qy) in [(0, 0), (w, 0), (0, h), (w, h)] {
        let quadrant = image::imageops::crop_imm(&preview, qx, qy, w, h).to_image();
        assert!(
            marked_box(&quadrant).is_some(),
            "quadrant at {qx},{qy} has a mark"
        );
    }
}

/// `image` at 1/8 of its size (area average).
fn small(image: &RgbImage) -> RgbImage {
    let (w, h) = ((image.width() / 8).max(1), (image.height() / 8).max(1));
    image::imageops::resize(image, w, h, image::imageops::FilterType::Triangle)
}

/// The benchmark corpus, when the test command made it.
fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("LIGHTPROOF_CORPUS")?);
    assert!(
        dir.join("mixed").is_dir(),
        "LIGHTPROOF_CORPUS={} has no mixed/",
        dir.display()
    );
    Some(dir)
}

#[test]
fn the_corpus_colour_and_orientation_cases_match_independent_tools() {
    let Some(corpus) = corpus() else {
        eprintln!("LIGHTPROOF_CORPUS is not set: corpus checks skipped (tests/run-all.sh sets it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("corpus");
    fs::create_dir(&shoot).unwrap();
    let picks = [
        "mixed/adobergb-icc.jpg",
        "mixed/cmyk.jpg",
        "mixed/orient8-444-restart.jpg",
        "camera24/DSC04705.JPG",
        "camera24/DSC04709.JPG",
        "camera24/DSC04718.JPG",
    ];
    for pick in picks {
        let name = Path::new(pick).file_name().unwrap();
        fs::copy(corpus.join(pick), shoot.join(name)).unwrap();
    }
    let built = build_and_open(&shoot, &[]);
    for pick in picks {
        let source = corpus.join(pick);
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        let (thumb, _) = &built[&name];
        let converted = dir.path().join(format!("{name}-converted.jpg"));
        if name.starts_with("adobergb") {
            tool(
                "jpgicc",
                &["-q", "98", path_str(&source), path_str(&converted)],
            );
        } else {
            tool(
                MAGICK,
                &[
                    path_str(&source),
                    "-colorspace",
                    "sRGB",
                    path_str(&converted),
                ],
            );
        }
        let reference = dir.path().join(format!("{name}-reference.png"));
        let size = format!("{}x{}!", thumb.width(), thumb.height());
        tool(
            MAGICK,
            &[
                path_str(&converted),
                "-auto-orient",
                "-filter",
                "Lanczos",
                "-resize",
                &size,
                path_str(&reference),
            ],
        );
        let reference = load(&reference);
        // Compared at 1/8 size: orientation and colour, not resampling detail.
        let difference = mean_abs_diff(&small(thumb), &small(&reference));
        assert!(
            difference < 3.0,
            "{pick}: {difference:.2} levels off the reference"
        );
        let upside_down = image::imageops::rotate180(&reference);
        assert!(
            mean_abs_diff(&small(thumb), &small(&upside_down)) > 10.0,
            "{pick}"
        );
    }
}
