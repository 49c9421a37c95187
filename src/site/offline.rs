//! Offline copies: what lets a gallery open from a disk (`file://`).
//!
//! Browsers refuse `fetch()` of sibling files on `file://` pages (Chromium
//! treats the URL scheme as unsupported; Firefox gives every file its own
//! opaque origin since version 68). A classic `<script src>` still loads, so
//! every file the viewer reads (`viewer.wasm`, `gallery.bin` and each blob)
//! also exists as one or more scripts that hand its bytes, in base64, to the
//! viewer. Each script is one call:
//!
//! ```text
//! lightproofPart("b/QZ…",0,1,"<base64>");
//! ```
//!
//! with the site-relative name of the file, the part's index, the number of
//! parts and at most [`PART_BYTES`] of the file. Part 0 is `<name>.js`, part
//! `i` is `<name>.<i>.js`. The copies hold the same ciphertext as their
//! binary twins, so they add nothing to what the host can learn; `verify`
//! checks that they match.

use std::io::Read;
use std::path::Path;

use base64::Engine;

use super::atomic::{self, WriteFailed};

/// Bytes of the file in one part: small enough for any browser's largest
/// string, large enough that a typical original is one script.
pub const PART_BYTES: usize = 16 << 20;
const CALL: &str = "lightproofPart(";

/// The number of parts of a file of `len` bytes (an empty file has one).
pub fn part_count(len: u64) -> usize {
    usize::try_from(len.div_ceil(PART_BYTES as u64))
        .unwrap_or(usize::MAX)
        .max(1)
}

/// The longest script a part of `name` can be: the call, the largest
/// index and count, and a whole part in base64.
pub fn max_script_len(name: &str) -> u64 {
    (CALL.len() + name.len() + 2 * 20 + 10 + PART_BYTES.div_ceil(3) * 4) as u64
}

/// The site-relative name of part `index` of the file `name`.
pub fn part_name(name: &str, index: usize) -> String {
    if index == 0 {
        format!("{name}.js")
    } else {
        format!("{name}.{index}.js")
    }
}

/// The script for one part.
pub fn encode_part(name: &str, index: usize, count: usize, bytes: &[u8]) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("{CALL}\"{name}\",{index},{count},\"{data}\");\n")
}

/// A part read back from its script.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub index: usize,
    pub count: usize,
    pub bytes: Vec<u8>,
}

/// Parses a part script; `None` unless it is exactly what
/// [`encode_part`] writes.
pub fn decode_part(script: &[u8]) -> Option<Part> {
    let text = std::str::from_utf8(script).ok()?;
    let rest = text.strip_prefix(CALL)?.strip_suffix("\");\n")?;
    let (name, rest) = rest.strip_prefix('"')?.split_once("\",")?;
    let (index, rest) = rest.split_once(',')?;
    let (count, data) = rest.split_once(",\"")?;
    let part = Part {
        name: name.to_owned(),
        index: parse_number(index)?,
        count: parse_number(count)?,
        bytes: base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()?,
    };
    (part.index < part.count).then_some(part)
}

fn parse_number(text: &str) -> Option<usize> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// Writes the offline copy of `name` (relative to `root`) from its bytes.
pub fn write(root: &Path, name: &str, bytes: &[u8]) -> Result<(), WriteFailed> {
    write_parts(root, name, bytes.len() as u64, &mut &bytes[..])
}

/// Writes the offline copy of the file `name` already in `root`, reading
/// it one part at a time (originals can be larger than memory allows).
pub fn write_from_file(root: &Path, name: &str) -> Result<(), WriteFailed> {
    let opened =
        std::fs::File::open(root.join(name)).and_then(|file| Ok((file.metadata()?.len(), file)));
    let (len, mut file) = opened.map_err(|source| io_error(root, name, source))?;
    write_parts(root, name, len, &mut file)
}

/// Writes the parts of `name`, `len` bytes read from `source`.
fn write_parts(
    root: &Path,
    name: &str,
    len: u64,
    source: &mut dyn Read,
) -> Result<(), WriteFailed> {
    let count = part_count(len);
    let mut piece = Vec::with_capacity(PART_BYTES.min(len as usize));
    for index in 0..count {
        piece.clear();
        source
            .take(PART_BYTES as u64)
            .read_to_end(&mut piece)
            .map_err(|error| io_error(root, name, error))?;
        let script = encode_part(name, index, count, &piece);
        let part = root.join(part_name(name, index));
        atomic::write(&part, script.as_bytes()).map_err(WriteFailed::at(&part))?;
    }
    Ok(())
}

fn io_error(root: &Path, name: &str, source: std::io::Error) -> WriteFailed {
    WriteFailed {
        path: root.join(name),
        source,
    }
}

/// Whether the offline copy of `name` looks complete: its first and last
/// part exist for the file's current length.
pub fn is_present(root: &Path, name: &str) -> bool {
    let Ok(meta) = std::fs::metadata(root.join(name)) else {
        return false;
    };
    let last = part_count(meta.len()) - 1;
    root.join(part_name(name, 0)).is_file() && root.join(part_name(name, last)).is_file()
}

/// The parts of the offline copy of `name` holding `bytes`, as
/// (file name, script), in the form [`write`] writes them.
pub fn parts<'a>(name: &'a str, bytes: &'a [u8]) -> impl Iterator<Item = (String, String)> + 'a {
    let count = part_count(bytes.len() as u64);
    let mut pieces = bytes.chunks(PART_BYTES);
    (0..count).map(move |index| {
        let piece = pieces.next().unwrap_or_default();
        (
            part_name(name, index),
            encode_part(name, index, count, piece),
        )
    })
}

/// Whether the offline copy of `name` (relative to `root`) holds exactly
/// `bytes`, in the parts [`write`] would write.
pub fn is_current(root: &Path, name: &str, bytes: &[u8]) -> bool {
    parts(name, bytes).all(|(file, script)| {
        std::fs::read(root.join(file)).is_ok_and(|on_disk| on_disk == script.as_bytes())
    })
}

/// The file and part index a part's name stands for (`F.js` is part 0 of
/// `F`, `F.<i>.js` part `i`, `i` without leading zeros and not 0): the
/// inverse of [`part_name`].
pub fn part_of(name: &str) -> Option<(&str, usize)> {
    let stem = name.strip_suffix(".js")?;
    match stem.rsplit_once('.') {
        Some((file, index)) => match parse_number(index) {
            Some(index) if index > 0 => Some((file, index)),
            _ => Some((stem, 0)),
        },
        None => Some((stem, 0)),
    }
}

/// The file that `file_name` is an offline part of, if it is one
/// (`QZ….js` and `QZ….3.js` give `QZ…`, `gallery.bin.js` gives
/// `gallery.bin`).
pub fn blob_of_part(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(".js")?;
    match stem.rsplit_once('.') {
        Some((blob, index)) if parse_number(index).is_some() => Some(blob),
        _ => Some(stem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_reads_back_as_written() {
        let script = encode_part("b/ABC", 2, 3, b"\x00\xffhello");
        assert_eq!(script, "lightproofPart(\"b/ABC\",2,3,\"AP9oZWxsbw==\");\n");
        let part = decode_part(script.as_bytes()).unwrap();
        assert_eq!(
            part,
            Part {
                name: "b/ABC".into(),
                index: 2,
                count: 3,
                bytes: b"\x00\xffhello".to_vec()
            }
        );
    }

    #[test]
    fn anything_else_is_not_a_part() {
        let good = encode_part("gallery.bin", 0, 1, b"abc");
        assert!(decode_part(good.as_bytes()).is_some());
        for bad in [
            good.replace("lightproofPart", "alert"),
            good.replace(",0,1,", ",1,1,"),
            good.replace(",0,1,", ",00,1,"),
            good.replace(",0,1,", ",-0,1,"),
            good.replace("YWJj", "YW!j"),
            good.trim_end().to_owned(),
            format!("{good}alert(1);\n"),
        ] {
            assert!(decode_part(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn large_files_are_split_into_parts() {
        assert_eq!(part_count(0), 1);
        assert_eq!(part_count(PART_BYTES as u64), 1);
        assert_eq!(part_count(PART_BYTES as u64 + 1), 2);
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..PART_BYTES + 10).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("big"), &bytes).unwrap();
        write_from_file(dir.path(), "big").unwrap();
        assert!(is_present(dir.path(), "big"));
        let mut joined = Vec::new();
        for index in 0..2 {
            let script = std::fs::read(dir.path().join(part_name("big", index))).unwrap();
            let part = decode_part(&script).unwrap();
            assert_eq!((part.index, part.count), (index, 2));
            joined.extend(part.bytes);
        }
        assert_eq!(joined, bytes);
    }

    #[test]
    fn part_names_lead_back_to_their_blob() {
        assert_eq!(blob_of_part("QZAB.js"), Some("QZAB"));
        assert_eq!(blob_of_part("QZAB.12.js"), Some("QZAB"));
        assert_eq!(blob_of_part("gallery.bin.js"), Some("gallery.bin"));
        assert_eq!(blob_of_part("viewer.wasm.1.js"), Some("viewer.wasm"));
        assert_eq!(blob_of_part("QZAB"), None);
        for index in [0, 1, 12] {
            assert_eq!(
                part_of(&part_name("b/QZAB", index)),
                Some(("b/QZAB", index))
            );
        }
        assert_eq!(part_of("b/QZAB.05.js"), Some(("b/QZAB.05", 0)));
        assert_eq!(part_of("b/QZAB.+5.js"), Some(("b/QZAB.+5", 0)));
        assert_eq!(part_of("b/QZAB"), None);
    }
}
