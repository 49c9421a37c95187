//! Watermarks: a line of text (drawn with the embedded DejaVu Sans Bold, so
//! no system font is needed) or a logo PNG with alpha, stamped onto
//! renditions.
//!
//! Everything is relative to the rendition, so a watermark looks the same on
//! a 480 px thumbnail and a 2048 px preview: its height is `size` times the
//! image's shorter side (shrunk to fit 90 % of the width), the margin is 3 %
//! of the shorter side, and `opacity` scales the mark's own alpha. Text is
//! white with a soft dark shadow so it reads on light and dark photos.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{imageops, RgbImage, RgbaImage};

const FONT: &[u8] = include_bytes!("../../themes/fonts/DejaVuSans-Bold.ttf");
const MARGIN: f32 = 0.03;
const MAX_WIDTH: f32 = 0.9;
const SHADOW_ALPHA: f32 = 0.55;

/// Where the mark goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
    Center,
    /// Repeated over the whole image in staggered rows.
    Tiled,
}

impl Position {
    pub const DEFAULT: Self = Self::BottomRight;
    pub const NAMES: [&'static str; 6] = [
        "top-left",
        "top-right",
        "bottom-left",
        "bottom-right",
        "center",
        "tiled",
    ];

    /// The name `FromStr` reads.
    pub const fn name(self) -> &'static str {
        match self {
            Self::TopLeft => "top-left",
            Self::TopRight => "top-right",
            Self::BottomLeft => "bottom-left",
            Self::BottomRight => "bottom-right",
            Self::Center => "center",
            Self::Tiled => "tiled",
        }
    }
}

impl FromStr for Position {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Ok(match name {
            "top-left" => Self::TopLeft,
            "top-right" => Self::TopRight,
            "bottom-left" => Self::BottomLeft,
            "bottom-right" => Self::BottomRight,
            "center" | "centre" => Self::Center,
            "tiled" => Self::Tiled,
            _ => {
                return Err(format!(
                    "unknown position '{name}' (choose one of {})",
                    Self::NAMES.join(", ")
                ))
            }
        })
    }
}

/// What is stamped.
#[derive(Clone, Debug)]
pub enum Mark {
    Text(String),
    /// A logo, kept at its full resolution and scaled per rendition.
    Logo(RgbaImage),
}

#[derive(Clone, Debug)]
pub struct Watermark {
    pub mark: Mark,
    pub position: Position,
    /// 0 (invisible) to 1 (the mark's own alpha).
    pub opacity: f32,
    /// The mark's height as a fraction of the image's shorter side.
    pub size: f32,
    /// Also stamp thumbnails (previews always are; originals never).
    pub on_thumbnails: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatermarkError {
    #[error("cannot read the watermark logo '{path}': {reason}")]
    Logo { path: PathBuf, reason: String },
    #[error("the watermark text is empty")]
    EmptyText,
}

impl Watermark {
    pub const DEFAULT_OPACITY: f32 = 0.5;
    pub const DEFAULT_SIZE: f32 = 0.06;

    pub fn text(text: &str) -> Result<Self, WatermarkError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WatermarkError::EmptyText);
        }
        Ok(Self::with_mark(Mark::Text(text.to_owned())))
    }

    pub fn logo(path: &Path) -> Result<Self, WatermarkError> {
        let logo = image::open(path).map_err(|error| WatermarkError::Logo {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        Ok(Self::with_mark(Mark::Logo(logo.into_rgba8())))
    }

    fn with_mark(mark: Mark) -> Self {
        Self {
            mark,
            position: Position::DEFAULT,
            opacity: Self::DEFAULT_OPACITY,
            size: Self::DEFAULT_SIZE,
            on_thumbnails: false,
        }
    }

    /// A stable description of the mark and its settings, for the cache.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mark = match &self.mark {
            Mark::Text(text) => format!("text {text:?}"),
            Mark::Logo(logo) => format!(
                "logo {}x{} {}",
                logo.width(),
                logo.height(),
                crate::format::encoding::hex(&Sha256::digest(logo.as_raw()))
            ),
        };
        format!(
            "{mark} at {:?}, opacity {}, size {}, thumbnails {}",
            self.position, self.opacity, self.size, self.on_thumbnails
        )
    }

    /// Stamps the mark onto `image` in place.
    pub fn apply(&self, image: &mut RgbImage) {
        let (width, height) = image.dimensions();
        let short_side = width.min(height) as f32;
        let target_height = (self.size * short_side).max(1.0);
        let max_width = (MAX_WIDTH * width as f32).max(1.0);
        let Some(stamp) = self.stamp(target_height, max_width) else {
            return;
        };
        let margin = (MARGIN * short_side).round() as i64;
        for (x, y) in self.placements(image.dimensions(), stamp.dimensions(), margin) {
            blend(image, &stamp, x, y, self.opacity.clamp(0.0, 1.0));
        }
    }

    fn stamp(&self, target_height: f32, max_width: f32) -> Option<RgbaImage> {
        match &self.mark {
            Mark::Text(text) => text_stamp(text, target_height, max_width),
            Mark::Logo(logo) => logo_stamp(logo, target_height, max_width),
        }
    }

    /// Top-left corners of every copy of a `stamp`-sized mark.
    fn placements(
        &self,
        (width, height): (u32, u32),
        (stamp_w, stamp_h): (u32, u32),
        margin: i64,
    ) -> Vec<(i64, i64)> {
        let (w, h, sw, sh) = (
            i64::from(width),
            i64::from(height),
            i64::from(stamp_w),
            i64::from(stamp_h),
        );
        let (left, top) = (margin, margin);
        let (right, bottom) = (w - sw - margin, h - sh - margin);
        match self.position {
            Position::TopLeft => vec![(left, top)],
            Position::TopRight => vec![(right, top)],
            Position::BottomLeft => vec![(left, bottom)],
            Position::BottomRight => vec![(right, bottom)],
            Position::Center => vec![((w - sw) / 2, (h - sh) / 2)],
            Position::Tiled => tiles(w, h, sw, sh),
        }
    }
}

/// Staggered rows covering the image, a mark's height apart.
fn tiles(w: i64, h: i64, sw: i64, sh: i64) -> Vec<(i64, i64)> {
    let step_x = sw + sh * 2;
    let step_y = sh * 3;
    let mut tiles = Vec::new();
    for (row, y) in (0..).zip((sh / 2..h).step_by(step_y.max(1) as usize)) {
        let shift = if row % 2 == 0 { 0 } else { -step_x / 2 };
        let mut x = shift;
        while x < w {
            tiles.push((x, y));
            x += step_x.max(1);
        }
    }
    tiles
}

/// White text over a soft shadow, `target_height` px tall (ascent to
/// descent), scaled down to fit `max_width`.
fn text_stamp(text: &str, target_height: f32, max_width: f32) -> Option<RgbaImage> {
    let font = FontRef::try_from_slice(FONT).expect("the embedded font parses");
    let natural = line_width(&font, text, PxScale::from(target_height));
    let scale = if natural > max_width {
        target_height * max_width / natural
    } else {
        target_height
    };
    let scaled = font.as_scaled(PxScale::from(scale));
    let shadow = (scale / 16.0).ceil().max(1.0) as u32;
    let width = line_width(&font, text, PxScale::from(scale)).ceil() as u32 + 2 * shadow + 2;
    let height = (scaled.ascent() - scaled.descent()).ceil() as u32 + 2 * shadow + 2;
    let mut coverage = vec![0f32; (width * height) as usize];
    draw_line(&font, text, scale, &mut coverage, width, height);
    Some(compose_text(&coverage, width, height, shadow))
}

fn line_width(font: &FontRef<'_>, text: &str, scale: PxScale) -> f32 {
    let scaled = font.as_scaled(scale);
    let mut previous = None;
    let mut width = 0.0;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            width += scaled.kern(previous, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Rasterizes `text` into `coverage` (0..1 per pixel), baseline at the ascent.
fn draw_line(
    font: &FontRef<'_>,
    text: &str,
    scale: f32,
    coverage: &mut [f32],
    width: u32,
    height: u32,
) {
    let scaled = font.as_scaled(PxScale::from(scale));
    let mut caret = ab_glyph::point(1.0, 1.0 + scaled.ascent());
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            caret.x += scaled.kern(previous, id);
        }
        let glyph = id.with_scale_and_position(scale, caret);
        caret.x += scaled.h_advance(id);
        previous = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, c| {
            let x = bounds.min.x as i64 + i64::from(gx);
            let y = bounds.min.y as i64 + i64::from(gy);
            if (0..i64::from(width)).contains(&x) && (0..i64::from(height)).contains(&y) {
                let cell = &mut coverage[(y as u32 * width + x as u32) as usize];
                *cell = (*cell + c).min(1.0);
            }
        });
    }
}

/// White text over its own shadow, offset by `shadow` px down and right.
fn compose_text(coverage: &[f32], width: u32, height: u32, shadow: u32) -> RgbaImage {
    let at = |x: i64, y: i64| {
        if x < 0 || y < 0 || x >= i64::from(width) || y >= i64::from(height) {
            0.0
        } else {
            coverage[(y as u32 * width + x as u32) as usize]
        }
    };
    let offset = i64::from(shadow);
    RgbaImage::from_fn(width, height, |x, y| {
        let (x, y) = (i64::from(x), i64::from(y));
        let text = at(x, y);
        let shade = SHADOW_ALPHA * at(x - offset, y - offset);
        let alpha = text + shade * (1.0 - text);
        let value = if alpha > 0.0 { text / alpha } else { 0.0 };
        let grey = (255.0 * value).round() as u8;
        image::Rgba([grey, grey, grey, (255.0 * alpha).round() as u8])
    })
}

fn logo_stamp(logo: &RgbaImage, target_height: f32, max_width: f32) -> Option<RgbaImage> {
    let (w, h) = (logo.width() as f32, logo.height() as f32);
    if w < 1.0 || h < 1.0 {
        return None;
    }
    let scale = (target_height / h).min(max_width / w);
    let (sw, sh) = (
        (w * scale).round().max(1.0) as u32,
        (h * scale).round().max(1.0) as u32,
    );
    Some(imageops::resize(
        logo,
        sw,
        sh,
        imageops::FilterType::CatmullRom,
    ))
}

/// Alpha-blends `stamp` at (`left`, `top`), clipped to the image.
fn blend(image: &mut RgbImage, stamp: &RgbaImage, left: i64, top: i64, opacity: f32) {
    let (width, height) = (i64::from(image.width()), i64::from(image.height()));
    for (sx, sy, pixel) in stamp.enumerate_pixels() {
        let (x, y) = (left + i64::from(sx), top + i64::from(sy));
        let alpha = opacity * f32::from(pixel[3]) / 255.0;
        if alpha <= 0.0 || x < 0 || y < 0 || x >= width || y >= height {
            continue;
        }
        let target = image.get_pixel_mut(x as u32, y as u32);
        for channel in 0..3 {
            let under = f32::from(target[channel]);
            let over = f32::from(pixel[channel]);
            target[channel] = (under + (over - under) * alpha).round() as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREY: u8 = 100;

    fn grey(width: u32, height: u32) -> RgbImage {
        RgbImage::from_pixel(width, height, image::Rgb([GREY; 3]))
    }

    /// The bounding box of pixels the mark changed: (x0, y0, x1, y1).
    fn changed_box(image: &RgbImage) -> Option<(u32, u32, u32, u32)> {
        let changed: Vec<_> = image
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0 != [GREY; 3])
            .map(|(x, y, _)| (x, y))
            .collect();
        let xs = changed.iter().map(|c| c.0);
        let ys = changed.iter().map(|c| c.1);
        Some((xs.clone().min()?, ys.clone().min()?, xs.max()?, ys.max()?))
    }

    #[test]
    fn text_lands_in_the_chosen_corner_at_the_chosen_opacity() {
        let mut mark = Watermark::text("© Studio North").unwrap();
        for (position, left, top) in [
            (Position::TopLeft, true, true),
            (Position::TopRight, false, true),
            (Position::BottomLeft, true, false),
            (Position::BottomRight, false, false),
        ] {
            mark.position = position;
            let mut image = grey(2048, 1365);
            mark.apply(&mut image);
            let (x0, y0, x1, y1) = changed_box(&image).unwrap();
            assert_eq!(x0 < 1024, left, "{position:?}");
            assert_eq!(x1 < 1024, left, "{position:?}");
            assert_eq!(y0 < 682, top, "{position:?}");
            assert_eq!(y1 < 682, top, "{position:?}");
            let brightest = image.pixels().map(|p| p[0]).max().unwrap();
            let expected = f32::from(GREY) + (255.0 - f32::from(GREY)) * 0.5;
            assert!(
                (f32::from(brightest) - expected).abs() <= 1.0,
                "{brightest}"
            );
        }
    }

    #[test]
    fn size_is_relative_so_thumbnail_and_preview_look_alike() {
        let mark = Watermark::text("Proof").unwrap();
        let boxes: Vec<_> = [(2048, 1365), (480, 320)]
            .into_iter()
            .map(|(w, h)| {
                let mut image = grey(w, h);
                mark.apply(&mut image);
                let (x0, y0, x1, y1) = changed_box(&image).unwrap();
                let w = f64::from(w);
                (
                    f64::from(x0) / w,
                    f64::from(y0) / w,
                    f64::from(x1) / w,
                    f64::from(y1) / w,
                )
            })
            .collect();
        let (a, b) = (boxes[0], boxes[1]);
        for (p, q) in [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)] {
            assert!((p - q).abs() < 0.01, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn centre_and_tiled_cover_what_they_promise() {
        let mut mark = Watermark::text("PROOF").unwrap();
        mark.position = Position::Center;
        let mut image = grey(1000, 1000);
        mark.apply(&mut image);
        let (x0, y0, x1, y1) = changed_box(&image).unwrap();
        assert!(((x0 + x1) as i32 / 2 - 500).abs() < 10);
        assert!(((y0 + y1) as i32 / 2 - 500).abs() < 10);
        mark.position = Position::Tiled;
        let mut image = grey(1000, 1000);
        mark.apply(&mut image);
        // Every 200 px square holds part of a mark.
        for cx in 0..5 {
            for cy in 0..5 {
                let touched = (0..200).any(|dx| {
                    (0..200).any(|dy| image.get_pixel(cx * 200 + dx, cy * 200 + dy).0 != [GREY; 3])
                });
                assert!(touched, "square {cx},{cy} has no mark");
            }
        }
    }

    #[test]
    fn a_logo_keeps_its_transparency_and_long_text_fits_the_width() {
        let mut logo = RgbaImage::from_pixel(200, 100, image::Rgba([255, 0, 0, 0]));
        for x in 50..150 {
            for y in 25..75 {
                logo.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
            }
        }
        let mut mark = Watermark::with_mark(Mark::Logo(logo));
        mark.opacity = 1.0;
        mark.size = 0.2;
        let mut image = grey(1000, 500);
        mark.apply(&mut image);
        let (x0, y0, x1, y1) = changed_box(&image).unwrap();
        // 100 px tall logo; its opaque centre is half its width and height.
        assert!((x1 - x0) as i32 - 100 <= 4 && (y1 - y0) as i32 - 50 <= 4);
        assert_eq!(image.get_pixel((x0 + x1) / 2, (y0 + y1) / 2).0, [255, 0, 0]);

        let mark = Watermark::text(&"long ".repeat(40)).unwrap();
        let mut image = grey(800, 600);
        mark.apply(&mut image);
        let (x0, _, x1, _) = changed_box(&image).unwrap();
        assert!(x1 - x0 <= 730, "{x0}..{x1}");
    }
}
