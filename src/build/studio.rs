//! The cover and the studio: which photo opens the gallery, the day of the
//! shoot, and the studio's name, accent colour, logo and font. The logo and
//! the font are sealed as blobs of kind `Studio`, like the photos, so
//! nothing of the studio is public unless the lock screen shows it.

use std::path::{Path, PathBuf};

use crate::build::encrypt::Sealer;
use crate::format::manifest::{
    Album, Studio, StudioFile, LOGO_TYPES, MAX_STUDIO_FILE_LEN, MAX_STUDIO_NAME_LEN,
};
use crate::format::BlobKind;
use crate::shoot::scan::{display_name, Shoot};
use crate::site::viewer::{LockLogo, LockStudio};
use crate::site::writer::{SiteWriter, WriteError};

/// The largest logo file: sealed and padded, it stays under the
/// manifest's `MAX_STUDIO_FILE_LEN`.
const MAX_LOGO_LEN: u64 = 3 << 20;
const _: () = assert!(MAX_LOGO_LEN + MAX_LOGO_LEN / 8 + 8192 < MAX_STUDIO_FILE_LEN);

/// The studio's branding, as the photographer set it.
#[derive(Clone, Debug, Default)]
pub struct Branding {
    pub name: Option<String>,
    /// An image file (PNG, JPEG, WebP or SVG).
    pub logo: Option<PathBuf>,
    pub accent: Option<[u8; 3]>,
    /// A bundled font's name (`site::fonts`); `default` or `None` is none.
    pub font: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudioError {
    #[error("the cover '{0}' is not a photo of the shoot (give its path inside the shoot folder, like \"Ceremony/IMG_0201.jpg\")")]
    CoverNotInShoot(PathBuf),
    #[error("cannot read the studio logo '{path}': {source}")]
    LogoRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the studio logo '{0}' is not a PNG, JPEG, WebP or SVG file")]
    LogoType(PathBuf),
    #[error("the studio logo '{path}' is {bytes} bytes; a logo must be at most 3 MiB (export it smaller)")]
    LogoTooLarge { path: PathBuf, bytes: u64 },
    #[error("the studio name is longer than {MAX_STUDIO_NAME_LEN} bytes or holds a line break or a control character")]
    Name,
    #[error("lock_screen = \"studio\" shows the studio's name and logo, but neither studio nor studio_logo is set")]
    LockScreenEmpty,
    #[error("cannot write the studio's files: {0}")]
    Write(#[from] WriteError),
}

/// Where the cover photo is in the shoot: its album (index in
/// `shoot.albums`) and its file name as the manifest writes it.
#[derive(Clone, Debug)]
pub struct CoverPhoto {
    album: usize,
    file: String,
    pub path: PathBuf,
}

/// The cover `chosen` (relative to the shoot folder), else the first photo.
pub fn cover_photo(shoot: &Shoot, chosen: Option<&Path>) -> Result<CoverPhoto, StudioError> {
    let found = shoot.albums.iter().enumerate().find_map(|(album, source)| {
        let path = source.photos.iter().find(|path| match chosen {
            Some(chosen) => path.strip_prefix(&shoot.root).ok() == Some(chosen),
            None => true,
        })?;
        Some(CoverPhoto {
            album,
            file: display_name(path.file_name().unwrap_or_default()),
            path: path.clone(),
        })
    });
    found.ok_or_else(|| StudioError::CoverNotInShoot(chosen.unwrap_or(Path::new("")).to_owned()))
}

/// The cover's number among the photos of `albums` (each with the index of
/// its source album), as a manifest numbers them; `None` when the cover is
/// not among them (a grant that does not open its album sees its first
/// photo instead).
pub fn cover_number(cover: &CoverPhoto, albums: &[(usize, &Album)]) -> Option<u32> {
    let mut before = 0;
    for (source, album) in albums {
        if *source == cover.album {
            let at = album.photos.iter().position(|p| p.file == cover.file)?;
            return u32::try_from(before + at).ok();
        }
        before += album.photos.len();
    }
    None
}

/// The day the cover was taken, from its EXIF, as YYYY-MM-DD.
pub fn date_taken(cover: &CoverPhoto) -> Option<String> {
    let bytes = std::fs::read(&cover.path).ok()?;
    crate::photo::exif::date_taken(&bytes)
}

/// The branding checked and read, before any photo is rendered, so that a
/// wrong logo stops the build before it writes anything.
pub struct ReadBranding<'a> {
    branding: &'a Branding,
    logo: Option<(Vec<u8>, &'static str)>,
}

pub fn read_branding(branding: &Branding) -> Result<ReadBranding<'_>, StudioError> {
    if branding
        .name
        .as_deref()
        .is_some_and(|name| name.len() > MAX_STUDIO_NAME_LEN || name.chars().any(char::is_control))
    {
        return Err(StudioError::Name);
    }
    let logo = branding.logo.as_deref().map(read_logo).transpose()?;
    Ok(ReadBranding { branding, logo })
}

/// Seals the logo and the font and returns the manifest's `studio`, with
/// the ids of the blobs written; `None` when nothing is branded.
pub fn seal_studio(
    read: &ReadBranding<'_>,
    sealer: &Sealer,
    writer: &SiteWriter,
) -> Result<(Option<Studio>, Vec<String>), StudioError> {
    let branding = read.branding;
    let mut ids = Vec::new();
    let mut seal = |bytes: &[u8], media_type: &str| -> Result<StudioFile, StudioError> {
        let sealed = sealer.seal(BlobKind::Studio, bytes);
        writer.write_blob(&sealed.id, &sealed.ciphertext)?;
        ids.push(sealed.blob.id.clone());
        Ok(StudioFile {
            blob: sealed.blob,
            media_type: media_type.to_owned(),
        })
    };
    let logo = match &read.logo {
        Some((bytes, media_type)) => Some(seal(bytes, media_type)?),
        None => None,
    };
    let font = match branding.font.as_deref().and_then(crate::site::fonts::font) {
        Some(font) => Some(seal(font.bytes, font.media_type)?),
        None => None,
    };
    let studio = Studio {
        name: branding.name.clone().filter(|name| !name.trim().is_empty()),
        logo,
        accent: branding
            .accent
            .map(|[r, g, b]| format!("#{r:02x}{g:02x}{b:02x}")),
        font,
    };
    let empty = studio.name.is_none()
        && studio.logo.is_none()
        && studio.accent.is_none()
        && studio.font.is_none();
    Ok((if empty { None } else { Some(studio) }, ids))
}

/// The logo's bytes and media type, told by its first bytes (an SVG by
/// its name and an `<svg` element).
fn read_logo(path: &Path) -> Result<(Vec<u8>, &'static str), StudioError> {
    let size = std::fs::metadata(path)
        .map_err(|source| StudioError::LogoRead {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > MAX_LOGO_LEN {
        return Err(StudioError::LogoTooLarge {
            path: path.to_owned(),
            bytes: size,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| StudioError::LogoRead {
        path: path.to_owned(),
        source,
    })?;
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
        && String::from_utf8_lossy(&bytes).contains("<svg");
    let media_type = match &bytes[..] {
        [0x89, b'P', b'N', b'G', ..] => LOGO_TYPES[0],
        [0xff, 0xd8, 0xff, ..] => LOGO_TYPES[1],
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => LOGO_TYPES[2],
        _ if svg => LOGO_TYPES[3],
        _ => return Err(StudioError::LogoType(path.to_owned())),
    };
    Ok((bytes, media_type))
}

/// What the public lock screen shows when the photographer opted in: the
/// studio's name and logo, and nothing else of the shoot.
pub fn lock_studio(read: &ReadBranding<'_>) -> Result<LockStudio, StudioError> {
    use base64::Engine as _;
    let name = read.branding.name.clone().filter(|n| !n.trim().is_empty());
    let logo = read.logo.as_ref().map(|(bytes, media_type)| LockLogo {
        media_type: (*media_type).to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    });
    if name.is_none() && logo.is_none() {
        return Err(StudioError::LockScreenEmpty);
    }
    Ok(LockStudio { name, logo })
}
