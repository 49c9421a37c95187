//! A streaming ZIP writer for "download originals": it produces only the
//! archive's metadata, and the caller streams each file's bytes in between.
//! The caller writes `local_header(..)`, then exactly `size` bytes of the
//! file, then the next header, and at the end `finish()`.
//!
//! Invariants: entries are stored (method 0, APPNOTE.TXT 4.4.5) because the
//! originals are JPEGs that are already compressed; sizes and CRC-32s are
//! known up front, so general purpose bit 3 and data descriptors are never
//! used (4.3.9). Offsets are tracked from the declared sizes alone, so memory
//! is per-entry metadata, never file data. Every name in an archive is
//! sanitised and unique, whatever the caller passes. Nothing panics on any
//! input: counters saturate and lengths are bounded.
//!
//! Records (APPNOTE.TXT 6.3.10): local file header 4.3.7, central directory
//! header 4.3.12, ZIP64 end of central directory record 4.3.14 and locator
//! 4.3.15, end of central directory record 4.3.16, ZIP64 extended information
//! extra field 4.5.3, MS-DOS date and time 4.4.6, UTF-8 names (bit 11) 4.4.4
//! and appendix D, extended timestamp 0x5455 listed in 4.6.1 and specified in
//! Info-ZIP's `extrafld.txt`.

use std::collections::{HashMap, HashSet};

/// A 32-bit size or offset field at this value or above moves to the ZIP64
/// extra field; 0xFFFFFFFF itself means "see ZIP64" (4.4.8, 4.4.16).
const MAX32: u64 = 0xFFFF_FFFF;
/// The same for the 16-bit entry counts of the end record (4.4.21).
const MAX16: u64 = 0xFFFF;

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;

const CENTRAL_FIXED_LEN: u64 = 46;
const ZIP64_END_LEN: u64 = 56;
const ZIP64_LOCATOR_LEN: u64 = 20;
const END_LEN: u64 = 22;

const ZIP64_EXTRA_ID: u16 = 0x0001;
const TIMESTAMP_EXTRA_ID: u16 = 0x5455;
/// Bit 0 of the extended timestamp's flags: the modification time follows.
const TIMESTAMP_HAS_MTIME: u8 = 1;

/// General purpose bit 11: names are UTF-8 (4.4.4).
const FLAG_UTF8: u16 = 1 << 11;
/// 2.0 rather than the minimal 1.0 for stored files: what most writers put
/// and every reader accepts. 4.5 once a ZIP64 field is used (4.4.3.2).
const VERSION_NEEDED: u16 = 20;
const VERSION_NEEDED_ZIP64: u16 = 45;
/// Host 3 (Unix) so unzip applies the mode below; 6.3 defined bit 11 (4.4.2).
const VERSION_MADE_BY: u16 = (3 << 8) | 63;
/// `S_IFREG | 0644` in the high half, where Unix unzip tools read the mode.
const EXTERNAL_ATTRIBUTES: u32 = 0o100_644 << 16;

/// 1980-01-01T00:00:00Z and 2107-12-31T23:59:59Z, the ends of the MS-DOS
/// date range (years 1980 + 0..=127).
const DOS_MIN_SECS: i64 = 315_532_800;
const DOS_MAX_SECS: i64 = 4_354_819_199;

/// Longest album or file name part, in UTF-8 bytes. ext4 and APFS allow 255
/// per name, but Windows Explorer still stops at MAX_PATH (260 UTF-16 units)
/// for the whole path: two parts of 100 leave room for the folder the client
/// extracts into and a " (n)" suffix.
const MAX_PART_BYTES: usize = 100;
/// An extension longer than this is not kept when a part is shortened.
const MAX_EXTENSION_BYTES: usize = 16;
/// Deepest path `local_header` keeps (the viewer uses two: album and file);
/// bounds names far below the 16-bit name length field.
const MAX_DEPTH: usize = 8;

/// Builds a ZIP archive's metadata around file data the caller streams.
#[derive(Debug, Default)]
pub struct ZipWriter {
    entries: Vec<Entry>,
    names: Names,
    /// Where the next local header starts: the sum of everything written.
    offset: u64,
    forced_zip64: bool,
}

impl ZipWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// For tests: write ZIP64 records for every entry, whatever its size.
    pub fn force_zip64(mut self) -> Self {
        self.forced_zip64 = true;
        self
    }

    /// The local file header of the next entry. The caller must then write
    /// exactly `size` bytes of data: the writer cannot see them, so it trusts
    /// the declared size to place the following entries. `name` is
    /// sanitised like [`entry_name`]'s output (which passes unchanged) and
    /// numbered if an earlier entry would clash with it on extraction.
    pub fn local_header(
        &mut self,
        name: &str,
        size: u64,
        crc32: u32,
        modified_unix_secs: i64,
    ) -> Vec<u8> {
        let (dos_time, dos_date) = dos_date_time(modified_unix_secs);
        let entry = Entry {
            name: self.names.claim(safe_path(name)),
            size,
            crc32,
            offset: self.offset,
            dos_time,
            dos_date,
            mtime: timestamp_mtime(modified_unix_secs),
            zip64_sizes: self.forced_zip64 || size >= MAX32 || self.offset >= MAX32,
            zip64_offset: self.forced_zip64 || self.offset >= MAX32,
        };
        let header = entry.local_header();
        self.offset = self
            .offset
            .saturating_add(len64(&header))
            .saturating_add(size);
        self.entries.push(entry);
        header
    }

    /// Central directory, ZIP64 end records when needed, end of central
    /// directory: the archive's last bytes.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in &self.entries {
            entry.write_central(&mut out);
        }
        let directory_len = len64(&out);
        self.write_end(&mut out, directory_len);
        out
    }

    /// Exact total archive length for these entries (name, size), for a
    /// progress bar and the size check before starting. `zip64` as in
    /// [`ZipWriter::force_zip64`].
    pub fn archive_len(entries: &[(&str, u64)], zip64: bool) -> u64 {
        let mut writer = Self {
            forced_zip64: zip64,
            ..Self::default()
        };
        for &(name, size) in entries {
            // Header lengths depend on the name and size only.
            writer.local_header(name, size, 0, 0);
        }
        writer.offset.saturating_add(writer.tail_len())
    }

    /// The length of what `finish` returns, without building it.
    fn tail_len(&self) -> u64 {
        let directory_len = self
            .entries
            .iter()
            .map(Entry::central_len)
            .fold(0, u64::saturating_add);
        let zip64_end = if self.needs_zip64_end(directory_len) {
            ZIP64_END_LEN + ZIP64_LOCATOR_LEN
        } else {
            0
        };
        directory_len.saturating_add(zip64_end + END_LEN)
    }

    fn needs_zip64_end(&self, directory_len: u64) -> bool {
        self.forced_zip64
            || len64(&self.entries) >= MAX16
            || directory_len >= MAX32
            || self.offset >= MAX32
    }

    /// 4.3.14 to 4.3.16. The directory starts at `self.offset`, right after
    /// the last entry's data.
    fn write_end(&self, out: &mut Vec<u8>, directory_len: u64) {
        let (count, forced) = (len64(&self.entries), self.forced_zip64);
        if self.needs_zip64_end(directory_len) {
            let record_offset = self.offset.saturating_add(directory_len);
            put32(out, ZIP64_END_SIGNATURE);
            put64(out, ZIP64_END_LEN - 12); // Excludes the signature and this field.
            put16(out, VERSION_MADE_BY);
            put16(out, VERSION_NEEDED_ZIP64);
            put32(out, 0); // This disk.
            put32(out, 0); // Disk where the directory starts.
            put64(out, count);
            put64(out, count);
            put64(out, directory_len);
            put64(out, self.offset);
            put32(out, ZIP64_LOCATOR_SIGNATURE);
            put32(out, 0); // Disk with the ZIP64 end record.
            put64(out, record_offset);
            put32(out, 1); // Total disks.
        }
        put32(out, END_SIGNATURE);
        put16(out, 0); // This disk.
        put16(out, 0); // Disk where the directory starts.
        put16(out, field16(count, forced));
        put16(out, field16(count, forced));
        put32(out, field32(directory_len, forced));
        put32(out, field32(self.offset, forced));
        put16(out, 0); // Comment length.
    }
}

/// One entry's metadata, kept until `finish` writes the central directory.
#[derive(Debug)]
struct Entry {
    name: String,
    size: u64,
    crc32: u32,
    /// Where the local header starts.
    offset: u64,
    dos_time: u16,
    dos_date: u16,
    mtime: u32,
    /// Sizes go in the ZIP64 extra field, in the local header and the
    /// central directory alike (4.5.3 wants both sizes in the local one).
    /// Set too whenever the offset needs ZIP64: Info-ZIP UnZip 6.0 keeps the
    /// previous entry's size when it parses this field, and after an entry
    /// of exactly 0xFFFFFFFF bytes it reads a lone offset as a size ("bad
    /// zipfile offset"; test `offsets_past_4_gib_use_zip64`).
    zip64_sizes: bool,
    /// The offset goes in the central directory's ZIP64 extra field.
    zip64_offset: bool,
}

impl Entry {
    /// 4.3.7.
    fn local_header(&self) -> Vec<u8> {
        let extra = self.local_extra();
        let mut out = Vec::with_capacity(30 + self.name.len() + extra.len());
        put32(&mut out, LOCAL_SIGNATURE);
        self.put_common(&mut out);
        put16(&mut out, field16(len64(self.name.as_bytes()), false));
        put16(&mut out, field16(len64(&extra), false));
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(&extra);
        out
    }

    /// 4.3.12.
    fn write_central(&self, out: &mut Vec<u8>) {
        let extra = self.central_extra();
        put32(out, CENTRAL_SIGNATURE);
        put16(out, VERSION_MADE_BY);
        self.put_common(out);
        put16(out, field16(len64(self.name.as_bytes()), false));
        put16(out, field16(len64(&extra), false));
        put16(out, 0); // Comment length.
        put16(out, 0); // Disk where the entry starts.
        put16(out, 0); // Internal attributes: binary.
        put32(out, EXTERNAL_ATTRIBUTES);
        put32(out, field32(self.offset, self.zip64_offset));
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(&extra);
    }

    fn central_len(&self) -> u64 {
        CENTRAL_FIXED_LEN + len64(self.name.as_bytes()) + len64(&self.central_extra())
    }

    /// From "version needed" to the uncompressed size: the fields the local
    /// and central headers share, in the same order.
    fn put_common(&self, out: &mut Vec<u8>) {
        let version = if self.zip64_sizes {
            VERSION_NEEDED_ZIP64
        } else {
            VERSION_NEEDED
        };
        put16(out, version);
        put16(out, FLAG_UTF8);
        put16(out, 0); // Method: stored.
        put16(out, self.dos_time);
        put16(out, self.dos_date);
        put32(out, self.crc32);
        put32(out, field32(self.size, self.zip64_sizes)); // Compressed.
        put32(out, field32(self.size, self.zip64_sizes)); // Uncompressed.
    }

    fn local_extra(&self) -> Vec<u8> {
        let sizes: &[u64] = if self.zip64_sizes {
            &[self.size, self.size]
        } else {
            &[]
        };
        extra_fields(sizes, self.mtime)
    }

    /// 4.5.3: only the fields whose header value is 0xFFFFFFFF, in order.
    fn central_extra(&self) -> Vec<u8> {
        let mut fields = Vec::with_capacity(3);
        if self.zip64_sizes {
            fields.extend([self.size, self.size]);
        }
        if self.zip64_offset {
            fields.push(self.offset);
        }
        extra_fields(&fields, self.mtime)
    }
}

/// The ZIP64 extra field (when `zip64` is not empty), then the extended
/// timestamp with the modification time only: that is all the central
/// directory may carry, and the local header needs no more.
fn extra_fields(zip64: &[u64], mtime: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 8 * zip64.len() + 9);
    if !zip64.is_empty() {
        put16(&mut out, ZIP64_EXTRA_ID);
        put16(&mut out, field16(8 * len64(zip64), false));
        zip64.iter().for_each(|&value| put64(&mut out, value));
    }
    put16(&mut out, TIMESTAMP_EXTRA_ID);
    put16(&mut out, 5);
    out.push(TIMESTAMP_HAS_MTIME);
    put32(&mut out, mtime);
    out
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// `value`, or 0xFFFF when the real value lives in a ZIP64 record.
fn field16(value: u64, zip64: bool) -> u16 {
    match u16::try_from(value) {
        Ok(value) if !zip64 && u64::from(value) < MAX16 => value,
        _ => u16::MAX,
    }
}

/// `value`, or 0xFFFFFFFF when the real value lives in a ZIP64 record.
fn field32(value: u64, zip64: bool) -> u32 {
    match u32::try_from(value) {
        Ok(value) if !zip64 && u64::from(value) < MAX32 => value,
        _ => u32::MAX,
    }
}

fn len64<T>(items: &[T]) -> u64 {
    u64::try_from(items.len()).unwrap_or(u64::MAX)
}

/// MS-DOS (time, date) of a Unix time, UTC, clamped to 1980..=2107 (4.4.6).
/// Seconds are halved: the extended timestamp carries the exact value.
fn dos_date_time(unix_secs: i64) -> (u16, u16) {
    let secs = unix_secs.clamp(DOS_MIN_SECS, DOS_MAX_SECS);
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    let time = (day_secs / 3600) << 11 | (day_secs % 3600 / 60) << 5 | (day_secs % 60 / 2);
    let date = (year - 1980) << 9 | month << 5 | day;
    // The clamp keeps both within 16 bits.
    (
        u16::try_from(time).unwrap_or(0),
        u16::try_from(date).unwrap_or(0),
    )
}

/// (year, month, day) of a day count since 1970-01-01 in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// The extended timestamp holds a signed 32-bit Unix time (`extrafld.txt`),
/// clamped here to 1970..=2038: a time before 1970 is nearly always a
/// camera's unset clock, and the DOS fields stop at 1980 anyway.
fn timestamp_mtime(unix_secs: i64) -> u32 {
    u32::try_from(unix_secs.clamp(0, i64::from(i32::MAX))).unwrap_or(0)
}

/// CRC-32 (IEEE, as ZIP and PNG use), streaming.
///
/// One table lookup per byte: the download is bound by the network and by
/// AES-GCM, which is far slower than this in wasm32, so slicing-by-8's 8 KiB
/// of tables would not pay for themselves.
#[derive(Clone, Debug)]
pub struct Crc32 {
    state: u32,
}

/// The reflected polynomial 0x04C11DB7 (ISO 3309, APPNOTE 4.4.7).
const CRC_TABLE: [u32; 256] = crc_table(0xEDB8_8320);

const fn crc_table(polynomial: u32) -> [u32; 256] {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                polynomial ^ (crc >> 1)
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[byte] = crc;
        byte += 1;
    }
    table
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    pub fn new() -> Self {
        Self { state: u32::MAX }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            let index = (self.state ^ u32::from(byte)) & 0xFF;
            self.state = CRC_TABLE[index as usize] ^ (self.state >> 8);
        }
    }

    pub fn finish(&self) -> u32 {
        !self.state
    }
}

/// "Album/IMG_0101.jpg" made safe for every unzip tool: no absolute paths,
/// no "..", no backslashes or control characters, no empty parts,
/// Windows-reserved characters and names defused, length bounded. `album`
/// may be any untrusted string; one that sanitises to nothing (such as "")
/// puts the file at the top of the archive, as for the main album.
pub fn entry_name(album: &str, file: &str) -> String {
    let file = non_empty(safe_part(file));
    match safe_part(album) {
        album if album.is_empty() => file,
        album => format!("{album}/{file}"),
    }
}

/// A `/`- or `\`-separated path, each part made safe, empty parts dropped,
/// and at most `MAX_DEPTH` parts (the leading folders and the file name).
/// `entry_name`'s output passes unchanged.
fn safe_path(path: &str) -> String {
    let mut parts: Vec<String> = path
        .split(['/', '\\'])
        .map(safe_part)
        .filter(|part| !part.is_empty())
        .collect();
    if parts.len() > MAX_DEPTH {
        parts.drain(MAX_DEPTH - 1..parts.len() - 1);
    }
    non_empty(parts.join("/"))
}

fn non_empty(name: String) -> String {
    if name.is_empty() {
        "_".to_owned()
    } else {
        name
    }
}

/// One path part, or "" if nothing is left. Idempotent, so a name that is
/// sanitised twice (by `entry_name`, then `local_header`) stays the same.
fn safe_part(raw: &str) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| if is_unsafe_char(c) { '_' } else { c })
        .collect();
    let part = fit(trim(&replaced));
    if is_windows_reserved(&part) {
        // A leading '_' keeps the part non-empty and never reserved again.
        return fit(&format!("_{part}"));
    }
    part
}

/// Separators; characters Windows forbids in names (':' would also open an
/// NTFS alternate data stream); control characters, which terminals and
/// unzip listings interpret; and bidirectional controls, which can make
/// "IMG\u{202E}gpj.exe" display as "IMGexe.jpg".
fn is_unsafe_char(c: char) -> bool {
    const BIDI: [char; 12] = [
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    ];
    c.is_control() || "/\\<>:\"|?*".contains(c) || BIDI.contains(&c)
}

/// Leading dots hide files on Unix (and ".." climbs); Windows drops trailing
/// dots and spaces, so "a." and "a" would collide there.
fn trim(part: &str) -> &str {
    part.trim_matches(|c: char| c == '.' || c.is_whitespace())
}

/// `part` cut to `MAX_PART_BYTES` on a character boundary, keeping a short
/// extension so the file still opens in the right application.
fn fit(part: &str) -> String {
    if part.len() <= MAX_PART_BYTES {
        return trim(part).to_owned();
    }
    let extension = match part.rfind('.') {
        Some(dot) if dot > 0 && part.len() - dot <= MAX_EXTENSION_BYTES => &part[dot..],
        _ => "",
    };
    let stem = &part[..part.len() - extension.len()];
    let mut end = MAX_PART_BYTES - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    trim(&format!("{}{extension}", trim(&stem[..end]))).to_owned()
}

/// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (also with superscript digits),
/// CONIN$ and CONOUT$ name devices on Windows, with any extension.
fn is_windows_reserved(part: &str) -> bool {
    let stem = part
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_uppercase();
    let numbered = stem
        .strip_prefix("COM")
        .or_else(|| stem.strip_prefix("LPT"));
    matches!(
        stem.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || numbered.is_some_and(|n| {
        n.chars().count() == 1 && n.chars().all(|c| c.is_ascii_digit() || "¹²³".contains(c))
    })
}

/// Names already in the archive, compared as a case-insensitive file system
/// (Windows, macOS) would: a clash there means an overwritten photo or a
/// failed extraction.
#[derive(Debug, Default)]
struct Names {
    files: HashSet<String>,
    folders: HashSet<String>,
    /// The next " (n)" to try for a clashing prefix, so that many copies of
    /// one name cost one look-up each instead of a scan from 2.
    next_number: HashMap<String, u64>,
}

impl Names {
    /// `path` itself, or numbered ("IMG_1 (2).jpg") until it clashes with
    /// nothing.
    fn claim(&mut self, mut path: String) -> String {
        while let Some(end) = self.clash(&path) {
            path = self.renumber(&path, end);
        }
        for (slash, _) in path.match_indices('/') {
            self.folders.insert(key(&path[..slash]));
        }
        self.files.insert(key(&path));
        path
    }

    /// The end of the first part of `path` that clashes: a folder that is
    /// already a file, or the whole path that is already a file or folder.
    fn clash(&self, path: &str) -> Option<usize> {
        let folder = path
            .match_indices('/')
            .map(|(slash, _)| slash)
            .find(|&slash| self.files.contains(&key(&path[..slash])));
        folder.or_else(|| {
            let whole = key(path);
            (self.files.contains(&whole) || self.folders.contains(&whole)).then_some(path.len())
        })
    }

    /// `path` with the part ending at `end` numbered so that it, and all
    /// before it, no longer clash. A renamed folder keeps its number (no
    /// file can take a folder's name later), so an album stays together.
    fn renumber(&mut self, path: &str, end: usize) -> String {
        let is_file = end == path.len();
        // A folder's key keeps its '/', apart from a file of the same name.
        let base = key(&path[..if is_file { end } else { end + 1 }]);
        let mut number = self.next_number.get(&base).copied().unwrap_or(2);
        loop {
            let candidate = numbered(path, end, number);
            let candidate_end = candidate.len() - (path.len() - end);
            if self.clash(&candidate) != Some(candidate_end) {
                let next = number.saturating_add(u64::from(is_file));
                self.next_number.insert(base, next);
                return candidate;
            }
            number = number.saturating_add(1);
        }
    }
}

fn key(path: &str) -> String {
    path.to_lowercase()
}

/// `path` with " (number)" added to the part ending at `end`, before the
/// extension if that part is the file name.
fn numbered(path: &str, end: usize, number: u64) -> String {
    let start = path[..end].rfind('/').map_or(0, |slash| slash + 1);
    let part = &path[start..end];
    let dot = part.rfind('.').filter(|&dot| dot > 0 && end == path.len());
    let (stem, extension) = part.split_at(dot.unwrap_or(part.len()));
    format!(
        "{}{stem} ({number}){extension}{}",
        &path[..start],
        &path[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
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
            let dir =
                std::env::temp_dir().join(format!("lightproof-zip-{}-{tag}", std::process::id()));
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
            let field =
                |i: usize| usize::from(u16::from_le_bytes([tail[at + i], tail[at + i + 1]]));
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
}
