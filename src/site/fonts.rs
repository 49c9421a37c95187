//! The fonts a gallery can carry for its titles (`[gallery] font`): a
//! small set bundled in the binary (themes/fonts, with their licence), so
//! a gallery never asks another host for a font. The build delivers the
//! chosen one as an encrypted blob, like the photos.

/// One bundled font: its `[gallery] font` name, media type and bytes.
pub struct BundledFont {
    pub name: &'static str,
    pub media_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every bundled font; `default` (the client's system font) is none of them.
pub const FONTS: &[BundledFont] = &[
    BundledFont {
        name: "serif",
        media_type: "font/woff2",
        bytes: include_bytes!("../../themes/fonts/DejaVuSerifCondensed.woff2"),
    },
    BundledFont {
        name: "light",
        media_type: "font/woff2",
        bytes: include_bytes!("../../themes/fonts/DejaVuSans-ExtraLight.woff2"),
    },
];

/// The bundled font called `name`, if it is one.
pub fn font(name: &str) -> Option<&'static BundledFont> {
    FONTS.iter().find(|font| font.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fonts_are_woff2() {
        for name in ["serif", "light"] {
            assert!(font(name).unwrap().bytes.starts_with(b"wOF2"), "{name}");
        }
        assert!(font("default").is_none());
    }
}
