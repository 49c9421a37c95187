//! What `build` and `rotate` run with, from three sources in order: a flag
//! given on the command line, the `[gallery]` table of the config file,
//! the default (which clap put in a flag that was not given; the defaults
//! live in `lightproof::shoot::settings`). Then the grants: those of the config
//! file, or one for the password given.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::parser::ValueSource;
use clap::ArgMatches;

use lightproof::build::studio::Branding;
use lightproof::build::BuildOptions;
use lightproof::format::header::{Kdf, DEFAULT_KDF};
use lightproof::photo::original::OriginalMetadata;
use lightproof::photo::watermark::Watermark;
use lightproof::shoot::config::{Config, CONFIG_FILE};
use lightproof::shoot::grants::Grant;
use lightproof::shoot::password::{self, Confirm};
use lightproof::shoot::settings::Gallery;
use lightproof::site::viewer::Theme;

use crate::cli::args::{BuildArgs, WatermarkArgs};

type Error = Box<dyn std::error::Error>;

/// Which flags of the subcommand were typed, as opposed to defaulted.
pub struct Given(Option<ArgMatches>);

impl Given {
    pub fn new(matches: &ArgMatches) -> Self {
        Self(matches.subcommand().map(|(_, sub)| sub.clone()))
    }

    /// Panics (in debug builds) when `id` is not a flag: a misspelt key
    /// fails the tests instead of being ignored.
    fn has(&self, id: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|m| m.value_source(id) == Some(ValueSource::CommandLine))
    }
}

/// The flag when it was given, else the file's value, else the flag's
/// default. `$key` is both the flag's id and the `[gallery]` key.
macro_rules! pick {
    ($given:expr, $file:expr, $key:ident, $flag:expr) => {
        if $given.has(stringify!($key)) {
            $flag
        } else {
            $file.$key.take().unwrap_or($flag)
        }
    };
}

/// The build options and grants of a `build` or `rotate` run. Asks for
/// passwords last, once everything else checked out.
pub fn prepare(
    args: BuildArgs,
    given: &Given,
    rotate: bool,
) -> Result<(BuildOptions, Vec<Grant>), Error> {
    let (config_path, config) = match config_file(&args)? {
        Some((path, config)) => (Some(path), config),
        None => (None, Config::default()),
    };
    // Paths in the file are relative to its folder.
    let folder = config_path
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""))
        .to_owned();
    let mut gallery = config.gallery;
    let out = args
        .out
        .clone()
        .or_else(|| gallery.out.take().map(|out| folder.join(out)))
        .ok_or_else(|| no_output_folder(&args.shoot, config_path.as_deref()))?;
    let mut options = BuildOptions::new(&args.shoot, out);
    options.force = args.force;
    options.use_cache = !args.no_cache && !rotate;
    options.allow_weak = args.allow_weak;
    options.cache_dir = args.cache_dir.clone();
    options.kdf = match args.kdf_iterations.or(gallery.kdf_iterations.take()) {
        Some(iterations) => Kdf::Pbkdf2 { iterations },
        None => DEFAULT_KDF,
    };
    options.title = args.title.clone().or(gallery.title.take());
    options.selection_limit = args.selection_limit.or(gallery.selection_limit);
    options.selection_min = args.selection_min.or(gallery.selection_min);
    check_selection_range(options.selection_min, options.selection_limit)?;
    options.remember = pick!(given, gallery, remember, args.remember);
    options.offline_copies = !pick!(given, gallery, web_only, args.web_only);
    options.photographer_email = args
        .photographer_email
        .clone()
        .or(gallery.photographer_email.take());
    let metadata = pick!(
        given,
        gallery,
        original_metadata,
        args.original_metadata.clone()
    );
    options.original_metadata =
        OriginalMetadata::parse(&metadata).expect("checked by clap and by settings");
    options.render.thumb_long_edge = pick!(given, gallery, thumb_size, args.render.thumb_size);
    options.render.preview_long_edge =
        pick!(given, gallery, preview_size, args.render.preview_size);
    options.render.jpeg_quality = pick!(given, gallery, quality, args.render.quality);
    options.render.max_pixels = pick!(given, gallery, max_pixels, args.render.max_pixels);
    options.render.background = pick!(given, gallery, background, args.render.background);
    options.strict = pick!(given, gallery, strict, args.strict);
    options.cover = args.brand.cover.clone().or(gallery.cover.take());
    options.date = args.brand.date.clone().or(gallery.date.take());
    options.branding = Branding {
        name: args.brand.studio.clone().or(gallery.studio.take()),
        logo: args
            .brand
            .studio_logo
            .clone()
            .or_else(|| gallery.studio_logo.take().map(|logo| folder.join(logo))),
        accent: args.brand.accent.or(gallery.accent.take()),
        font: Some(pick!(given, gallery, font, args.brand.font.clone())),
    };
    let theme = pick!(given, gallery, theme, args.brand.theme.clone());
    options.theme = Theme::named(&theme).expect("checked by clap and by settings");
    options.lock_screen_studio =
        pick!(given, gallery, lock_screen, args.brand.lock_screen.clone()) == "studio";
    let mark = watermark(&args.watermark, given, &mut gallery, &folder, &config_path)?;
    options.render.watermark = mark.map(Arc::new);
    let single = SinglePassword {
        expires: args.expires.clone().or(gallery.expires.take()),
        downloads: pick!(given, gallery, downloads, args.downloads),
        password_file: args.password.password_file.clone(),
    };
    let grants = match config_path {
        Some(path) if !config.grants.is_empty() => {
            grants_of(config.grants, &single, &path, &folder)?
        }
        _ => vec![single.grant()?],
    };
    Ok((options, grants))
}

fn no_output_folder(shoot: &Path, config: Option<&Path>) -> Error {
    let config = config
        .map(Path::to_owned)
        .unwrap_or_else(|| shoot.join(CONFIG_FILE));
    format!(
        "no output folder: give --out SITE_DIR, or set out = \"../site\" in the [gallery] table of '{}' (`lightproof init` writes that file)",
        config.display()
    )
    .into()
}

/// `--config`, else `SHOOT_DIR/lightproof.toml` when it exists.
/// A minimum above the limit could never be met by a client.
fn check_selection_range(min: Option<u32>, limit: Option<u32>) -> Result<(), Error> {
    match (min, limit) {
        (Some(min), Some(limit)) if min > limit => Err(format!(
            "selection_min ({min}) is above selection_limit ({limit}): no client could meet it; lower the minimum or raise the limit"
        )
        .into()),
        _ => Ok(()),
    }
}

fn config_file(args: &BuildArgs) -> Result<Option<(PathBuf, Config)>, Error> {
    let default = args.shoot.join(CONFIG_FILE);
    let path = args
        .config
        .clone()
        .or_else(|| default.is_file().then_some(default));
    let Some(path) = path else {
        return Ok(None);
    };
    let config = Config::read(&path)?;
    Ok(Some((path, config)))
}

/// A text or logo given as flags replaces the file's mark; the rest of the
/// watermark's settings are picked one by one.
fn watermark(
    args: &WatermarkArgs,
    given: &Given,
    gallery: &mut Gallery,
    folder: &Path,
    config: &Option<PathBuf>,
) -> Result<Option<Watermark>, Error> {
    let (text, logo) = if args.watermark.is_some() || args.watermark_logo.is_some() {
        (args.watermark.clone(), args.watermark_logo.clone())
    } else {
        let logo = gallery.watermark_logo.take().map(|logo| folder.join(logo));
        (gallery.watermark.take(), logo)
    };
    let mut watermark = match (text, logo) {
        (Some(_), Some(_)) => {
            let config = config.as_deref().unwrap_or(Path::new(CONFIG_FILE));
            return Err(format!(
                "'{}' sets both watermark and watermark_logo: keep one",
                config.display()
            )
            .into());
        }
        (Some(text), None) => Watermark::text(&text)?,
        (None, Some(logo)) => Watermark::logo(&logo)?,
        (None, None) => return Ok(None),
    };
    let position = pick!(
        given,
        gallery,
        watermark_position,
        args.watermark_position.clone()
    );
    watermark.position = position.parse()?;
    watermark.opacity = pick!(given, gallery, watermark_opacity, args.watermark_opacity);
    watermark.size = pick!(given, gallery, watermark_size, args.watermark_size);
    watermark.on_thumbnails = pick!(
        given,
        gallery,
        watermark_thumbnails,
        args.watermark_thumbnails
    );
    Ok(Some(watermark))
}

/// What a gallery with one password gets from the flags and `[gallery]`.
struct SinglePassword {
    expires: Option<String>,
    downloads: bool,
    password_file: Option<PathBuf>,
}

impl SinglePassword {
    fn grant(self) -> Result<Grant, Error> {
        let password = password::obtain(self.password_file.as_deref(), Confirm::Twice)?;
        let mut everyone = Grant::everyone(password);
        everyone.expires = self.expires;
        everyone.download = self.downloads;
        Ok(everyone)
    }
}

/// The `[[grant]]`s of the config file, each with its password.
fn grants_of(
    grants: Vec<lightproof::shoot::config::GrantConfig>,
    single: &SinglePassword,
    config: &Path,
    folder: &Path,
) -> Result<Vec<Grant>, Error> {
    let config = config.display();
    if single.password_file.is_some() {
        return Err(format!(
            "--password-file cannot be used with the grants in '{config}': give each grant a password_file there"
        )
        .into());
    }
    if single.downloads {
        return Err(format!(
            "--downloads (or downloads = true in [gallery]) cannot be used with the grants in '{config}': add download = true to the grants that may download originals"
        )
        .into());
    }
    grants
        .into_iter()
        .map(|grant| {
            let file = grant.password_file.as_ref().map(|f| folder.join(f));
            let password =
                password::obtain_for_grant(&grant.name, file.as_deref(), Confirm::Twice)?;
            Ok(Grant {
                name: grant.name,
                albums: grant.albums,
                password,
                link: grant.link,
                two_factor_link: grant.two_factor_link,
                expires: grant.expires.or_else(|| single.expires.clone()),
                download: grant.download,
            })
        })
        .collect()
}
