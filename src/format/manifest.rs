//! The manifest: everything a password holder may see, encrypted as one
//! blob. JSON (UTF-8), parsed strictly with size limits; unknown fields are
//! ignored so minor versions can add them.
//!
//! Every blob reference pins the blob's exact length and SHA-256, so a host
//! cannot swap, truncate or replace a blob, and even a holder of the blob's
//! key cannot substitute another ciphertext without changing the manifest.

use serde::{de, Deserialize, Deserializer, Serialize};

use super::encoding::{base32, base32_decode, hex, hex_decode};
use super::{FormatError, Id, Key32};

/// Manifest format number inside the JSON.
pub const MANIFEST_FORMAT: u32 = 1;
/// Largest manifest ciphertext a reader accepts (about 40,000 photos).
pub const MAX_MANIFEST_LEN: usize = 16 * 1024 * 1024;
/// Largest rendition blob a reader accepts.
pub const MAX_RENDITION_LEN: u64 = 64 * 1024 * 1024;
/// Largest studio file (logo or font) a reader accepts.
pub const MAX_STUDIO_FILE_LEN: u64 = 4 * 1024 * 1024;
/// The media types a studio logo may have.
pub const LOGO_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/svg+xml"];
/// The media types a studio font may have.
pub const FONT_TYPES: [&str; 3] = ["font/woff2", "font/woff", "font/ttf"];
/// Longest studio name, in bytes.
pub const MAX_STUDIO_NAME_LEN: usize = 200;
/// Largest original a reader accepts (a 4-gigapixel 16-bit TIFF fits).
pub const MAX_ORIGINAL_LEN: u64 = 64 << 30;
const MAX_TEXT_LEN: usize = 4096;
const MAX_PHOTOS: usize = 200_000;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The gallery id from the header, hex.
    pub gallery: String,
    pub title: String,
    pub albums: Vec<Album>,
    /// Last day (YYYY-MM-DD, the viewer's local time) the viewer shows the
    /// photos; advisory only: a static host cannot enforce it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// How many favourites the client may choose, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_limit: Option<u32>,
    /// How many favourites the photographer asks for at least, if any
    /// (never more than `selection_limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_min: Option<u32>,
    /// The viewer may keep this grant unlocked for the browser tab's
    /// session (never the password; see the viewer).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remember: bool,
    /// Where "Send my selection" addresses its email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photographer_email: Option<String>,
    /// The day of the shoot (YYYY-MM-DD), for the cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The cover photo: its number among the manifest's photos, in order
    /// (albums, then photos); the first photo when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<u32>,
    /// The studio's branding, shown only after unlocking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub studio: Option<Studio>,
}

/// Who made the gallery, and how its pages look.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Studio {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An image, blob kind `Studio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<StudioFile>,
    /// The accent colour, `#rrggbb` in lowercase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// A font file for titles, blob kind `Studio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<StudioFile>,
}

/// One file of the studio's branding.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudioFile {
    pub blob: BlobRef,
    pub media_type: String,
}

impl Studio {
    fn is_valid(&self) -> bool {
        let file_ok = |file: &Option<StudioFile>, types: &[&str]| {
            file.as_ref().is_none_or(|file| {
                types.contains(&file.media_type.as_str())
                    && file.blob.size <= MAX_STUDIO_FILE_LEN
                    && file.blob.id_bytes().is_some()
                    && file.blob.sha256_bytes().is_some()
                    && file.blob.sha256_segments_bytes().is_ok()
            })
        };
        self.name.as_deref().is_none_or(|name| {
            name.len() <= MAX_STUDIO_NAME_LEN && !name.chars().any(char::is_control)
        }) && self.accent.as_deref().is_none_or(is_accent)
            && file_ok(&self.logo, &LOGO_TYPES)
            && file_ok(&self.font, &FONT_TYPES)
    }
}

/// Whether `text` is a colour written `#rrggbb` with lowercase hex digits.
pub fn is_accent(text: &str) -> bool {
    text.len() == 7
        && text.starts_with('#')
        && text[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `text` is a calendar date written YYYY-MM-DD.
pub fn is_iso_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (
        year.parse().unwrap_or(0),
        month.parse().unwrap_or(0),
        day.parse().unwrap_or(0),
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Album {
    /// For the client's eyes: the gallery title for the main album, else
    /// the folder names joined with " / ". Never a path: a reader that
    /// writes files makes it one safe part first.
    pub name: String,
    /// The album of the photos at the top of the shoot folder (its name is
    /// the title, which a subfolder may also have). Absent in manifests
    /// written before this member existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub main: bool,
    pub photos: Vec<Photo>,
}

/// Whether `name` can be a file's name as it is on any disk: one
/// non-empty part, not `.` or `..`, without `/`, `\`, NUL or any other
/// control character. Every photo's `file` is one.
pub fn is_safe_file_name(name: &str) -> bool {
    !matches!(name, "" | "." | "..") && !name.chars().any(is_unsafe_char)
}

/// Whether `label` (an album name or the title) holds nothing that could
/// steer a path: no control character or backslash, and no `.` or `..`
/// between its `/`s.
pub fn is_safe_label(label: &str) -> bool {
    !label.chars().any(|c| c != '/' && is_unsafe_char(c))
        && !label
            .split('/')
            .any(|part| matches!(part.trim(), "." | ".."))
}

fn is_unsafe_char(c: char) -> bool {
    c == '/' || c == '\\' || c.is_control()
}

/// Any JSON value in which no object names a member twice.
struct NoDuplicateMembers;

impl<'de> Deserialize<'de> for NoDuplicateMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateMembers)
    }
}

impl<'de> de::Visitor<'de> for NoDuplicateMembers {
    type Value = NoDuplicateMembers;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut items: A) -> Result<Self, A::Error> {
        while items.next_element::<NoDuplicateMembers>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut members: A) -> Result<Self, A::Error> {
        let mut names = std::collections::BTreeSet::new();
        while let Some(name) = members.next_key::<String>()? {
            if !names.insert(name) {
                return Err(de::Error::custom("a member appears twice"));
            }
            members.next_value::<NoDuplicateMembers>()?;
        }
        Ok(self)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Photo {
    /// The source file's name, for the photographer's and client's eyes.
    pub file: String,
    pub caption: Option<String>,
    /// Upright size of the source.
    pub width: u32,
    pub height: u32,
    pub thumb: Rendition,
    pub preview: Rendition,
    /// The original file, only in the manifests of grants that may
    /// download: a view-only grant never holds its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Original>,
}

/// A photo's original file, encrypted as one chunked blob so it can be
/// decrypted as a stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Original {
    pub blob: BlobRef,
    /// Length of the file the client gets (the blob's content, unpadded).
    pub bytes: u64,
    /// CRC-32 (IEEE) of that file, for ZIP headers written before the data.
    pub crc32: u32,
    /// Its media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// Location and serial numbers were removed from the source's metadata;
    /// `false`: the file is the source, byte for byte.
    pub stripped: bool,
    /// The source file's modification time, seconds since 1970 (UTC).
    pub modified: i64,
}

impl Original {
    fn is_valid(&self) -> bool {
        let padded = super::padding::padme(self.bytes.saturating_add(1));
        let chunks = padded / super::chunked::CHUNK_LEN as u64 + 1;
        let expected_size =
            super::chunked::PREFIX_LEN as u64 + padded + chunks * super::chunked::TAG_LEN as u64;
        self.bytes <= MAX_ORIGINAL_LEN
            && self.blob.size == expected_size
            && self.blob.id_bytes().is_some()
            && self.blob.sha256_bytes().is_some()
            && self.blob.sha256_segments_bytes().is_ok()
            && self.media_type.len() <= 100
            && self.media_type.starts_with("image/")
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rendition {
    pub blob: BlobRef,
    pub width: u32,
    pub height: u32,
}

/// How to find and open one blob.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlobRef {
    /// Blob id, base32 (its file is `b/<id>`).
    pub id: String,
    pub key: Key32,
    /// Exact ciphertext length in bytes.
    pub size: u64,
    /// SHA-256 of the ciphertext, hex.
    pub sha256: String,
    /// The segment hash of the ciphertext ([`super::segments`]), hex:
    /// written for originals, so a browser can check one with WebCrypto's
    /// one-shot SHA-256. Absent from manifests written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256_segments: Option<String>,
}

impl BlobRef {
    pub fn new(id: &Id, key: Key32, ciphertext: &[u8]) -> Self {
        use sha2::Digest;
        Self {
            id: base32(id),
            key,
            size: ciphertext.len() as u64,
            sha256: hex(&sha2::Sha256::digest(ciphertext)),
            sha256_segments: None,
        }
    }

    pub fn id_bytes(&self) -> Option<Id> {
        base32_decode::<16>(&self.id)
    }

    pub fn sha256_bytes(&self) -> Option<[u8; 32]> {
        hex_decode::<32>(&self.sha256)
    }

    /// The segment hash, if the blob has one; an error if it is not 64
    /// hex digits.
    pub fn sha256_segments_bytes(&self) -> Result<Option<[u8; 32]>, FormatError> {
        self.sha256_segments
            .as_deref()
            .map(|text| hex_decode::<32>(text).ok_or(FormatError::Damaged))
            .transpose()
    }

    /// Relative path of the blob in the site.
    pub fn path(&self) -> String {
        format!("{}/{}", super::BLOB_DIR, self.id)
    }
}

impl Manifest {
    /// Parses decrypted manifest JSON and checks it belongs to `gallery_id`.
    /// An object that names a member twice is refused at any depth, known
    /// member or not: two readers must never see two different manifests.
    pub fn parse(json: &[u8], gallery_id: &Id) -> Result<Self, FormatError> {
        serde_json::from_slice::<NoDuplicateMembers>(json)
            .map_err(|_| FormatError::BadManifest("not valid JSON, or a member appears twice"))?;
        let manifest: Self =
            serde_json::from_slice(json).map_err(|_| FormatError::BadManifest("not valid JSON"))?;
        manifest.validate(gallery_id)?;
        Ok(manifest)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("manifest types always serialise")
    }

    pub fn photos(&self) -> impl Iterator<Item = (&Album, &Photo)> {
        self.albums
            .iter()
            .flat_map(|album| album.photos.iter().map(move |photo| (album, photo)))
    }

    /// How many photos have an original this manifest's grant may download.
    pub fn originals(&self) -> usize {
        self.photos().filter(|(_, p)| p.original.is_some()).count()
    }

    fn validate(&self, gallery_id: &Id) -> Result<(), FormatError> {
        let bad = FormatError::BadManifest;
        if self.format != MANIFEST_FORMAT {
            return Err(bad("unknown manifest format"));
        }
        if hex_decode::<16>(&self.gallery).as_ref() != Some(gallery_id) {
            return Err(bad("belongs to another gallery"));
        }
        if self.photos().count() > MAX_PHOTOS {
            return Err(bad("too many photos"));
        }
        let mains = self.albums.iter().filter(|album| album.main).count();
        if mains > 1 || (mains == 1 && !self.albums[0].main) {
            return Err(bad("the main album must be the first, and only one"));
        }
        if !self
            .photos()
            .all(|(_, photo)| is_safe_file_name(&photo.file))
        {
            return Err(bad("a file name is not one safe name (a path, '..', a backslash or a control character)"));
        }
        let labels_ok = is_safe_label(&self.title)
            && self.albums.iter().all(|album| is_safe_label(&album.name));
        if !labels_ok {
            return Err(bad(
                "an album name or the title holds a control character, a backslash or a '..' part",
            ));
        }
        let texts_ok = self.title.len() <= MAX_TEXT_LEN
            && self
                .albums
                .iter()
                .all(|album| album.name.len() <= MAX_TEXT_LEN)
            && self.photos().all(|(_, photo)| {
                photo.file.len() <= MAX_TEXT_LEN
                    && photo
                        .caption
                        .as_ref()
                        .is_none_or(|c| c.len() <= MAX_TEXT_LEN)
            });
        if !texts_ok {
            return Err(bad("text too long"));
        }
        if self
            .photographer_email
            .as_ref()
            .is_some_and(|email| email.len() > 254 || !email.contains('@'))
        {
            return Err(bad("invalid photographer email"));
        }
        if self
            .expires
            .as_deref()
            .is_some_and(|date| !is_iso_date(date))
        {
            return Err(bad("invalid expiry date"));
        }
        if self.date.as_deref().is_some_and(|date| !is_iso_date(date)) {
            return Err(bad("invalid date"));
        }
        if self
            .cover
            .is_some_and(|n| n as usize >= self.photos().count())
        {
            return Err(bad("the cover is not one of the photos"));
        }
        if !self.studio.as_ref().is_none_or(Studio::is_valid) {
            return Err(bad("invalid studio"));
        }
        let refs_ok = self.photos().all(|(_, photo)| {
            [&photo.thumb, &photo.preview].iter().all(|rendition| {
                let blob = &rendition.blob;
                blob.id_bytes().is_some()
                    && blob.sha256_bytes().is_some()
                    && blob.sha256_segments_bytes().is_ok()
                    && blob.size <= MAX_RENDITION_LEN
            })
        });
        if !refs_ok {
            return Err(bad("invalid blob reference"));
        }
        let originals_ok = self
            .photos()
            .all(|(_, photo)| photo.original.as_ref().is_none_or(Original::is_valid));
        if !originals_ok {
            return Err(bad("invalid original"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GALLERY: Id = [3; 16];

    fn json(title_member: &str, photo_file: &str) -> String {
        let blob = format!(
            r#"{{"id":"{}","key":"{}","size":100,"sha256":"{}"}}"#,
            base32(&[1; 16]),
            hex(&[2; 32]),
            hex(&[4; 32])
        );
        let rendition = format!(r#"{{"blob":{blob},"width":1,"height":1}}"#);
        format!(
            r#"{{"format":1,"gallery":"{}",{title_member},"albums":[{{"name":"A","main":true,"photos":[{{"file":{},"caption":null,"width":1,"height":1,"thumb":{rendition},"preview":{rendition}}}]}}]}}"#,
            hex(&GALLERY),
            serde_json::to_string(photo_file).unwrap()
        )
    }

    #[test]
    fn a_well_formed_manifest_parses() {
        let manifest = Manifest::parse(json(r#""title":"T""#, "a.jpg").as_bytes(), &GALLERY);
        let manifest = manifest.unwrap();
        assert!(manifest.albums[0].main);
    }

    #[test]
    fn a_segment_hash_is_optional_but_must_be_64_hex_digits() {
        let with = |value: &str| {
            json(r#""title":"T""#, "a.jpg").replace(
                &format!(r#""sha256":"{}""#, hex(&[4; 32])),
                &format!(r#""sha256":"{}","sha256_segments":{value}"#, hex(&[4; 32])),
            )
        };
        let good = with(&format!(r#""{}""#, hex(&[5; 32])));
        let manifest = Manifest::parse(good.as_bytes(), &GALLERY).unwrap();
        let thumb = &manifest.albums[0].photos[0].thumb.blob;
        assert_eq!(thumb.sha256_segments_bytes().unwrap(), Some([5; 32]));
        for bad in [r#""zz""#, r#""""#, &format!(r#""{}""#, hex(&[5; 31]))] {
            assert!(
                Manifest::parse(with(bad).as_bytes(), &GALLERY).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_member_named_twice_is_refused_at_any_depth() {
        let twice = json(r#""title":"T","title":"U""#, "a.jpg");
        let unknown_twice = json(r#""title":"T","x":1,"x":2"#, "a.jpg");
        let nested = json(r#""title":"T","x":{"y":[{"z":1,"z":1}]}"#, "a.jpg");
        let photo_twice =
            json(r#""title":"T""#, "a.jpg").replace(r#""width":1,"#, r#""width":1,"width":2,"#);
        for text in [twice, unknown_twice, nested, photo_twice] {
            assert!(
                Manifest::parse(text.as_bytes(), &GALLERY).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_file_name_must_be_one_safe_name() {
        for name in [
            "../../escape.jpg",
            "a/b.jpg",
            "a\\b.jpg",
            "..",
            ".",
            "",
            "a\u{0}b",
            "\u{1b}[2J",
            "a\u{85}b",
        ] {
            let text = json(r#""title":"T""#, name);
            assert!(
                Manifest::parse(text.as_bytes(), &GALLERY).is_err(),
                "{name:?}"
            );
        }
        for name in ["IMG_0001.jpg", "été .jpg", "...jpg", "a..b.jpg"] {
            let text = json(r#""title":"T""#, name);
            assert!(
                Manifest::parse(text.as_bytes(), &GALLERY).is_ok(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn album_names_are_labels_without_path_tricks() {
        assert!(is_safe_label("Ceremony / Details"));
        assert!(is_safe_label("Smith/Jones wedding"));
        for label in ["a / .. / b", "..", "a\\b", "a\u{0}", "a\nb"] {
            assert!(!is_safe_label(label), "{label:?}");
        }
    }

    #[test]
    fn cover_date_and_studio_are_optional_and_checked() {
        let base = json(r#""title":"T""#, "a.jpg");
        let with = |members: &str| {
            base.replacen(r#""title":"T""#, &format!(r#""title":"T",{members}"#), 1)
        };
        let logo = format!(
            r#"{{"blob":{{"id":"{}","key":"{}","size":100,"sha256":"{}"}},"media_type":"image/png"}}"#,
            base32(&[1; 16]),
            hex(&[2; 32]),
            hex(&[4; 32])
        );
        let good = with(&format!(
            r##""date":"2026-06-14","cover":0,"studio":{{"name":"Lumen Studio","accent":"#8a3b12","logo":{logo}}}"##
        ));
        let manifest = Manifest::parse(good.as_bytes(), &GALLERY).unwrap();
        let studio = manifest.studio.unwrap();
        assert_eq!(studio.name.as_deref(), Some("Lumen Studio"));
        assert_eq!(studio.logo.unwrap().media_type, "image/png");
        for bad in [
            r#""cover":1"#.to_owned(),
            r#""date":"2026-13-01""#.to_owned(),
            r##""studio":{"accent":"#8A3B12"}"##.to_owned(),
            r##""studio":{"accent":"red"}"##.to_owned(),
            r#""studio":{"name":"a
b"}"#
                .to_owned(),
            format!(r#""studio":{{"font":{logo}}}"#),
        ] {
            assert!(
                Manifest::parse(with(&bad).as_bytes(), &GALLERY).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_the_first_album_may_be_the_main_one() {
        let text = json(r#""title":"T""#, "a.jpg");
        let two = text.replace(r#"]}]}"#, r#"]},{"name":"B","main":true,"photos":[]}]}"#);
        assert!(Manifest::parse(two.as_bytes(), &GALLERY).is_err());
        let old = text.replace(r#""main":true,"#, "");
        assert!(
            Manifest::parse(old.as_bytes(), &GALLERY).is_ok(),
            "manifests without the mark still open"
        );
    }
}
