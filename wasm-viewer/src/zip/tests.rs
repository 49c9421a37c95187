//! Archives from the writer read back by Python's `zipfile` and Info-ZIP
//! `unzip` (ZIP64 past 4 GiB included), and names checked against hostile
//! and random input.

use super::names::{is_unsafe_char, is_windows_reserved, key, trim, MAX_PART_BYTES};
use super::*;
use serde_json::Value;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

/// Odd, so only the extended timestamp (not the DOS time) can restore it.
const MTIME: i64 = 1_700_000_001;
const UNZIP: &str = "/usr/bin/unzip";

/// Prints every member as JSON, with the data of those under 1 MiB;
/// `full` also runs `testzip`, which checks every CRC.
const PY_READ: &str = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    full = sys.argv[2] == "full"
    print(json.dumps({"bad": z.testzip() if full else None, "members": [{
        "name": i.filename, "size": i.file_size, "offset": i.header_offset,
        "data": z.read(i).hex() if i.file_size < 2**20 else None,
        "date_time": list(i.date_time), "mode": i.external_attr >> 16,
        "flags": i.flag_bits, "system": i.create_system, "needed": i.extract_version,
    } for i in z.infolist()]}))
"#;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("lightproof-zip-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run(command: &mut Command) -> Vec<u8> {
    let output = command.env("LC_ALL", "C.UTF-8").output().unwrap();
    let (out, err) = (&output.stdout, &output.stderr);
    let message = String::from_utf8_lossy(if err.is_empty() { out } else { err });
    assert!(output.status.success(), "{command:?}: {message}");
    output.stdout
}

fn python_read(archive: &Path, mode: &str) -> Value {
    let stdout = run(Command::new("python3")
        .args(["-c", PY_READ])
        .arg(archive)
        .arg(mode));
    serde_json::from_slice(&stdout).unwrap()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(data);
    crc.finish()
}

fn writer(zip64: bool) -> ZipWriter {
    ZipWriter {
        forced_zip64: zip64,
        ..ZipWriter::default()
    }
}

/// (album, file, name expected, mtime, length): UTF-8 names, a clash
/// by case, empty files, and data with every byte value.
const SAMPLE: [(&str, &str, &str, i64, usize); 5] = [
    ("Été", "Café #1.jpg", "Été/Café #1.jpg", MTIME, 7),
    ("Été", "empty.jpg", "Été/empty.jpg", 951_827_696, 0),
    ("", "IMG_0101.JPG", "IMG_0101.JPG", MTIME, 100_000),
    ("Été", "café #1.jpg", "Été/café #1 (2).jpg", MTIME, 6),
    ("日本 ", "写真.jpeg", "日本/写真.jpeg", 0, 0),
];

/// Member `index`'s data, different for every member.
fn sample_data(index: usize) -> Vec<u8> {
    (0..=255)
        .cycle()
        .skip(index)
        .take(SAMPLE[index].4)
        .collect()
}

/// Writes the sample archive the way the viewer streams it.
fn write_sample(path: &Path, zip64: bool) {
    let (mut zip, mut archive, mut entries) = (writer(zip64), Vec::new(), Vec::new());
    for (index, &(album, file, _, mtime, _)) in SAMPLE.iter().enumerate() {
        let (name, data) = (entry_name(album, file), sample_data(index));
        archive.extend(zip.local_header(&name, len64(&data), crc32(&data), mtime));
        archive.extend_from_slice(&data);
        entries.push((name, len64(&data)));
    }
    archive.extend(zip.finish());
    let entries: Vec<(&str, u64)> = entries.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    assert_eq!(ZipWriter::archive_len(&entries, zip64), len64(&archive));
    fs::write(path, archive).unwrap();
}

fn check_python(zip64: bool) {
    let dir = TempDir::new(if zip64 { "python64" } else { "python" });
    let path = dir.0.join("photos.zip");
    write_sample(&path, zip64);
    let read = python_read(&path, "full");
    assert_eq!(read["bad"], Value::Null);
    let members = read["members"].as_array().unwrap();
    assert_eq!(members.len(), SAMPLE.len());
    for (index, (member, (_, _, name, ..))) in members.iter().zip(SAMPLE).enumerate() {
        assert_eq!(member["name"], name);
        assert_eq!(member["data"].as_str().unwrap(), hex(&sample_data(index)));
        assert_eq!(member["mode"], 0o100_644);
        assert_eq!(member["flags"], u64::from(FLAG_UTF8));
        assert_eq!(member["system"], 3);
        assert_eq!(member["needed"], if zip64 { 45 } else { 20 });
    }
    // UTC, seconds halved, 1970 clamped to 1980.
    let dates: Vec<Value> = [0, 1, 4].map(|i| members[i]["date_time"].clone()).into();
    let expected = [
        [2023, 11, 14, 22, 13, 20],
        [2000, 2, 29, 12, 34, 56],
        [1980, 1, 1, 0, 0, 0],
    ];
    assert_eq!(Value::Array(dates), serde_json::json!(expected));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn crc32_matches_known_vectors() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
    assert_eq!(
        crc32(b"The quick brown fox jumps over the lazy dog"),
        0x414F_A339
    );
    let mut streamed = Crc32::new();
    b"1234"
        .chunks(1)
        .chain([&b""[..], b"56789"])
        .for_each(|c| streamed.update(c));
    assert_eq!(streamed.finish(), 0xCBF4_3926);
}

/// The CRC one byte at a time, straight from the definition.
fn crc32_bitwise(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn sliced_crc32_equals_the_bitwise_definition_at_every_length_and_split() {
    let data: Vec<u8> = (0..1000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for len in (0..40).chain([255, 256, 257, 999, 1000]) {
        assert_eq!(
            crc32(&data[..len]),
            crc32_bitwise(&data[..len]),
            "length {len}"
        );
    }
    for split in [1, 3, 7, 8, 9, 500] {
        let mut streamed = Crc32::new();
        data.chunks(split).for_each(|c| streamed.update(c));
        assert_eq!(streamed.finish(), crc32_bitwise(&data), "pieces of {split}");
    }
}

#[test]
fn dos_date_time_follows_the_calendar_and_clamps() {
    let leap_day = (12 << 11 | 34 << 5 | 28, 20 << 9 | 2 << 5 | 29);
    assert_eq!(dos_date_time(951_827_696), leap_day);
    assert_eq!(dos_date_time(i64::MIN), (0, 1 << 5 | 1));
    assert_eq!(
        dos_date_time(i64::MAX),
        (23 << 11 | 59 << 5 | 29, 127 << 9 | 12 << 5 | 31)
    );
    assert_eq!(
        (timestamp_mtime(-1), timestamp_mtime(i64::MAX)),
        (0, i32::MAX as u32)
    );
}

#[test]
fn archive_len_equals_written_length() {
    for zip64 in [false, true] {
        let entries = [
            ("a/b.jpg", 0),
            ("a/b.jpg", 10),
            ("../x", MAX32 - 1),
            ("huge", MAX32),
            ("c", 7),
        ];
        let mut zip = writer(zip64);
        let headers: u64 = entries
            .iter()
            .map(|&(n, s)| len64(&zip.local_header(n, s, 0, MTIME)) + s)
            .sum();
        let total = headers + len64(&zip.finish());
        assert_eq!(ZipWriter::archive_len(&entries, zip64), total);
    }
}

#[test]
fn python_reads_archive() {
    check_python(false);
}

#[test]
fn python_reads_forced_zip64_archive() {
    check_python(true);
}

#[test]
fn unzip_tests_and_extracts_exact_times_and_modes() {
    use std::os::unix::fs::PermissionsExt;
    if !Path::new(UNZIP).exists() {
        return;
    }
    for zip64 in [false, true] {
        let dir = TempDir::new(if zip64 { "unzip64" } else { "unzip" });
        let path = dir.0.join("photos.zip");
        write_sample(&path, zip64);
        run(Command::new(UNZIP).arg("-tq").arg(&path));
        run(Command::new(UNZIP)
            .arg("-q")
            .arg(&path)
            .arg("-d")
            .arg(dir.0.join("out")));
        for (index, (_, _, name, mtime, _)) in SAMPLE.into_iter().enumerate() {
            let file = dir.0.join("out").join(name);
            assert_eq!(fs::read(&file).unwrap(), sample_data(index), "{name}");
            let meta = fs::metadata(&file).unwrap();
            let expected = UNIX_EPOCH + Duration::from_secs(timestamp_mtime(mtime).into());
            assert_eq!(meta.modified().unwrap(), expected, "{name}");
            assert_eq!(meta.permissions().mode() & 0o777, 0o644, "{name}");
        }
    }
}

#[test]
fn many_entries_get_zip64_end_records() {
    let dir = TempDir::new("many");
    let path = dir.0.join("many.zip");
    let (mut zip, mut archive) = (ZipWriter::new(), Vec::new());
    let count = 66_000; // Just past the 16-bit counts' 0xFFFF.
    for n in 0..count {
        archive.extend(zip.local_header(&format!("{n}.jpg"), 0, 0, MTIME));
    }
    let tail = zip.finish();
    let counts = &tail[tail.len() - 14..tail.len() - 10];
    assert_eq!(counts, [0xFF; 4], "the 16-bit counts must defer to ZIP64");
    archive.extend(tail);
    fs::write(&path, archive).unwrap();
    let members = python_read(&path, "headers")["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, count);
    if Path::new(UNZIP).exists() {
        run(Command::new(UNZIP).arg("-tq").arg(&path));
    }
}

/// "a.jpg", 0xFFFFFFFF zero bytes left as a hole, then "b.jpg" past
/// 4 GiB; the central directory too starts past 4 GiB.
fn write_sparse(path: &Path, huge_crc: u32) -> Vec<(&'static str, u64, u64)> {
    let (mut zip, mut file) = (ZipWriter::new(), File::create(path).unwrap());
    let mut members = Vec::new();
    for (name, data) in [
        ("a.jpg", &b"first"[..]),
        ("huge.bin", &[]),
        ("b.jpg", b"after 4 GiB"),
    ] {
        let huge = data.is_empty();
        let (size, crc) = if huge {
            (MAX32, huge_crc)
        } else {
            (len64(data), crc32(data))
        };
        let offset = file.stream_position().unwrap();
        file.write_all(&zip.local_header(name, size, crc, MTIME))
            .unwrap();
        file.write_all(data).unwrap();
        if huge {
            file.seek(SeekFrom::Current(MAX32 as i64)).unwrap();
        }
        members.push((name, size, offset));
    }
    file.write_all(&zip.finish()).unwrap();
    let entries: Vec<(&str, u64)> = members.iter().map(|&(n, s, _)| (n, s)).collect();
    assert_eq!(
        ZipWriter::archive_len(&entries, false),
        file.stream_position().unwrap()
    );
    members
}

#[test]
fn offsets_past_4_gib_use_zip64() {
    let dir = TempDir::new("sparse");
    let path = dir.0.join("big.zip");
    let written = write_sparse(&path, 0);
    let read = python_read(&path, "headers");
    let members = read["members"].as_array().unwrap();
    for (member, (name, size, offset)) in members.iter().zip(written) {
        let needed = if size.max(offset) >= MAX32 { 45 } else { 20 };
        let summary = (&member["name"], &member["size"], &member["offset"]);
        assert_eq!(summary, (&name.into(), &size.into(), &offset.into()));
        assert_eq!(member["needed"], needed, "{name}");
    }
    assert_eq!(members.len(), 3);
    assert_eq!(members[2]["data"].as_str().unwrap(), hex(b"after 4 GiB"));
    if Path::new(UNZIP).exists() {
        run(Command::new(UNZIP)
            .arg("-tq")
            .arg(&path)
            .args(["a.jpg", "b.jpg"]));
        let data = run(Command::new(UNZIP).arg("-p").arg(&path).arg("b.jpg"));
        assert_eq!(data, b"after 4 GiB");
    }
}

/// Reads 4 GiB three times (CRC, Python, unzip): about half a minute.
#[test]
#[ignore = "reads 4 GiB; run with --ignored"]
fn huge_entry_passes_full_crc_checks() {
    let dir = TempDir::new("huge");
    let path = dir.0.join("big.zip");
    let zeros = "import zlib\nc, n, b = 0, 0xFFFFFFFF, memoryview(bytes(1 << 24))\n\
        while n: k = min(n, len(b)); c = zlib.crc32(b[:k], c); n -= k\nprint(c)";
    let crc = String::from_utf8(run(Command::new("python3").args(["-c", zeros]))).unwrap();
    write_sparse(&path, crc.trim().parse().unwrap());
    assert_eq!(python_read(&path, "full")["bad"], Value::Null);
    if Path::new(UNZIP).exists() {
        run(Command::new(UNZIP).arg("-tq").arg(&path));
    }
}

/// The names in a central directory, as `finish` wrote them.
fn central_names(tail: &[u8]) -> Vec<String> {
    let (mut names, mut at) = (Vec::new(), 0);
    while tail[at..].starts_with(&CENTRAL_SIGNATURE.to_le_bytes()) {
        let field = |i: usize| usize::from(u16::from_le_bytes([tail[at + i], tail[at + i + 1]]));
        let (name_len, rest_len) = (field(28), field(30) + field(32));
        names.push(String::from_utf8(tail[at + 46..at + 46 + name_len].to_vec()).unwrap());
        at += 46 + name_len + rest_len;
    }
    names
}

fn assert_safe(name: &str) {
    assert!(!name.is_empty() && name.len() <= 1024, "{name:?}");
    let forbidden = |c: char| is_unsafe_char(c) && c != '/';
    assert!(!name.chars().any(forbidden), "{name:?}");
    for part in name.split('/') {
        assert!(!part.is_empty() && trim(part) == part, "{name:?}");
        assert!(
            !is_windows_reserved(part) && part.len() <= MAX_PART_BYTES + 24,
            "{name:?}"
        );
    }
}

#[test]
fn entry_name_defuses_hostile_input() {
    let long = "x".repeat(10_000);
    let cases = [
        (("../../etc/passwd", "x.jpg"), "_.._etc_passwd/x.jpg"),
        (("", "../../etc/passwd"), "_.._etc_passwd"),
        (("/abs", "/x.jpg"), "_abs/_x.jpg"),
        (("a\\b", "c\\d.jpg"), "a_b/c_d.jpg"),
        (("con", "Nul .txt"), "_con/_Nul .txt"),
        (("COM¹", "lpt9.jpg"), "_COM¹/_lpt9.jpg"),
        (("\u{0}x", "\u{202E}gpj.exe"), "_x/_gpj.exe"),
        (("", ""), "_"),
        ((" .. ", "..."), "_"),
        (("a:b*c?", "<\"|>.jpg"), "a_b_c_/____.jpg"),
    ];
    for ((album, file), expected) in cases {
        assert_eq!(entry_name(album, file), expected, "{album:?} {file:?}");
    }
    let name = entry_name(&long, &format!("{long}.jpeg"));
    assert_eq!(name, format!("{}/{}.jpeg", &long[..100], &long[..95]));
    assert_eq!(entry_name("", &"é".repeat(10_000)), "é".repeat(50));
}

#[test]
fn local_header_sanitises_and_numbers_clashes() {
    let cases = [
        ("A/IMG_1.jpg", "A/IMG_1.jpg"),
        ("a/img_1.JPG", "a/img_1 (2).JPG"), // One file on Windows and macOS.
        ("A/IMG_1.jpg", "A/IMG_1 (3).jpg"),
        ("A/IMG_1 (2).jpg", "A/IMG_1 (2) (2).jpg"),
        ("A", "A (2)"), // A file cannot replace a folder.
        ("B", "B"),
        ("B/1.jpg", "B (2)/1.jpg"), // Nor a folder a file.
        ("B", "B (3)"),
        ("B/2.jpg", "B (2)/2.jpg"), // The album stays together.
        ("//..\\..//c/./d.jpg", "c/d.jpg"),
        ("1/2/3/4/5/6/7/8/9/10.jpg", "1/2/3/4/5/6/7/10.jpg"),
        ("", "_"),
        ("A/IMG_1.jpg", "A/IMG_1 (4).jpg"),
    ];
    let mut zip = ZipWriter::new();
    for (name, _) in cases {
        zip.local_header(name, 1, 0, MTIME);
    }
    let expected: Vec<&str> = cases.iter().map(|&(_, name)| name).collect();
    assert_eq!(central_names(&zip.finish()), expected);
}

/// splitmix64: reproducible without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let z = (self.0 ^ (self.0 >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % len64(items)) as usize]
    }

    fn size(&mut self) -> u64 {
        let random = self.next() % (1 << 40);
        self.pick(&[0, 1, random, MAX32 - 1, MAX32, MAX32 + 1])
    }

    fn mtime(&mut self) -> i64 {
        let random = self.next() as i64;
        self.pick(&[i64::MIN, i64::MAX, -1, 0, DOS_MAX_SECS + 1, random])
    }

    fn name(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "IMG", ".jpg", ".", "..", "/", "\\", " ", "\0", "\u{202E}", "é", "日本", "😀",
            "con", "COM1", "lpt¹", ":", "*", "\u{7f}", "\u{9c}", " (2)", "A", "\t", "\u{3000}",
            "~",
        ];
        let parts = self.next() % 16;
        let name: String = (0..parts).map(|_| self.pick(PIECES)).collect();
        if self.next() % 20 == 0 {
            name.repeat(200)
        } else {
            name
        }
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x5EED);
    for _ in 0..300 {
        let mut zip = writer(rng.next() % 4 == 0);
        let (mut total, mut entries) = (0, Vec::new());
        for _ in 0..rng.next() % 30 {
            let name = if rng.next() % 2 == 0 {
                rng.name()
            } else {
                entry_name(&rng.name(), &rng.name())
            };
            let safe = entry_name(&rng.name(), &name);
            assert_safe(&safe);
            assert_eq!(
                safe_path(&safe),
                safe,
                "local_header keeps entry_name's output"
            );
            let (size, mtime) = (rng.size(), rng.mtime());
            total += len64(&zip.local_header(&name, size, rng.next() as u32, mtime)) + size;
            entries.push((name, size));
        }
        let tail = zip.finish();
        let entries: Vec<(&str, u64)> = entries.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        assert_eq!(
            ZipWriter::archive_len(&entries, zip.forced_zip64),
            total + len64(&tail)
        );
        let names = central_names(&tail);
        names.iter().for_each(|name| assert_safe(name));
        let keys: HashSet<String> = names.iter().map(|n| key(n)).collect();
        assert_eq!(keys.len(), names.len());
        for name in &names {
            name.match_indices('/')
                .for_each(|(i, _)| assert!(!keys.contains(&key(&name[..i]))));
        }
    }
    // Offsets past u64 saturate (tests run with overflow checks).
    let mut zip = ZipWriter::new();
    zip.local_header("a", u64::MAX, 0, 0);
    zip.local_header("a", u64::MAX, 0, 0);
    assert_eq!(ZipWriter::archive_len(&[("a", u64::MAX)], false), u64::MAX);
    assert!(zip.finish().len() > 2 * 46);
}
