//! `lightproof::photo::strip` on real files, with exiftool as the independent
//! reader: photos from the sample shoot (and PNG, TIFF and WebP made from
//! them with ImageMagick) are tagged with a location, serial numbers and an
//! owner, stripped, and read back. exiftool must be installed (Debian:
//! libimage-exiftool-perl); these tests fail without it rather than pass
//! unchecked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lightproof::photo::strip::{strip_private_metadata, Removed, StripError};
use serde_json::{Map, Value};

use crate::util::{path_str, sample_shoot};

/// Location, serial numbers and owner, plus what must survive next to them.
const TAGS: &[&str] = &[
    "-GPSLatitude=48.8584",
    "-GPSLatitudeRef=N",
    "-GPSLongitude=2.2945",
    "-GPSLongitudeRef=E",
    "-SerialNumber=SN123456",
    "-LensSerialNumber=LS98765",
    "-OwnerName=Jane Client",
    "-XMP:City=Paris",
    "-XMP-aux:SerialNumber=SN123456",
    "-IPTC:City=Paris",
    "-IPTC:By-line=Ana Ph",
    "-Copyright=Studio North",
    "-Artist=Ana Ph",
    "-Make=Canon",
    "-Model=EOS R6",
    "-DateTimeOriginal=2024:06:14 17:02:11",
    "-Orientation#=6",
];

/// Tag names (exiftool's, without the group) that must be gone.
const PRIVATE_NAMES: [&str; 5] = ["GPS", "SerialNumber", "OwnerName", "MakerNote", "City"];

/// Values written by [`TAGS`] that must not be left anywhere in the bytes
/// (an entry unlinked but not zeroed would still hold them).
const SECRETS: [&str; 4] = ["SN123456", "LS98765", "Jane Client", "Paris"];

/// Tag names that must be kept, with their values.
const KEPT_NAMES: [&str; 6] = [
    "Copyright",
    "Artist",
    "Make",
    "Model",
    "DateTimeOriginal",
    "Orientation",
];

fn exiftool(args: &[&str]) -> Output {
    let output = Command::new("exiftool")
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("exiftool is needed (Debian: apt-get install libimage-exiftool-perl): {error}")
        });
    assert!(
        output.status.success(),
        "exiftool {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every tag exiftool reads, as "Group:Name" → numeric value.
fn tags(path: &Path) -> Map<String, Value> {
    let output = exiftool(&["-j", "-a", "-G1", "-n", path_str(path)]);
    let mut files: Vec<Map<String, Value>> = serde_json::from_slice(&output.stdout).unwrap();
    files.remove(0)
}

/// exiftool's structural warnings for the file.
fn warnings(path: &Path) -> BTreeSet<String> {
    let output = exiftool(&["-validate", "-warning", "-a", path_str(path)]);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("Warning"))
        .map(str::to_owned)
        .collect()
}

fn name_of(key: &str) -> &str {
    key.rsplit(':').next().unwrap_or(key)
}

fn is_private(key: &str) -> bool {
    PRIVATE_NAMES.iter().any(|name| name_of(key).contains(name))
}

/// Tags that describe the file rather than its metadata, or belong to XMP
/// or IPTC blocks that are removed whole. (The WebP flags lose their XMP
/// bit; the WebP test checks that.)
fn may_change(key: &str) -> bool {
    const FILE_LEVEL: [&str; 6] = [
        "SourceFile",
        "System",
        "ExifTool",
        "Composite",
        "IPTC",
        "Photoshop",
    ];
    let group = key.split(':').next().unwrap_or("");
    FILE_LEVEL.contains(&group)
        || group.starts_with("XMP")
        || ["File:CurrentIPTCDigest", "RIFF:WebP_Flags"].contains(&key)
}

/// `source` copied to `dir/name`, converted by ImageMagick when `name` has
/// another extension, then tagged by exiftool.
fn tagged_copy(dir: &Path, source: &Path, name: &str) -> PathBuf {
    let target = dir.join(name);
    if source.extension() == target.extension() {
        std::fs::copy(source, &target).unwrap();
    } else {
        let status = Command::new("convert")
            .args([path_str(source), "-resize", "320x320", path_str(&target)])
            .status()
            .expect("ImageMagick's convert is needed");
        assert!(status.success());
    }
    let mut args = vec!["-q", "-overwrite_original"];
    args.extend(TAGS);
    args.push(path_str(&target));
    exiftool(&args);
    target
}

/// Strips `input` into a sibling "stripped-" file.
fn strip_file(input: &Path) -> (PathBuf, Removed) {
    let (bytes, removed) = strip_private_metadata(&std::fs::read(input).unwrap())
        .unwrap_or_else(|error| panic!("{}: {error}", input.display()));
    let name = input.file_name().unwrap().to_str().unwrap();
    let output = input.with_file_name(format!("stripped-{name}"));
    std::fs::write(&output, bytes).unwrap();
    (output, removed)
}

/// The private tags were there and are gone; every other tag kept its
/// value; no new structural warning; the same pixels.
fn assert_stripped(input: &Path, output: &Path) {
    let (before, after) = (tags(input), tags(output));
    let leaked: Vec<_> = after.keys().filter(|key| is_private(key)).collect();
    assert!(
        leaked.is_empty(),
        "{}: still has {leaked:?}",
        output.display()
    );
    assert!(
        before.keys().any(|key| is_private(key)),
        "the fixture has nothing to strip"
    );
    for name in KEPT_NAMES {
        assert!(
            before.keys().any(|key| name_of(key) == name),
            "the fixture lacks {name}"
        );
    }
    for (key, value) in before
        .iter()
        .filter(|(key, _)| !is_private(key) && !may_change(key))
    {
        assert_eq!(
            after.get(key),
            Some(value),
            "{}: {key} changed",
            output.display()
        );
    }
    let new_warnings: Vec<_> = warnings(output)
        .difference(&warnings(input))
        .cloned()
        .collect();
    assert!(
        new_warnings.is_empty(),
        "{}: {new_warnings:?}",
        output.display()
    );
    assert_same_pixels(input, output);
    let bytes = std::fs::read(output).unwrap();
    for secret in SECRETS {
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(
            !found,
            "{}: \"{secret}\" is still in the bytes",
            output.display()
        );
    }
}

/// ImageMagick counts the pixels that differ: none may. (`-quiet`: it
/// finds exiftool's XMP in WebP "corrupt" and says so on stderr too.)
fn assert_same_pixels(a: &Path, b: &Path) {
    let output = Command::new("compare")
        .args(["-quiet", "-metric", "AE", path_str(a), path_str(b), "null:"])
        .output()
        .expect("ImageMagick's compare is needed");
    let report = String::from_utf8_lossy(&output.stderr);
    let differing = report.split_whitespace().next();
    assert_eq!(
        differing,
        Some("0"),
        "{} and {} differ: {report}",
        a.display(),
        b.display()
    );
}

/// Where the JPEG's SOS marker is: everything from there is image data in
/// files with nothing after their EOI, as the samples have.
fn start_of_scan(jpeg: &[u8]) -> usize {
    let mut at = 2;
    while jpeg[at + 1] != 0xDA {
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    at
}

/// `primary` with an APP2 "MPF\0" index after its APP0/APP1 segments and
/// `preview` appended after its EOI, as a camera lays out its large
/// preview (CIPA DC-007): a big-endian TIFF header, then the MP Index
/// IFD with MPFVersion, NumberOfImages and MPEntry, one 16-byte entry per
/// image (attributes, size, offset from that TIFF header, dependent
/// images). exiftool reads MPF but cannot write it.
fn with_mpf_preview(primary: &[u8], preview: &[u8]) -> Vec<u8> {
    let mut at = 2;
    while matches!(primary[at + 1], 0xE0 | 0xE1) {
        at += 2 + usize::from(u16::from_be_bytes([primary[at + 2], primary[at + 3]]));
    }
    let index = |first_len: u32, preview_at: u32| {
        let mut tiff = b"MM\0*\0\0\0\x08\0\x03".to_vec();
        let entries: [(u16, u16, u32, [u8; 4]); 3] = [
            (0xB000, 7, 4, *b"0100"),
            (0xB001, 4, 1, 2u32.to_be_bytes()),
            (0xB002, 7, 32, 50u32.to_be_bytes()), // right after this IFD
        ];
        for (tag, kind, count, value) in entries {
            tiff.extend(tag.to_be_bytes());
            tiff.extend(kind.to_be_bytes());
            tiff.extend(count.to_be_bytes());
            tiff.extend(value);
        }
        tiff.extend(0u32.to_be_bytes()); // No next IFD.
        let preview_len = u32::try_from(preview.len()).unwrap();
        // Attributes, size, offset, dependent images: a representative
        // baseline primary, then a large thumbnail (VGA class).
        let mp_entries = [
            [0x2003_0000, first_len, 0, 0],
            [0x0001_0001, preview_len, preview_at, 0],
        ];
        for word in mp_entries.concat() {
            tiff.extend(u32::to_be_bytes(word));
        }
        let mut segment = vec![0xFF, 0xE2];
        segment.extend(u16::try_from(2 + 4 + tiff.len()).unwrap().to_be_bytes());
        segment.extend(b"MPF\0");
        segment.extend(tiff);
        segment
    };
    let first_len = u32::try_from(primary.len() + index(0, 0).len()).unwrap();
    let tiff_at = u32::try_from(at + 8).unwrap();
    let index = index(first_len, first_len - tiff_at);
    [&primary[..at], &index, &primary[at..], preview].concat()
}

/// Every tag exiftool reads, embedded MPF images included: theirs are
/// keyed "Doc2:Group:Name", the file's own "Group:Name".
fn tags_with_embedded(path: &Path) -> Map<String, Value> {
    let output = exiftool(&["-j", "-a", "-G3:1", "-ee", "-n", path_str(path)]);
    let mut files: Vec<Map<String, Value>> = serde_json::from_slice(&output.stdout).unwrap();
    files.remove(0)
}

fn everything_but_maker_note() -> Removed {
    Removed {
        gps: true,
        serial_numbers: true,
        xmp: true,
        iptc: true,
        ..Removed::default()
    }
}

#[test]
fn sample_jpegs_lose_location_and_serials_and_keep_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    // Baseline, progressive, and one that already carries GPS altitude.
    for sample in ["IMG_0101.jpg", "IMG_0102.jpg", "Mountains/DSC03301.jpg"] {
        let source = sample_shoot().join(sample);
        let name = source.file_name().unwrap().to_str().unwrap();
        let input = tagged_copy(dir.path(), &source, name);
        let (output, removed) = strip_file(&input);
        assert_eq!(removed, everything_but_maker_note(), "{sample}");
        assert_stripped(&input, &output);
        let (before, after) = (
            std::fs::read(&input).unwrap(),
            std::fs::read(&output).unwrap(),
        );
        assert_eq!(
            before[start_of_scan(&before)..],
            after[start_of_scan(&after)..],
            "{sample}: image data changed"
        );
    }
}

#[test]
fn png_from_imagemagick_loses_location_and_serials_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    // This sample has GPS, which ImageMagick also copies into `exif:GPS*`
    // text chunks; exiftool puts IPTC in a compressed raw-profile chunk.
    let source = sample_shoot().join("Ceremony/IMG_0201.jpg");
    let input = tagged_copy(dir.path(), &source, "IMG_0201.png");
    let (output, removed) = strip_file(&input);
    assert!(removed.gps && removed.serial_numbers && removed.xmp && removed.iptc);
    assert_stripped(&input, &output);
}

#[test]
fn tiff_loses_location_and_serials_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let input = tagged_copy(
        dir.path(),
        &sample_shoot().join("IMG_0102.jpg"),
        "IMG_0102.tif",
    );
    let (output, removed) = strip_file(&input);
    assert_eq!(removed, everything_but_maker_note());
    assert_eq!(
        std::fs::metadata(&output).unwrap().len(),
        std::fs::metadata(&input).unwrap().len()
    );
    assert_stripped(&input, &output);
}

#[test]
fn webp_loses_location_and_serials_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let source = sample_shoot().join("Mountains/DSC03302.jpg");
    let input = tagged_copy(dir.path(), &source, "DSC03302.webp");
    let (output, removed) = strip_file(&input);
    // exiftool writes no IPTC into WebP.
    let expected = Removed {
        iptc: false,
        ..everything_but_maker_note()
    };
    assert_eq!(removed, expected);
    assert_stripped(&input, &output);
    let flags = |path: &Path| tags(path)["RIFF:WebP_Flags"].as_u64().unwrap();
    assert_eq!(
        flags(&output),
        flags(&input) & !0x04,
        "only the XMP flag goes"
    );
}

#[test]
fn photo_without_private_metadata_comes_back_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sample_shoot().join("IMG_0101.jpg");
    assert!(!tags(&plain).keys().any(|key| is_private(key)));
    let harmless = dir.path().join("IMG_0101.jpg");
    std::fs::copy(&plain, &harmless).unwrap();
    exiftool(&[
        "-q",
        "-overwrite_original",
        "-XMP:Creator=Ana Ph",
        "-XMP:Rights=Studio North",
        "-IPTC:By-line=Ana Ph",
        "-IPTC:CopyrightNotice=Studio North",
        "-Copyright=Studio North",
        path_str(&harmless),
    ]);
    for path in [plain, harmless] {
        let bytes = std::fs::read(&path).unwrap();
        let (stripped, removed) = strip_private_metadata(&bytes).unwrap();
        assert_eq!(removed, Removed::default(), "{}", path.display());
        assert!(stripped == bytes, "{} changed", path.display());
    }
}

#[test]
fn mpf_preview_with_location_is_dropped_with_its_index() {
    let dir = tempfile::tempdir().unwrap();
    // A sample that already has GPS, tagged with serials and owner too.
    let source = sample_shoot().join("Ceremony/IMG_0201.jpg");
    let preview = std::fs::read(tagged_copy(dir.path(), &source, "preview.jpg")).unwrap();
    // Baseline and progressive primaries with nothing private of their own.
    for sample in ["IMG_0101.jpg", "IMG_0102.jpg"] {
        let primary = std::fs::read(sample_shoot().join(sample)).unwrap();
        let input = dir.path().join(format!("mpf-{sample}"));
        std::fs::write(&input, with_mpf_preview(&primary, &preview)).unwrap();
        let before = tags_with_embedded(&input);
        assert!(
            before.contains_key("MPImage2:MPImageStart")
                && before.contains_key("Doc2:GPS:GPSLatitude")
                && before.contains_key("Doc2:ExifIFD:SerialNumber"),
            "{sample}: exiftool does not see the preview's location: {before:?}"
        );
        let (output, removed) = strip_file(&input);
        let expected = Removed {
            trailing_images: true,
            ..Removed::default()
        };
        assert_eq!(removed, expected, "{sample}");
        let after = tags_with_embedded(&output);
        let left: Vec<_> = after
            .keys()
            .filter(|key| is_private(key) || key.starts_with("Doc") || key.starts_with("MP"))
            .collect();
        assert!(left.is_empty(), "{sample}: still has {left:?}");
        let stripped = std::fs::read(&output).unwrap();
        for secret in SECRETS {
            let found = stripped
                .windows(secret.len())
                .any(|w| w == secret.as_bytes());
            assert!(!found, "{sample}: \"{secret}\" is still in the bytes");
        }
        assert!(stripped == primary, "{sample}: not the primary image back");
    }
}

#[test]
fn truncated_jpeg_is_refused() {
    let bytes = std::fs::read(sample_shoot().join("IMG_0101.jpg")).unwrap();
    // Cut inside the EXIF segment, long before the image data.
    let error = strip_private_metadata(&bytes[..200]).unwrap_err();
    assert!(matches!(error, StripError::Truncated), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the file ends in the middle of its metadata"
    );
}

#[test]
fn text_file_named_jpg_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("IMG_9999.jpg");
    std::fs::copy(sample_shoot().join("LICENSE.md"), &fake).unwrap();
    let error = strip_private_metadata(&std::fs::read(&fake).unwrap()).unwrap_err();
    assert!(matches!(error, StripError::UnknownFormat), "{error:?}");
    assert_eq!(error.to_string(), "not a JPEG, PNG, TIFF or WebP file");
}

#[test]
fn jpeg_with_garbage_exif_loses_the_segment_and_still_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(sample_shoot().join("Ceremony/IMG_0201.jpg")).unwrap();
    let exif = bytes.windows(6).position(|w| w == b"Exif\0\0").unwrap();
    // IFD0 "starts" far beyond the segment.
    bytes[exif + 10..exif + 14].copy_from_slice(&[0x7F, 0xFF, 0xFF, 0xF0]);
    let input = dir.path().join("garbage-exif.jpg");
    std::fs::write(&input, &bytes).unwrap();
    let (output, removed) = strip_file(&input);
    assert!(removed.gps && removed.serial_numbers && removed.maker_note);
    let stripped = std::fs::read(&output).unwrap();
    assert!(
        !stripped.windows(6).any(|w| w == b"Exif\0\0"),
        "EXIF segment kept"
    );
    assert_eq!(
        bytes[start_of_scan(&bytes)..],
        stripped[start_of_scan(&stripped)..]
    );
    let decoded = image::load_from_memory(&stripped).expect("still decodes");
    assert_eq!(decoded, image::load_from_memory(&bytes).unwrap());
    assert!(!tags(&output)
        .keys()
        .any(|key| key.starts_with("IFD0:") || is_private(key)));
}
