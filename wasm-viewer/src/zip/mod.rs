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
//!
//! Names are made safe and unique in `names.rs`; the CRC-32 is in `crc.rs`.

mod crc;
mod names;
#[cfg(test)]
mod tests;

pub use crc::Crc32;
pub use names::entry_name;
use names::{safe_path, Names};

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
