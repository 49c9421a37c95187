//! Build settings: their defaults, their ranges, and the `[gallery]` table
//! of `lightproof.toml`, which keeps them with the shoot so that
//! `lightproof build SHOOT_DIR` needs no flags.
//!
//! Each key of `[gallery]` is the `build` flag of the same name (`_` for
//! `-`), checked against the same range. A flag given on the command line
//! wins over the file, and the file over the default. The defaults and
//! ranges here are the only copy: the flags, the library's own defaults
//! (`RenderSettings::default`, `BuildOptions::new`) and `lightproof init`
//! all read them.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::format::header::DEFAULT_ITERATIONS;
use crate::photo::original::OriginalMetadata;
use crate::photo::render::RenderSettings;
use crate::photo::watermark::{Position, Watermark};

pub const THUMB_SIZE: u32 = RenderSettings::DEFAULT_THUMB_LONG_EDGE;
pub const THUMB_SIZES: RangeInclusive<i64> = 64..=2048;
pub const PREVIEW_SIZE: u32 = RenderSettings::DEFAULT_PREVIEW_LONG_EDGE;
pub const PREVIEW_SIZES: RangeInclusive<i64> = 256..=8192;
pub const QUALITY: u8 = RenderSettings::DEFAULT_JPEG_QUALITY;
pub const QUALITIES: RangeInclusive<i64> = 1..=100;
pub const KDF_ITERATIONS: u32 = DEFAULT_ITERATIONS;
/// 600,000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA-256; above ten
/// million a phone takes too long to open the gallery.
pub const KDF_ITERATION_RANGE: RangeInclusive<i64> = 600_000..=10_000_000;
pub const SELECTION_LIMITS: RangeInclusive<i64> = 1..=100_000;
pub const ORIGINAL_METADATA: &str = OriginalMetadata::DEFAULT.name();
pub const WATERMARK_POSITION: &str = Position::DEFAULT.name();
pub const WATERMARK_OPACITY: f32 = Watermark::DEFAULT_OPACITY;
pub const WATERMARK_SIZE: f32 = Watermark::DEFAULT_SIZE;
pub const MAX_PIXELS: u64 = RenderSettings::DEFAULT_MAX_PIXELS;
/// From 1 MP to 1 GP (3 GB of pixels while decoding).
pub const MAX_PIXEL_RANGE: RangeInclusive<i64> = 1_000_000..=1_000_000_000;
/// What transparent pixels are flattened on, as `#rrggbb`
/// (`RenderSettings::DEFAULT_BACKGROUND`).
pub const BACKGROUND: &str = "#ffffff";
/// The fonts a gallery can use for its titles, bundled with lightproof
/// (themes/fonts, `site::fonts`): `default` is the reader's own system font.
pub const FONTS: [&str; 3] = ["default", "serif", "light"];
pub const FONT: &str = "default";
/// What the public lock screen shows: `private` nothing from the shoot,
/// `studio` the studio's name and logo (never the title).
pub const LOCK_SCREENS: [&str; 2] = ["private", "studio"];
pub const LOCK_SCREEN: &str = "private";
/// The built-in themes (`site::viewer::THEMES`, docs/THEMES.md).
pub const THEMES: [&str; 2] = ["default", "classic"];
pub const THEME: &str = "default";

/// The `[gallery]` table: every build option that is neither a secret nor
/// a path given per run. `None` is "not in the file".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gallery {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "expires")]
    pub expires: Option<String>,
    pub remember: Option<bool>,
    pub web_only: Option<bool>,
    #[serde(default, deserialize_with = "selection_limit")]
    pub selection_limit: Option<u32>,
    #[serde(default, deserialize_with = "selection_min")]
    pub selection_min: Option<u32>,
    pub downloads: Option<bool>,
    #[serde(default, deserialize_with = "original_metadata")]
    pub original_metadata: Option<String>,
    pub photographer_email: Option<String>,
    #[serde(default, deserialize_with = "kdf_iterations")]
    pub kdf_iterations: Option<u32>,
    #[serde(default, deserialize_with = "thumb_size")]
    pub thumb_size: Option<u32>,
    #[serde(default, deserialize_with = "preview_size")]
    pub preview_size: Option<u32>,
    #[serde(default, deserialize_with = "quality")]
    pub quality: Option<u8>,
    pub watermark: Option<String>,
    /// Relative to the config file's folder.
    pub watermark_logo: Option<PathBuf>,
    #[serde(default, deserialize_with = "watermark_position")]
    pub watermark_position: Option<String>,
    #[serde(default, deserialize_with = "watermark_opacity")]
    pub watermark_opacity: Option<f32>,
    #[serde(default, deserialize_with = "watermark_size")]
    pub watermark_size: Option<f32>,
    pub watermark_thumbnails: Option<bool>,
    /// The site folder, relative to the config file's folder.
    pub out: Option<PathBuf>,
    #[serde(default, deserialize_with = "max_pixels")]
    pub max_pixels: Option<u64>,
    #[serde(default, deserialize_with = "background")]
    pub background: Option<[u8; 3]>,
    pub strict: Option<bool>,
    /// The cover photo, relative to the shoot folder ("Ceremony/IMG_1.jpg").
    pub cover: Option<PathBuf>,
    #[serde(default, deserialize_with = "date")]
    pub date: Option<String>,
    pub studio: Option<String>,
    /// Relative to the config file's folder.
    pub studio_logo: Option<PathBuf>,
    #[serde(default, deserialize_with = "accent")]
    pub accent: Option<[u8; 3]>,
    #[serde(default, deserialize_with = "font")]
    pub font: Option<String>,
    #[serde(default, deserialize_with = "theme")]
    pub theme: Option<String>,
    #[serde(default, deserialize_with = "lock_screen")]
    pub lock_screen: Option<String>,
}

impl Gallery {
    /// The keys the table accepts, read from the deserializer serde derives
    /// (so a new field is listed without anyone updating a list).
    pub fn keys() -> &'static [&'static str] {
        let mut keys: &'static [&'static str] = &[];
        let _ = Gallery::deserialize(FieldNames(&mut keys));
        keys
    }
}

/// Checks `text` is a number from 0 to 1 (watermark opacity and size).
pub fn fraction(text: &str) -> Result<f32, String> {
    let value: f32 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is outside 0 to 1"))
    }
}

/// Checks `text` is a calendar date written YYYY-MM-DD.
pub fn iso_date(text: &str) -> Result<String, String> {
    if crate::format::manifest::is_iso_date(text) {
        Ok(text.to_owned())
    } else {
        Err(format!("'{text}' is not a date written YYYY-MM-DD"))
    }
}

/// Reads a colour written `#rrggbb` (as in CSS and image editors).
pub fn colour(text: &str) -> Result<[u8; 3], String> {
    let wrong = || format!("'{text}' is not a colour written #rrggbb, like #ffffff for white");
    let hex = text.strip_prefix('#').ok_or_else(wrong)?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(wrong());
    }
    let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).map_err(|_| wrong());
    Ok([channel(0)?, channel(2)?, channel(4)?])
}

fn in_range<'de, D, T>(d: D, key: &str, range: RangeInclusive<i64>) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let value = i64::deserialize(d)?;
    let (low, high) = (range.start(), range.end());
    match T::try_from(value) {
        Ok(number) if range.contains(&value) => Ok(Some(number)),
        _ => Err(de::Error::custom(format!(
            "{key} must be from {low} to {high}, not {value}"
        ))),
    }
}

fn one_of<'de, D: Deserializer<'de>>(
    d: D,
    key: &str,
    names: &[&str],
) -> Result<Option<String>, D::Error> {
    let value = String::deserialize(d)?;
    if names.contains(&value.as_str()) {
        Ok(Some(value))
    } else {
        Err(invalid(
            key,
            &value,
            format_args!("one of {}", names.join(", ")),
        ))
    }
}

fn in_fraction<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Option<f32>, D::Error> {
    let value = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&value) {
        Ok(Some(value as f32))
    } else {
        Err(invalid(key, &value, format_args!("from 0 to 1")))
    }
}

fn invalid<E: de::Error>(key: &str, value: &dyn Display, wanted: impl Display) -> E {
    E::custom(format!("{key} must be {wanted}, not {value}"))
}

fn expires<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let date = String::deserialize(d)?;
    if crate::format::manifest::is_iso_date(&date) {
        Ok(Some(date))
    } else {
        Err(invalid("expires", &date, "a date written YYYY-MM-DD"))
    }
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let date = String::deserialize(d)?;
    if crate::format::manifest::is_iso_date(&date) {
        Ok(Some(date))
    } else {
        Err(invalid("date", &date, "a date written YYYY-MM-DD"))
    }
}

fn accent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 3]>, D::Error> {
    let value = String::deserialize(d)?;
    colour(&value)
        .map(Some)
        .map_err(|why| de::Error::custom(format!("accent: {why}")))
}

fn font<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    one_of(d, "font", &FONTS)
}

fn theme<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    one_of(d, "theme", &THEMES)
}

fn lock_screen<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    one_of(d, "lock_screen", &LOCK_SCREENS)
}

fn selection_limit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, "selection_limit", SELECTION_LIMITS)
}

fn selection_min<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, "selection_min", SELECTION_LIMITS)
}

fn kdf_iterations<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, "kdf_iterations", KDF_ITERATION_RANGE)
}

fn thumb_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, "thumb_size", THUMB_SIZES)
}

fn preview_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    in_range(d, "preview_size", PREVIEW_SIZES)
}

fn quality<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    in_range(d, "quality", QUALITIES)
}

fn original_metadata<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    one_of(d, "original_metadata", &OriginalMetadata::NAMES)
}

fn watermark_position<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    one_of(d, "watermark_position", &Position::NAMES)
}

fn watermark_opacity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    in_fraction(d, "watermark_opacity")
}

fn max_pixels<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    in_range(d, "max_pixels", MAX_PIXEL_RANGE)
}

fn background<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 3]>, D::Error> {
    let value = String::deserialize(d)?;
    colour(&value)
        .map(Some)
        .map_err(|why| de::Error::custom(format!("background: {why}")))
}

fn watermark_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    in_fraction(d, "watermark_size")
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only field names are read"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("only field names are read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Gallery, String> {
        toml::from_str(text).map_err(|error| error.to_string())
    }

    #[test]
    fn the_default_background_is_the_renderers() {
        assert_eq!(colour(BACKGROUND), Ok(RenderSettings::DEFAULT_BACKGROUND));
    }

    #[test]
    fn colours_are_read_from_rrggbb() {
        assert_eq!(colour("#ffffff"), Ok([255, 255, 255]));
        assert_eq!(colour("#1A2b3C"), Ok([0x1a, 0x2b, 0x3c]));
        for wrong in ["ffffff", "#fff", "#gggggg", "#ffffff0", "#ééé"] {
            assert!(colour(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn keys_are_the_fields_of_the_table() {
        let keys = Gallery::keys();
        assert!(keys.contains(&"thumb_size") && keys.contains(&"out"));
        assert!(keys.len() > 10, "{keys:?}");
    }

    #[test]
    fn values_out_of_range_are_refused_with_their_key() {
        assert_eq!(parse("thumb_size = 64").unwrap().thumb_size, Some(64));
        let error = parse("thumb_size = 63").unwrap_err();
        assert!(
            error.contains("thumb_size must be from 64 to 2048, not 63"),
            "{error}"
        );
        assert!(parse("quality = 256").is_err(), "no wrap-around into u8");
        assert!(parse("kdf_iterations = 599999").is_err());
        assert!(parse("watermark_opacity = 1.5").is_err());
        assert_eq!(
            parse("watermark_size = 1").unwrap().watermark_size,
            Some(1.0)
        );
        assert!(parse("watermark_position = \"middle\"").is_err());
        assert!(parse("original_metadata = \"keep\"").is_ok());
        assert!(parse("expires = \"2026-02-30\"").is_err());
        assert!(parse("thumbsize = 100").is_err());
        assert_eq!(
            parse("max_pixels = 150000000").unwrap().max_pixels,
            Some(150_000_000)
        );
        assert!(parse("max_pixels = 0").is_err());
        assert!(parse("background = \"#1a2B3c\"").is_ok());
        assert!(parse("date = \"2026-06-31\"").is_err());
        assert_eq!(
            parse("accent = \"#8A3B12\"").unwrap().accent,
            Some([0x8a, 0x3b, 0x12])
        );
        assert!(parse("accent = \"teal\"")
            .unwrap_err()
            .contains("accent: 'teal'"));
        assert!(parse("font = \"comic\"")
            .unwrap_err()
            .contains("font must be one of default, serif, light"));
        assert!(parse("lock_screen = \"public\"").is_err());
        assert!(parse("theme = \"classic\"").is_ok());
        assert!(parse("theme = \"fancy\"").is_err());
        let error = parse("background = \"grey\"").unwrap_err();
        assert!(
            error.contains("background: 'grey' is not a colour"),
            "{error}"
        );
    }
}
