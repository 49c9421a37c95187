//! A client's selection as a short sealed code (docs/FORMAT.md, "Selection
//! codes"): the chosen photos named by their position in the grant's
//! manifest, bound to the gallery and that manifest, and sealed with an
//! HMAC under the manifest key, so the code fits in a `mailto:` link and
//! cannot be edited or moved to another gallery.
//!
//! The viewer's module seals and `lightproof picks` opens with this same
//! code. [`SealedCode::find`] reads untrusted text and checks nothing but
//! its shape; [`SealedCode::open`] checks the tag before it reads anything
//! else, then every count and position.

use core::fmt;

use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::encoding::{base64url, base64url_decode};
use super::{Id, Key32, ID_LEN};

/// The first byte of every code of this version.
pub const CODE_VERSION: u8 = 1;
/// Domain separation: a code's tag is never a valid tag of anything else.
const CODE_LABEL: &[u8] = b"lightproof.v1/selection-code\x00";
/// The tag is HMAC-SHA-256 truncated to its first 128 bits.
pub const CODE_TAG_LEN: usize = 16;
/// What opens a code in a text; `]` ends it.
pub const CODE_START: &str = "[lightproof ";
const CODE_END: char = ']';
/// The longest note, in characters (as a selection's text allows).
pub const NOTE_MAX_CHARS: usize = 500;

const FLAG_DELTAS: u8 = 1;
const FLAG_NOTES: u8 = 2;
const FLAG_NOTES_LEFT_OUT: u8 = 4;
/// version, flags, gallery id, manifest id.
const FIXED_LEN: usize = 2 + 2 * ID_LEN;
/// The smallest code: the fixed part, a one-byte count, an empty picks
/// part, and the tag.
const MIN_LEN: usize = FIXED_LEN + 1 + CODE_TAG_LEN;

/// What a code says, once opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectionCode {
    pub gallery: Id,
    /// The id of the grant's manifest blob.
    pub manifest: Id,
    /// How many photos that manifest lists, albums in order and each
    /// album's photos in order: positions count in this order from 0.
    pub photo_count: u32,
    /// The chosen photos' positions, strictly increasing.
    pub picks: Vec<u32>,
    /// (position, text) of each chosen photo with a note, in increasing
    /// position; a note is 1 to [`NOTE_MAX_CHARS`] characters.
    pub notes: Vec<(u32, String)>,
    /// The client wrote notes that this code leaves out (they come with
    /// the selection's file instead).
    pub notes_left_out: bool,
}

/// Why a code cannot be sealed or opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeError {
    /// A version this code does not implement.
    UnsupportedVersion(u8),
    /// The tag does not match: edited, or sealed with another key.
    Tampered,
    /// Tagged correctly, yet not a valid code (a writer's bug).
    Malformed(&'static str),
    /// What was to be sealed breaks a rule of the format.
    Invalid(&'static str),
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedVersion(v) => {
                write!(f, "made by a newer lightproof (code version {v})")
            }
            Self::Tampered => write!(f, "the code was changed or belongs to another grant"),
            Self::Malformed(what) => write!(f, "the code is not valid: {what}"),
            Self::Invalid(what) => write!(f, "cannot make a code: {what}"),
        }
    }
}

impl std::error::Error for CodeError {}

/// `HMAC-SHA-256(manifest_key, CODE_LABEL || payload)[..16]`.
fn code_tag(manifest_key: &Key32, payload: &[u8]) -> [u8; CODE_TAG_LEN] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(manifest_key.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(CODE_LABEL);
    mac.update(payload);
    let full: [u8; 32] = mac.finalize().into_bytes().into();
    let mut tag = [0; CODE_TAG_LEN];
    tag.copy_from_slice(&full[..CODE_TAG_LEN]);
    tag
}

impl SelectionCode {
    /// The code's text, `[lightproof <base64url(payload || tag)>]`.
    pub fn seal(&self, manifest_key: &Key32) -> Result<String, CodeError> {
        let mut bytes = self.payload()?;
        let tag = code_tag(manifest_key, &bytes);
        bytes.extend_from_slice(&tag);
        Ok(format!("{CODE_START}{}{CODE_END}", base64url(&bytes)))
    }

    fn payload(&self) -> Result<Vec<u8>, CodeError> {
        self.check()?;
        let (deltas, bitmap) = (self.deltas(), self.bitmap());
        let use_deltas = deltas.len() < bitmap.len();
        let mut flags = if use_deltas { FLAG_DELTAS } else { 0 };
        if !self.notes.is_empty() {
            flags |= FLAG_NOTES;
        }
        if self.notes_left_out {
            flags |= FLAG_NOTES_LEFT_OUT;
        }
        let mut out = vec![CODE_VERSION, flags];
        out.extend_from_slice(&self.gallery);
        out.extend_from_slice(&self.manifest);
        put_varint(&mut out, self.photo_count);
        out.extend_from_slice(if use_deltas { &deltas } else { &bitmap });
        if !self.notes.is_empty() {
            self.put_notes(&mut out);
        }
        Ok(out)
    }

    fn check(&self) -> Result<(), CodeError> {
        let increasing = |p: &[u32]| p.windows(2).all(|w| w[0] < w[1]);
        if !increasing(&self.picks) || self.picks.last().is_some_and(|&p| p >= self.photo_count) {
            return Err(CodeError::Invalid(
                "picks out of order or past the last photo",
            ));
        }
        let positions: Vec<u32> = self.notes.iter().map(|(p, _)| *p).collect();
        if !increasing(&positions)
            || positions
                .iter()
                .any(|p| self.picks.binary_search(p).is_err())
        {
            return Err(CodeError::Invalid("a note on a photo that is not chosen"));
        }
        if self.notes.iter().any(|(_, note)| !note_fits(note)) {
            return Err(CodeError::Invalid("an empty or too long note"));
        }
        Ok(())
    }

    /// `varint(K)`, then the first position, then each gap less one.
    fn deltas(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, self.picks.len() as u32);
        let mut next = 0;
        for &p in &self.picks {
            put_varint(&mut out, p - next);
            next = p + 1;
        }
        out
    }

    /// One bit per photo, position `i` at bit `i % 8` (least significant
    /// first) of byte `i / 8`.
    fn bitmap(&self) -> Vec<u8> {
        let mut out = vec![0u8; (self.photo_count as usize).div_ceil(8)];
        for &p in &self.picks {
            out[p as usize / 8] |= 1 << (p % 8);
        }
        out
    }

    /// `varint(M)`, then per note the ordinal of its photo among the picks
    /// (first as is, then each gap less one), `varint(len)` and UTF-8.
    fn put_notes(&self, out: &mut Vec<u8>) {
        put_varint(out, self.notes.len() as u32);
        let mut next = 0;
        for (position, note) in &self.notes {
            let ordinal = self.picks.binary_search(position).unwrap_or(0) as u32;
            put_varint(out, ordinal - next);
            next = ordinal + 1;
            put_varint(out, note.len() as u32);
            out.extend_from_slice(note.as_bytes());
        }
    }
}

fn note_fits(note: &str) -> bool {
    !note.is_empty() && note.chars().count() <= NOTE_MAX_CHARS
}

/// Unsigned LEB128: 7 bits at a time, least significant first, the high
/// bit set on every byte but the last.
fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A code found in a text, its tag not checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCode {
    bytes: Vec<u8>,
}

impl SealedCode {
    /// The code in `text`: `[lightproof …]` anywhere in it (line breaks,
    /// spaces and `>` quoting inside are skipped, as a mail may add them),
    /// else the whole text if it is nothing but the code's characters.
    /// `None` if there is none, or it is too short to be one.
    pub fn find(text: &str) -> Option<Self> {
        let inner = match text.find(CODE_START) {
            Some(start) => {
                let rest = &text[start + CODE_START.len()..];
                &rest[..rest.find(CODE_END)?]
            }
            None => text,
        };
        let compact: String = inner
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '>')
            .collect();
        let bytes = base64url_decode(&compact)?;
        (bytes.len() >= MIN_LEN).then_some(Self { bytes })
    }

    pub fn gallery(&self) -> Id {
        self.bytes[2..2 + ID_LEN]
            .try_into()
            .expect("length checked in find")
    }

    /// The id of the manifest whose key seals the code.
    pub fn manifest(&self) -> Id {
        self.bytes[2 + ID_LEN..FIXED_LEN]
            .try_into()
            .expect("length checked in find")
    }

    /// Checks the tag with `manifest_key`, then reads the code.
    pub fn open(&self, manifest_key: &Key32) -> Result<SelectionCode, CodeError> {
        if self.bytes[0] != CODE_VERSION {
            return Err(CodeError::UnsupportedVersion(self.bytes[0]));
        }
        let (payload, tag) = self.bytes.split_at(self.bytes.len() - CODE_TAG_LEN);
        if !bool::from(code_tag(manifest_key, payload).ct_eq(tag)) {
            return Err(CodeError::Tampered);
        }
        read_payload(payload)
    }
}

fn read_payload(payload: &[u8]) -> Result<SelectionCode, CodeError> {
    let flags = payload[1];
    if flags & !(FLAG_DELTAS | FLAG_NOTES | FLAG_NOTES_LEFT_OUT) != 0 {
        return Err(CodeError::Malformed("unknown flags"));
    }
    let mut reader = Reader {
        bytes: &payload[FIXED_LEN..],
    };
    let photo_count = reader.varint()?;
    let picks = if flags & FLAG_DELTAS != 0 {
        reader.deltas(photo_count)?
    } else {
        reader.bitmap(photo_count)?
    };
    let notes = if flags & FLAG_NOTES != 0 {
        reader.notes(&picks)?
    } else {
        Vec::new()
    };
    if !reader.bytes.is_empty() {
        return Err(CodeError::Malformed("bytes after the end"));
    }
    Ok(SelectionCode {
        gallery: payload[2..2 + ID_LEN].try_into().expect("FIXED_LEN"),
        manifest: payload[2 + ID_LEN..FIXED_LEN]
            .try_into()
            .expect("FIXED_LEN"),
        photo_count,
        picks,
        notes,
        notes_left_out: flags & FLAG_NOTES_LEFT_OUT != 0,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodeError> {
        if n > self.bytes.len() {
            return Err(CodeError::Malformed("cut short"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// A canonical LEB128 of at most 32 bits (no needless zero groups).
    fn varint(&mut self) -> Result<u32, CodeError> {
        let mut value: u64 = 0;
        for i in 0..5 {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if (i > 0 && byte == 0) || value > u64::from(u32::MAX) {
                    return Err(CodeError::Malformed(
                        "a number written in more bytes than needed",
                    ));
                }
                return Ok(value as u32);
            }
        }
        Err(CodeError::Malformed("a number too large"))
    }

    fn deltas(&mut self, photo_count: u32) -> Result<Vec<u32>, CodeError> {
        let count = self.varint()?;
        if count > photo_count {
            return Err(CodeError::Malformed("more picks than photos"));
        }
        let mut picks = Vec::with_capacity(count as usize);
        let mut next: u64 = 0;
        for _ in 0..count {
            let position = next + u64::from(self.varint()?);
            if position >= u64::from(photo_count) {
                return Err(CodeError::Malformed("a pick past the last photo"));
            }
            picks.push(position as u32);
            next = position + 1;
        }
        Ok(picks)
    }

    fn bitmap(&mut self, photo_count: u32) -> Result<Vec<u32>, CodeError> {
        let bits = self.take((photo_count as usize).div_ceil(8))?;
        let picks: Vec<u32> = (0..bits.len() as u32 * 8)
            .filter(|&i| bits[i as usize / 8] & (1 << (i % 8)) != 0)
            .collect();
        if picks.last().is_some_and(|&p| p >= photo_count) {
            return Err(CodeError::Malformed("bits set past the last photo"));
        }
        Ok(picks)
    }

    fn notes(&mut self, picks: &[u32]) -> Result<Vec<(u32, String)>, CodeError> {
        let count = self.varint()?;
        if count == 0 || count as usize > picks.len() {
            return Err(CodeError::Malformed("a wrong number of notes"));
        }
        let mut notes = Vec::with_capacity(count as usize);
        let mut next: u64 = 0;
        for _ in 0..count {
            let ordinal = next + u64::from(self.varint()?);
            let position = *picks
                .get(ordinal as usize)
                .ok_or(CodeError::Malformed("a note on a photo that is not chosen"))?;
            next = ordinal + 1;
            let len = self.varint()? as usize;
            let text = core::str::from_utf8(self.take(len)?)
                .map_err(|_| CodeError::Malformed("a note that is not UTF-8"))?;
            if !note_fits(text) {
                return Err(CodeError::Malformed("an empty or too long note"));
            }
            notes.push((position, text.to_owned()));
        }
        Ok(notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(photo_count: u32, picks: Vec<u32>) -> SelectionCode {
        SelectionCode {
            gallery: [1; 16],
            manifest: [2; 16],
            photo_count,
            picks,
            notes: Vec::new(),
            notes_left_out: false,
        }
    }

    fn round_trip(code: &SelectionCode) -> String {
        let key = Key32::from_bytes([9; 32]);
        let text = code.seal(&key).unwrap();
        let sealed = SealedCode::find(&format!("Hello,\n\n{text}\n\nThanks")).unwrap();
        assert_eq!(sealed.gallery(), code.gallery);
        assert_eq!(sealed.manifest(), code.manifest);
        assert_eq!(&sealed.open(&key).unwrap(), code);
        text
    }

    #[test]
    fn sparse_picks_use_deltas_and_dense_ones_a_bitmap() {
        let sparse = round_trip(&code(3000, vec![5, 2999]));
        let dense = round_trip(&code(3000, (0..3000).step_by(6).collect()));
        assert!(sparse.len() < 90, "{sparse}"); // 56 bytes: 75 characters and the brackets
                                                // 500 of 3,000: 375 bytes of bitmap, not 501 of deltas.
        let bytes = base64url_decode(&dense[CODE_START.len()..dense.len() - 1]).unwrap();
        assert_eq!(bytes[1] & FLAG_DELTAS, 0);
        assert_eq!(bytes.len(), FIXED_LEN + 2 + 375 + CODE_TAG_LEN);
        round_trip(&code(0, vec![]));
        round_trip(&code(9, vec![8]));
    }

    #[test]
    fn notes_round_trip_and_must_be_on_picks() {
        let mut c = code(40, vec![3, 7, 39]);
        c.notes = vec![(3, "crop tighter".into()), (39, "Tür größer ✓".into())];
        c.notes_left_out = true;
        round_trip(&c);
        c.notes = vec![(4, "not chosen".into())];
        assert_eq!(
            c.seal(&Key32::from_bytes([9; 32])),
            Err(CodeError::Invalid("a note on a photo that is not chosen"))
        );
    }

    #[test]
    fn an_edited_code_or_another_key_is_refused() {
        let key = Key32::from_bytes([9; 32]);
        let text = code(100, vec![1, 2, 3]).seal(&key).unwrap();
        let sealed = SealedCode::find(&text).unwrap();
        assert_eq!(
            sealed.open(&Key32::from_bytes([8; 32])),
            Err(CodeError::Tampered)
        );
        let mut bytes = sealed.bytes.clone();
        bytes[FIXED_LEN + 2] ^= 1;
        assert_eq!(SealedCode { bytes }.open(&key), Err(CodeError::Tampered));
    }

    #[test]
    fn a_code_is_found_through_line_breaks_and_quoting() {
        let key = Key32::from_bytes([9; 32]);
        let text = code(100, vec![1, 50]).seal(&key).unwrap();
        let (a, b) = text.split_at(30);
        let quoted = format!("> Hi!\n> {a}\n> {b}\n> Bye");
        assert!(SealedCode::find(&quoted).unwrap().open(&key).is_ok());
        let bare = &text[CODE_START.len()..text.len() - 1];
        assert!(SealedCode::find(&format!("  {bare}\n"))
            .unwrap()
            .open(&key)
            .is_ok());
        assert_eq!(SealedCode::find("[lightproof abc]"), None);
        assert_eq!(SealedCode::find("no code here"), None);
    }

    #[test]
    fn non_canonical_numbers_are_refused() {
        assert!(Reader {
            bytes: &[0x80, 0x00]
        }
        .varint()
        .is_err());
        assert!(Reader {
            bytes: &[0xff, 0xff, 0xff, 0xff, 0x1f]
        }
        .varint()
        .is_err());
        assert_eq!(
            Reader {
                bytes: &[0xff, 0xff, 0xff, 0xff, 0x0f]
            }
            .varint(),
            Ok(u32::MAX)
        );
    }
}
