//! The decode stage: one photo file into upright RGB8 pixels.
//!
//! The file is read once; EXIF (orientation, caption) comes from the same
//! bytes. Broken metadata is ignored, never fatal. The pixel count is checked
//! from the header before any pixel buffer is allocated, so a small file that
//! claims 60000×60000 pixels costs nothing. Alpha is flattened on the
//! gallery's background colour (white unless chosen). A JPEG that ends
//! before its last row (a copy cut short) is refused rather than shown
//! with a grey band.
//! Colour comes out as sRGB: an embedded ICC profile (Adobe RGB, Display P3,
//! ProPhoto…) is converted with qcms, a camera's untagged Adobe RGB mode
//! (EXIF ColorSpace "uncalibrated" with interop index R03) is treated as
//! Adobe RGB, and anything without a profile is taken to be sRGB already.
//! Nothing but pixels leaves this stage: EXIF, XMP, ICC and maker notes are
//! gone once the renditions are re-encoded.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

use super::exif::read_exif;

/// How to decode: the limits and the background.
#[derive(Clone, Copy, Debug)]
pub struct Decoding {
    /// Larger photos are refused from their header (decompression bombs).
    pub max_pixels: u64,
    /// JPEGs are decoded at the smallest DCT scale still this long.
    pub min_long_edge: u32,
    /// What transparent pixels are flattened on (RGB).
    pub background: [u8; 3],
}

pub struct Decoded {
    /// Upright pixels (EXIF orientation applied); a JPEG's may be smaller
    /// than the photo (DCT scaling).
    pub image: RgbImage,
    /// The photo's upright size in pixels, whatever the scale decoded.
    pub width: u32,
    pub height: u32,
    /// EXIF ImageDescription, trimmed; `None` when absent or empty.
    pub caption: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    #[error("cannot read '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read '{path}': its contents are not a JPEG, PNG, WebP or TIFF image")]
    UnknownFormat { path: PathBuf },
    #[error("cannot read '{path}': the file is empty (0 bytes); copy it again from the card or a backup")]
    Empty { path: PathBuf },
    #[error("cannot read '{path}': the file is cut short, it ends before the image does (an interrupted copy or download); copy it again from the card or a backup")]
    CutShort { path: PathBuf },
    #[error("'{path}' is {width}×{height} pixels ({} megapixels), more than the limit of {} megapixels (a damaged file, or one made to exhaust memory); if it is a genuine photo, raise the limit with --max-pixels (max_pixels in lightproof.toml)", area_megapixels(.width, .height), megapixels(.limit))]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        limit: u64,
    },
    #[error(
        "cannot decode '{path}': {reason} (the file may be damaged or truncated; re-export it)"
    )]
    Decode { path: PathBuf, reason: String },
    #[error("cannot encode a rendition of '{path}': {reason}")]
    Encode { path: PathBuf, reason: String },
}

fn area_megapixels(width: &u32, height: &u32) -> String {
    megapixels(&(u64::from(*width) * u64::from(*height)))
}

/// Megapixels, rounded to one decimal when below 10.
fn megapixels(pixels: &u64) -> String {
    let mp = *pixels as f64 / 1e6;
    if mp < 10.0 {
        format!("{mp:.1}")
    } else {
        format!("{mp:.0}")
    }
}

impl PhotoError {
    /// The photo's file.
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. }
            | Self::UnknownFormat { path }
            | Self::Empty { path }
            | Self::CutShort { path }
            | Self::TooLarge { path, .. }
            | Self::Decode { path, .. }
            | Self::Encode { path, .. } => path,
        }
    }
}

/// Decodes `path`. JPEGs are decoded at the smallest DCT scale (1/1, 1/2,
/// 1/4 or 1/8) whose long edge is still at least `min_long_edge`, which
/// saves a third of the decoding time and three quarters of the memory for
/// a 24 MP photo (measurements: docs/PERFORMANCE.md).
pub fn decode_photo(path: &Path, how: &Decoding) -> Result<Decoded, PhotoError> {
    let Decoding {
        max_pixels,
        min_long_edge,
        background,
    } = *how;
    let bytes = std::fs::read(path).map_err(|source| PhotoError::Read {
        path: path.to_owned(),
        source,
    })?;
    if bytes.is_empty() {
        return Err(PhotoError::Empty {
            path: path.to_owned(),
        });
    }
    let exif = read_exif(&bytes);
    let orientation = exif
        .orientation
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms);
    let caption = exif.caption;
    let reader = || {
        ImageReader::new(Cursor::new(&bytes[..]))
            .with_guessed_format()
            .ok()
            .filter(|r| r.format().is_some())
            .ok_or_else(|| PhotoError::UnknownFormat {
                path: path.to_owned(),
            })
    };
    let decode_error = |error: image::ImageError| match error {
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PhotoError::CutShort {
                path: path.to_owned(),
            }
        }
        error => PhotoError::Decode {
            path: path.to_owned(),
            reason: error.to_string(),
        },
    };
    let mut header = reader()?.into_decoder().map_err(decode_error)?;
    let (width, height) = header.dimensions();
    let icc = header.icc_profile().ok().flatten();
    drop(header);
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(PhotoError::TooLarge {
            path: path.to_owned(),
            width,
            height,
            limit: max_pixels,
        });
    }
    let (width, height) = upright(width, height, orientation);
    let colour = colour::Source::new(icc.as_deref(), exif.adobe_rgb);
    let is_jpeg = reader()?.format() == Some(image::ImageFormat::Jpeg);
    let scaled = match is_jpeg {
        true => {
            decode_jpeg_scaled(&bytes, min_long_edge).map_err(|CutShort| PhotoError::CutShort {
                path: path.to_owned(),
            })?
        }
        false => None,
    };
    if let Some(image) = scaled {
        let mut image = DynamicImage::ImageRgb8(colour.to_srgb(image));
        image.apply_orientation(orientation);
        return Ok(Decoded {
            image: image.into_rgb8(),
            width,
            height,
            caption,
        });
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(16).max(64 << 20));
    let mut reader = reader()?;
    reader.limits(limits);
    let mut image = reader.decode().map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(Decoded {
        image: colour.to_srgb(flatten_to_rgb(image, background)),
        width,
        height,
        caption,
    })
}

/// The size of a `width`×`height` image once `orientation` is applied.
fn upright(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    match orientation {
        Orientation::Rotate90
        | Orientation::Rotate270
        | Orientation::Rotate90FlipH
        | Orientation::Rotate270FlipH => (height, width),
        _ => (width, height),
    }
}

/// libjpeg-turbo's warning for a file that ends before the image does.
const CUT_SHORT: &str = "Premature end of JPEG file";

/// A JPEG that ends before its last row.
struct CutShort;

/// libjpeg-turbo with DCT scaling; `Ok(None)` when it cannot (CMYK, data it
/// only warns about), so the caller falls back to the `image` decoder and
/// its messages. A file cut short is an error: the `image` decoder would
/// fill the missing rows with grey.
fn decode_jpeg_scaled(bytes: &[u8], min_long_edge: u32) -> Result<Option<RgbImage>, CutShort> {
    match decode_jpeg_scaled_or_not(bytes, min_long_edge) {
        Ok(image) => Ok(image),
        Err(error) if error.to_string().contains(CUT_SHORT) => Err(CutShort),
        Err(_) => Ok(None),
    }
}

fn decode_jpeg_scaled_or_not(
    bytes: &[u8],
    min_long_edge: u32,
) -> turbojpeg::Result<Option<RgbImage>> {
    let mut decompressor = turbojpeg::Decompressor::new()?;
    let header = decompressor.read_header(bytes)?;
    if matches!(
        header.colorspace,
        turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
    ) {
        return Ok(None);
    }
    let long_edge = header.width.max(header.height);
    let denom = [8, 4, 2]
        .into_iter()
        .find(|d| long_edge.div_ceil(*d) >= min_long_edge as usize)
        .unwrap_or(1);
    let factor = turbojpeg::ScalingFactor::new(1, denom);
    decompressor.set_scaling_factor(factor)?;
    let scaled = header.scaled(factor);
    let (width, height) = (scaled.width, scaled.height);
    let Some(size) = width.checked_mul(height).and_then(|n| n.checked_mul(3)) else {
        return Ok(None);
    };
    let mut pixels = vec![0u8; size];
    let output = turbojpeg::Image {
        pixels: &mut pixels[..],
        width,
        pitch: width * 3,
        height,
        format: turbojpeg::PixelFormat::RGB,
    };
    decompressor.decompress(bytes, output)?;
    let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
        return Ok(None);
    };
    Ok(RgbImage::from_raw(width, height, pixels))
}

/// Conversion of decoded pixels to sRGB.
mod colour {
    use std::sync::OnceLock;

    use image::RgbImage;
    use qcms::{DataType, Intent, Profile, Transform};

    /// Adobe RGB (1998): D65 white, its primaries, gamma 563/256.
    fn adobe_rgb() -> Option<Box<Profile>> {
        let white = qcms::CIE_xyY {
            x: 0.3127,
            y: 0.3290,
            Y: 1.0,
        };
        let primary = |x, y| qcms::CIE_xyY { x, y, Y: 1.0 };
        let primaries = qcms::CIE_xyYTRIPLE {
            red: primary(0.64, 0.33),
            green: primary(0.21, 0.71),
            blue: primary(0.15, 0.06),
        };
        let gamma = 563.0 / 256.0;
        Profile::new_rgb_with_gamma_set(white, primaries, gamma, gamma, gamma)
    }

    fn srgb() -> &'static Profile {
        static SRGB: OnceLock<Box<Profile>> = OnceLock::new();
        SRGB.get_or_init(|| {
            let mut profile = Profile::new_sRGB();
            profile.precache_output_transform();
            profile
        })
    }

    /// The colour space decoded pixels are in.
    pub struct Source(Option<Transform>);

    impl Source {
        /// From the embedded ICC profile, else the EXIF Adobe RGB hint,
        /// else sRGB. Profiles qcms cannot use for RGB pixels (grey, CMYK,
        /// damaged) leave the pixels as they are.
        pub fn new(icc: Option<&[u8]>, adobe_rgb_hint: bool) -> Self {
            let profile = match icc {
                Some(icc) => Profile::new_from_slice(icc, false),
                None if adobe_rgb_hint => adobe_rgb(),
                None => None,
            };
            Self(profile.filter(|p| !p.is_sRGB()).and_then(|profile| {
                Transform::new(&profile, srgb(), DataType::RGB8, Intent::Perceptual)
            }))
        }

        pub fn to_srgb(&self, mut image: RgbImage) -> RgbImage {
            if let Some(transform) = &self.0 {
                transform.apply(&mut image);
            }
            image
        }
    }
}

/// RGB8, with any alpha composited over `background` and 16-bit samples
/// reduced.
fn flatten_to_rgb(image: DynamicImage, background: [u8; 3]) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let [br, bg, bb] = background;
        let over = |c: u8, under: u8| {
            let (c, under, a) = (u32::from(c), u32::from(under), u32::from(a));
            ((c * a + under * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over(r, br), over(g, bg), over(b, bb)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG whose top-left quarter is red and the rest blue, 64×32, with
    /// an EXIF APP1 segment carrying `orientation`.
    fn jpeg_with_orientation(orientation: u16) -> Vec<u8> {
        let image = RgbImage::from_fn(64, 32, |x, y| {
            if x < 32 && y < 16 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut jpeg = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        // TIFF (big-endian) with one IFD entry: Orientation (0x0112), SHORT, 1.
        let mut tiff =
            b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut app1 = b"\xff\xe1".to_vec();
        app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        app1.extend_from_slice(b"Exif\0\0");
        app1.extend_from_slice(&tiff);
        [&jpeg[..2], &app1, &jpeg[2..]].concat()
    }

    /// Up to a megapixel, on white.
    fn small(min_long_edge: u32) -> Decoding {
        Decoding {
            max_pixels: 1 << 20,
            min_long_edge,
            background: [255, 255, 255],
        }
    }

    fn is_red(image: &RgbImage, x: u32, y: u32) -> bool {
        let [r, _, b] = image.get_pixel(x, y).0;
        r > 200 && b < 60
    }

    #[test]
    fn all_eight_exif_orientations_come_out_upright() {
        let dir = tempfile::tempdir().unwrap();
        // Where the red quarter lands after applying each orientation:
        // (upright width, height, corner x, corner y).
        let expected = [
            (1, 64, 32, 0, 0),
            (2, 64, 32, 1, 0),
            (3, 64, 32, 1, 1),
            (4, 64, 32, 0, 1),
            (5, 32, 64, 0, 0),
            (6, 32, 64, 1, 0),
            (7, 32, 64, 1, 1),
            (8, 32, 64, 0, 1),
        ];
        for (orientation, width, height, right, bottom) in expected {
            let path = dir.path().join(format!("o{orientation}.jpg"));
            std::fs::write(&path, jpeg_with_orientation(orientation)).unwrap();
            let decoded = decode_photo(&path, &small(4096)).unwrap();
            assert_eq!(
                decoded.image.dimensions(),
                (width, height),
                "orientation {orientation}"
            );
            let x = if right == 1 { width - 4 } else { 3 };
            let y = if bottom == 1 { height - 4 } else { 3 };
            assert!(
                is_red(&decoded.image, x, y),
                "orientation {orientation}: red corner not at ({x},{y})"
            );
        }
    }

    #[test]
    fn broken_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.png");
        std::fs::write(&text, "just some text").unwrap();
        let error = decode_photo(&text, &small(4096)).err().unwrap().to_string();
        assert!(
            error.contains("notes.png") && error.contains("not a JPEG"),
            "{error}"
        );
        let truncated = dir.path().join("cut.jpg");
        std::fs::write(&truncated, &jpeg_with_orientation(1)[..300]).unwrap();
        let error = decode_photo(&truncated, &small(4096))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("cut.jpg"), "{error}");
        let empty = dir.path().join("empty.jpg");
        std::fs::write(&empty, "").unwrap();
        assert!(decode_photo(&empty, &small(4096)).is_err());
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // A valid PNG signature and IHDR claiming 60000×60000, no pixel data.
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&ihdr);
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d".to_vec();
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc.to_be_bytes());
        for (kind, data) in [
            (&b"IDAT"[..], &b"\x78\x9c\x03\x00\x00\x00\x00\x01"[..]),
            (b"IEND", b""),
        ] {
            let chunk = [kind, data].concat();
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            png.extend_from_slice(&chunk);
            png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.png");
        std::fs::write(&path, png).unwrap();
        let how = Decoding {
            max_pixels: 100_000_000,
            ..small(2048)
        };
        let error = decode_photo(&path, &how).err().unwrap();
        assert!(
            matches!(
                error,
                PhotoError::TooLarge {
                    width: 60_000,
                    height: 60_000,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn alpha_is_flattened_on_the_background() {
        let image = image::RgbaImage::from_fn(4, 4, |x, _| {
            if x < 2 {
                image::Rgba([0, 0, 0, 0])
            } else {
                image::Rgba([0, 0, 0, 255])
            }
        });
        let flat = flatten_to_rgb(DynamicImage::ImageRgba8(image.clone()), [255, 255, 255]);
        assert_eq!(flat.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(flat.get_pixel(3, 0).0, [0, 0, 0]);
        let flat = flatten_to_rgb(DynamicImage::ImageRgba8(image), [0x20, 0x40, 0x80]);
        assert_eq!(flat.get_pixel(0, 0).0, [0x20, 0x40, 0x80]);
        assert_eq!(flat.get_pixel(3, 0).0, [0, 0, 0]);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
