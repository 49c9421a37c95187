//! The render stage: the thumbnail and the preview JPEGs of one photo.
//!
//! The preview fits `preview_long_edge` and the thumbnail is made from the
//! preview (2 ms instead of a second pass over the full image; see the
//! performance notes). Both use Lanczos3 through `fast_image_resize` and are
//! never upscaled. JPEGs (libjpeg-turbo, 6 ms for a 2048 px preview against 21 ms with
//! jpeg-encoder) are baseline 4:2:0 with a JFIF header only: no EXIF,
//! XMP or ICC segment is ever written.

use std::path::Path;
use std::sync::Arc;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use crate::photo::decode::{decode_photo, Decoding, PhotoError};
use crate::photo::watermark::Watermark;

#[derive(Clone, Debug)]
pub struct RenderSettings {
    pub thumb_long_edge: u32,
    pub preview_long_edge: u32,
    pub jpeg_quality: u8,
    /// Larger sources are refused before decoding (decompression bombs).
    pub max_pixels: u64,
    /// What transparent pixels are flattened on (RGB).
    pub background: [u8; 3],
    pub watermark: Option<Arc<Watermark>>,
}

impl RenderSettings {
    pub const DEFAULT_THUMB_LONG_EDGE: u32 = 480;
    pub const DEFAULT_PREVIEW_LONG_EDGE: u32 = 2048;
    pub const DEFAULT_JPEG_QUALITY: u8 = 82;
    /// Photos with more pixels are refused from their header, before any
    /// pixel is decoded: a small file claiming 60000×60000 pixels would
    /// otherwise ask for 10 GB. 100 MP holds every camera sold today (the
    /// largest, medium format, are 150 MP: raise it for those) and stitched
    /// panoramas up to 30000×3300.
    pub const DEFAULT_MAX_PIXELS: u64 = 100_000_000;
    /// White.
    pub const DEFAULT_BACKGROUND: [u8; 3] = [0xff; 3];
}

impl Default for RenderSettings {
    fn default() -> Self {
        Self {
            thumb_long_edge: Self::DEFAULT_THUMB_LONG_EDGE,
            preview_long_edge: Self::DEFAULT_PREVIEW_LONG_EDGE,
            jpeg_quality: Self::DEFAULT_JPEG_QUALITY,
            max_pixels: Self::DEFAULT_MAX_PIXELS,
            background: Self::DEFAULT_BACKGROUND,
            watermark: None,
        }
    }
}

/// Bump when a code change alters renditions, so cached ones are redone.
/// 2: the photo's size in the manifest is its own, not that of the
/// DCT-scaled decode of a large JPEG.
const RENDERER_VERSION: u32 = 2;

impl RenderSettings {
    /// Everything that changes the renditions, hashed: equal fingerprints
    /// mean a cached rendition can be reused.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let watermark = self
            .watermark
            .as_ref()
            .map(|w| w.fingerprint())
            .unwrap_or_default();
        let mut text = format!(
            "renderer {RENDERER_VERSION}; thumb {}; preview {}; quality {}; watermark {watermark}",
            self.thumb_long_edge, self.preview_long_edge, self.jpeg_quality
        );
        // Named only when not the default, so that a gallery built before
        // they could be chosen keeps its cache. The pixel limit changes
        // which photos are in: a lower one must not keep a cached photo
        // it now refuses.
        let default = Self::default();
        if self.background != default.background {
            let [r, g, b] = self.background;
            text.push_str(&format!("; background {r:02x}{g:02x}{b:02x}"));
        }
        if self.max_pixels != default.max_pixels {
            text.push_str(&format!("; max pixels {}", self.max_pixels));
        }
        crate::format::encoding::hex(&Sha256::digest(text.as_bytes()))
    }

    /// What the decode stage needs, for a photo to be made at least
    /// `min_long_edge` pixels long.
    pub fn decoding(&self, min_long_edge: u32) -> Decoding {
        Decoding {
            max_pixels: self.max_pixels,
            min_long_edge,
            background: self.background,
        }
    }
}

pub struct Jpeg {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub struct Rendered {
    /// Upright size of the source.
    pub width: u32,
    pub height: u32,
    pub caption: Option<String>,
    pub thumb: Jpeg,
    pub preview: Jpeg,
}

pub fn render_photo(path: &Path, settings: &RenderSettings) -> Result<Rendered, PhotoError> {
    let decoded = decode_photo(path, &settings.decoding(settings.preview_long_edge))?;
    let (width, height) = (decoded.width, decoded.height);
    let mut resizer = Resizer::new();
    let mut preview = fit(&mut resizer, &decoded.image, settings.preview_long_edge);
    drop(decoded.image);
    let mut thumb = fit(&mut resizer, &preview, settings.thumb_long_edge);
    if let Some(watermark) = &settings.watermark {
        watermark.apply(&mut preview);
        if watermark.on_thumbnails {
            watermark.apply(&mut thumb);
        }
    }
    Ok(Rendered {
        width,
        height,
        caption: decoded.caption,
        thumb: encode_jpeg(path, &thumb, settings.jpeg_quality)?,
        preview: encode_jpeg(path, &preview, settings.jpeg_quality)?,
    })
}

/// The size that fits `long_edge`, keeping the aspect ratio, never larger
/// than the source, at least 1 px per side.
pub fn fitted_size(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= long_edge {
        return (width, height);
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(long_edge) + u64::from(longest) / 2) / u64::from(longest))
            .max(1) as u32
    };
    (scale(width), scale(height))
}

fn fit(resizer: &mut Resizer, source: &RgbImage, long_edge: u32) -> RgbImage {
    let (width, height) = fitted_size(source.width(), source.height(), long_edge);
    if (width, height) == source.dimensions() {
        return source.clone();
    }
    // Typed to RGB8: the untyped `resize` would compile the resizer for
    // all thirteen pixel types into this crate (once more for its unit
    // tests), more than half of the crate's machine code.
    let src = TypedImageRef::<U8x3>::from_buffer(source.width(), source.height(), source.as_raw())
        .expect("RGB8 buffer of the right size");
    let mut pixels = vec![0; width as usize * height as usize * 3];
    let mut dst = TypedImage::<U8x3>::from_buffer(width, height, &mut pixels)
        .expect("RGB8 buffer of the right size");
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize_typed(&src, &mut dst, &options)
        .expect("non-empty images");
    RgbImage::from_raw(width, height, pixels).expect("buffer matches its size")
}

fn encode_jpeg(path: &Path, image: &RgbImage, quality: u8) -> Result<Jpeg, PhotoError> {
    let encode_error = |reason: String| PhotoError::Encode {
        path: path.to_owned(),
        reason,
    };
    let (width, height) = image.dimensions();
    let mut compressor = turbojpeg::Compressor::new().map_err(|e| encode_error(e.to_string()))?;
    compressor
        .set_quality(i32::from(quality))
        .map_err(|e| encode_error(e.to_string()))?;
    compressor
        .set_subsamp(turbojpeg::Subsamp::Sub2x2)
        .map_err(|e| encode_error(e.to_string()))?;
    let pixels = turbojpeg::Image {
        pixels: image.as_raw().as_slice(),
        width: width as usize,
        pitch: width as usize * 3,
        height: height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    let bytes = compressor
        .compress_to_vec(pixels)
        .map_err(|e| encode_error(e.to_string()))?;
    Ok(Jpeg {
        bytes,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_sizes_never_upscale_and_keep_at_least_one_pixel() {
        assert_eq!(fitted_size(6000, 4000, 2048), (2048, 1365));
        assert_eq!(fitted_size(4000, 6000, 480), (320, 480));
        assert_eq!(fitted_size(300, 200, 2048), (300, 200));
        assert_eq!(fitted_size(8000, 12, 480), (480, 1));
        assert_eq!(fitted_size(1, 1, 480), (1, 1));
    }

    #[test]
    fn renditions_have_the_right_sizes_and_no_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.png");
        RgbImage::from_fn(3000, 2000, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        })
        .save(&path)
        .unwrap();
        let rendered = render_photo(&path, &RenderSettings::default()).unwrap();
        assert_eq!((rendered.width, rendered.height), (3000, 2000));
        assert_eq!(
            (rendered.preview.width, rendered.preview.height),
            (2048, 1365)
        );
        assert_eq!((rendered.thumb.width, rendered.thumb.height), (480, 320));
        for jpeg in [&rendered.thumb, &rendered.preview] {
            assert!(jpeg.bytes.starts_with(b"\xff\xd8\xff"));
            assert!(!jpeg.bytes.windows(6).any(|w| w == b"Exif\0\0"));
            let decoded = image::load_from_memory(&jpeg.bytes).unwrap();
            assert_eq!(
                (decoded.width(), decoded.height()),
                (jpeg.width, jpeg.height)
            );
        }
    }
}
