//! What a build is asked to do: the command line and `lightproof.toml`,
//! merged by the CLI.

use std::path::PathBuf;

use crate::build::studio::Branding;
use crate::format::header::{Kdf, DEFAULT_KDF};
use crate::photo::original::OriginalMetadata;
use crate::photo::render::RenderSettings;
use crate::site::viewer::Theme;

#[derive(Clone, Debug)]
pub struct BuildOptions {
    pub shoot: PathBuf,
    pub out: PathBuf,
    pub force: bool,
    pub render: RenderSettings,
    /// The password KDF: Argon2id by default, PBKDF2 on request.
    pub kdf: Kdf,
    /// Gallery title; the shoot folder's name when `None`.
    pub title: Option<String>,
    /// Reuse what the last build made (false: `--no-cache`).
    pub use_cache: bool,
    /// Where the cache lives; the user's cache folder when `None`.
    pub cache_dir: Option<PathBuf>,
    /// Build even with passwords that are easy to guess.
    pub allow_weak: bool,
    /// Let the viewer stay unlocked for the browser tab's session.
    pub remember: bool,
    /// "Choose up to N" favourites, shown by the viewer.
    pub selection_limit: Option<u32>,
    /// "Choose at least N" favourites, shown by the viewer (≤ the limit).
    pub selection_min: Option<u32>,
    /// The address "Send my selection" writes to.
    pub photographer_email: Option<String>,
    /// What downloaded originals keep of the source's metadata.
    pub original_metadata: OriginalMetadata,
    /// Write offline copies so the site also opens from a disk (`offline`).
    pub offline_copies: bool,
    /// Fail, writing nothing, when any photo cannot be read.
    pub strict: bool,
    /// The cover photo, relative to the shoot folder; the first photo when
    /// `None`.
    pub cover: Option<PathBuf>,
    /// The day of the shoot; the cover's EXIF date when `None`.
    pub date: Option<String>,
    pub branding: Branding,
    /// The look of the pages.
    pub theme: &'static Theme,
    /// The lock screen shows the studio's name and logo (public).
    pub lock_screen_studio: bool,
}

impl BuildOptions {
    pub fn new(shoot: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            shoot: shoot.into(),
            out: out.into(),
            force: false,
            render: RenderSettings::default(),
            kdf: DEFAULT_KDF,
            title: None,
            use_cache: true,
            cache_dir: None,
            allow_weak: false,
            selection_limit: None,
            selection_min: None,
            photographer_email: None,
            remember: false,
            original_metadata: OriginalMetadata::default(),
            offline_copies: true,
            strict: false,
            cover: None,
            date: None,
            branding: Branding::default(),
            theme: Default::default(),
            lock_screen_studio: false,
        }
    }
}
