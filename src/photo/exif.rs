//! What a photo's EXIF says that the decode stage uses. It reads bytes
//! from the shoot folder, which may come from anywhere, and needs only the
//! EXIF reader, so the fuzz targets build it alone (the `parsers`
//! feature).

use std::io::Cursor;

/// What the decode stage uses from EXIF.
pub struct ExifFacts {
    /// The Orientation tag's value, if it has one that fits a byte (the
    /// decode stage turns 1 to 8 into a rotation and ignores the rest).
    pub orientation: Option<u8>,
    pub caption: Option<String>,
    /// A camera set to Adobe RGB without embedding a profile: ColorSpace
    /// "uncalibrated" and interoperability index "R03" (DCF option file).
    pub adobe_rgb: bool,
}

/// Orientation, caption and colour hint from EXIF; defaults when absent or
/// unreadable. A broken field or IFD does not lose the others: EXIF as
/// common libraries write it (piexif leaves no next-IFD offset after its
/// Exif and GPS IFDs; editors drop a thumbnail but keep its link) is read
/// as far as it goes, as ImageMagick, Pillow and browsers do.
/// Public for the fuzz target: `bytes` are a whole photo file.
pub fn read_exif(bytes: &[u8]) -> ExifFacts {
    let read = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes));
    let exif = match read {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
        Err(_) => {
            return ExifFacts {
                orientation: None,
                caption: None,
                adobe_rgb: false,
            }
        }
    };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|value| u8::try_from(value).ok());
    let caption = exif
        .get_field(exif::Tag::ImageDescription, exif::In::PRIMARY)
        .and_then(|field| match &field.value {
            exif::Value::Ascii(parts) => parts
                .first()
                .map(|text| String::from_utf8_lossy(text).trim().to_owned()),
            _ => None,
        });
    let uncalibrated = exif
        .get_field(exif::Tag::ColorSpace, exif::In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        == Some(0xFFFF);
    let r03 = exif
        .get_field(exif::Tag::InteroperabilityIndex, exif::In::PRIMARY)
        .is_some_and(|field| matches!(&field.value, exif::Value::Ascii(parts) if parts.first().is_some_and(|p| p.starts_with(b"R03"))));
    ExifFacts {
        orientation,
        caption: caption.filter(|text| !text.is_empty()),
        adobe_rgb: uncalibrated && r03,
    }
}

/// The day a photo was taken (EXIF DateTimeOriginal, else DateTime), as
/// YYYY-MM-DD; `None` when it has no such date or a malformed one.
pub fn date_taken(bytes: &[u8]) -> Option<String> {
    let exif = match exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
    {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
        Err(_) => return None,
    };
    [exif::Tag::DateTimeOriginal, exif::Tag::DateTime]
        .into_iter()
        .find_map(|tag| {
            let field = exif.get_field(tag, exif::In::PRIMARY)?;
            let exif::Value::Ascii(parts) = &field.value else {
                return None;
            };
            // "YYYY:MM:DD HH:MM:SS"
            let text = std::str::from_utf8(parts.first()?.get(..10)?).ok()?;
            let date = text.replace(':', "-");
            crate::format::manifest::is_iso_date(&date).then_some(date)
        })
}
