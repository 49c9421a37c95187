//! Command-line definition (clap derive). No logic here.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use lightproof::shoot::settings;

const EXIT_CODES: &str = "Exit codes:
  0  done
  1  done, with problems: some photos could not be read (build), or the gallery is incomplete or damaged (verify)
  2  nothing done: bad arguments or config file, wrong password, unreadable shoot or output folder, or (build --strict) a photo that cannot be read";

/// Static encrypted photo galleries for client proofs: build a site that any
/// file host can serve; only people with the password can see the photos.
#[derive(Debug, Parser)]
#[command(name = "lightproof", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The command line, with the exit codes under every subcommand's help
/// (new subcommands get them too). Parsing, completions and the man page
/// all start here.
pub fn command() -> clap::Command {
    Cli::command().mut_subcommands(|sub| sub.after_help(EXIT_CODES))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented lightproof.toml with every build option into a
    /// shoot folder
    Init(InitArgs),
    /// Build an encrypted gallery from a shoot folder
    Build(Box<BuildArgs>),
    /// Revoke: rebuild under new keys, new file names and new links, and
    /// list the old files to delete from the host
    Rotate(Box<BuildArgs>),
    /// Check that a gallery is complete and every file decrypts
    Verify(VerifyArgs),
    /// Write a built gallery as one self-contained HTML file (for a small
    /// proof set sent by email or chat); opens from disk and from any host
    #[command(after_help = EXIT_CODES)]
    Bundle(BundleArgs),
    /// Pack a gallery folder into one reproducible .zip, to archive it or
    /// to upload it to a host that takes archives
    #[command(after_help = EXIT_CODES)]
    Pack(PackArgs),
    /// List the files to upload and to delete to turn a published gallery
    /// into a new build (upload in the order printed)
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
    /// Upload a gallery to S3-compatible object storage (or a folder) in
    /// the safe order: blobs first, the header last, stale files after;
    /// only what changed goes up
    #[command(after_help = EXIT_CODES)]
    Publish(PublishArgs),
    /// Print the key links of a gallery built with `link = true` or
    /// `two_factor_link = true` in lightproof.toml
    Link(LinkArgs),
    /// Map a client's selection back to the source files of the shoot
    Picks(PicksArgs),
    /// Give a client the originals of exactly the photos they chose: a new
    /// password that opens those photos and nothing else (only gallery.bin
    /// changes, and one new file in b/)
    GrantPicks(GrantPicksArgs),
    /// Print a strong random passphrase (EFF word list, at least 77 bits)
    Passwd(PasswdArgs),
    /// Preview a gallery on this computer: serve it on 127.0.0.1 with the
    /// recommended headers (see docs/HOSTING.md)
    Serve(ServeArgs),
    /// Print a shell completion script, e.g. `lightproof completions bash
    /// > ~/.local/share/bash-completion/completions/lightproof`
    Completions(CompletionsArgs),
    /// Print the manual page, or write one per subcommand with --out
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Shoot folder: top-level photos and one album per subfolder
    #[arg(value_name = "SHOOT_DIR", value_hint = clap::ValueHint::DirPath)]
    pub shoot: PathBuf,

    /// Folder to write the site into [default: `out` in lightproof.toml]
    #[arg(short, long, value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub password: PasswordArgs,

    /// Config file: build options ([gallery]) and several passwords, each
    /// opening some albums ([[grant]]); flags given here win over it
    /// [default: SHOOT_DIR/lightproof.toml when it exists]
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// Last day the viewer shows the photos, YYYY-MM-DD (advisory: delete
    /// the gallery from the host to really end access)
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,

    /// Let the viewer stay unlocked across reloads until the browser tab
    /// is closed or the client presses Lock (it keeps a wrapped key, never
    /// the password)
    #[arg(long)]
    pub remember: bool,

    /// Let clients choose at most N favourites ("choose up to 25")
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(settings::SELECTION_LIMITS))]
    pub selection_limit: Option<u32>,

    /// Ask clients to choose at least N favourites before they send their
    /// selection ("choose at least 10"); at most --selection-limit
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(settings::SELECTION_LIMITS))]
    pub selection_min: Option<u32>,

    /// Let the client download the original files (for several passwords,
    /// set download = true on a grant in lightproof.toml instead)
    #[arg(long)]
    pub downloads: bool,

    /// What downloaded originals keep: "strip" removes location (GPS,
    /// place names) and serial numbers, "keep" delivers the files byte for
    /// byte
    #[arg(long, value_name = "HOW", default_value = settings::ORIGINAL_METADATA,
          value_parser = clap::builder::PossibleValuesParser::new(lightproof::photo::original::OriginalMetadata::NAMES))]
    pub original_metadata: String,

    /// Your email address, for the client's "Send my selection" button
    #[arg(long, value_name = "ADDRESS")]
    pub photographer_email: Option<String>,

    /// Gallery title (default: the shoot folder's name)
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// Write into a non-empty folder that is not a gallery
    #[arg(long)]
    pub force: bool,

    /// Use PBKDF2 with N iterations (600,000 to 10,000,000) instead of the
    /// default Argon2id (64 MiB, 3 passes), which resists guessing on
    /// graphics cards far better
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(settings::KDF_ITERATION_RANGE))]
    pub kdf_iterations: Option<u32>,

    /// Also write the gallery as one self-contained HTML file, for a small
    /// proof set sent by email or chat (warns above 50 MB)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub single_file: Option<PathBuf>,

    /// Skip the offline copies (`*.js` beside each encrypted file) that let
    /// the gallery open from a disk or USB stick by double-clicking
    /// index.html; for galleries only ever served by a web host (the upload
    /// is then about 57 % smaller)
    #[arg(long)]
    pub web_only: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Build even if a password is easy to guess or contains the gallery's
    /// title or an album name
    #[arg(long)]
    pub allow_weak: bool,

    /// Render every photo again instead of reusing unchanged ones from the
    /// last build (new keys for everything; the cache is then rewritten)
    #[arg(long)]
    pub no_cache: bool,

    /// Where to keep the build cache [default: $XDG_CACHE_HOME/lightproof or ~/.cache/lightproof]
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, env = "LIGHTPROOF_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    #[command(flatten)]
    pub render: RenderArgs,

    #[command(flatten)]
    pub watermark: WatermarkArgs,

    #[command(flatten)]
    pub brand: BrandArgs,

    /// Stop at the first photo that cannot be read (damaged, truncated, too
    /// large, not an image), before writing anything; without it such
    /// photos are left out, listed, and the build exits with code 1
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Renditions")]
pub struct RenderArgs {
    /// Long edge of thumbnails, in pixels
    #[arg(long, value_name = "PX", default_value_t = settings::THUMB_SIZE,
          value_parser = clap::value_parser!(u32).range(settings::THUMB_SIZES))]
    pub thumb_size: u32,

    /// Long edge of previews (the lightbox image), in pixels
    #[arg(long, value_name = "PX", default_value_t = settings::PREVIEW_SIZE,
          value_parser = clap::value_parser!(u32).range(settings::PREVIEW_SIZES))]
    pub preview_size: u32,

    /// JPEG quality of thumbnails and previews
    #[arg(long, value_name = "1-100", default_value_t = settings::QUALITY,
          value_parser = clap::value_parser!(u8).range(settings::QUALITIES))]
    pub quality: u8,

    /// Refuse photos with more pixels than N, from their header and before
    /// decoding them (protects against files made to exhaust memory; raise
    /// it for photos above 100 megapixels)
    #[arg(long, value_name = "N", default_value_t = settings::MAX_PIXELS,
          value_parser = clap::builder::RangedI64ValueParser::<u64>::new().range(settings::MAX_PIXEL_RANGE))]
    pub max_pixels: u64,

    /// Colour that transparent parts of PNG, WebP and TIFF photos are
    /// shown on, written #rrggbb
    #[arg(long, value_name = "#RRGGBB", default_value = settings::BACKGROUND,
          value_parser = settings::colour)]
    pub background: [u8; 3],
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Cover and branding")]
pub struct BrandArgs {
    /// The cover photo, relative to the shoot folder, e.g.
    /// "Ceremony/IMG_0201.jpg" [default: the first photo]
    #[arg(long, value_name = "PHOTO")]
    pub cover: Option<PathBuf>,

    /// The day of the shoot on the cover, YYYY-MM-DD [default: when the
    /// cover photo was taken, from its EXIF]
    #[arg(long, value_name = "DATE", value_parser = settings::iso_date)]
    pub date: Option<String>,

    /// Your studio's name, on the cover (and on the lock screen with
    /// --lock-screen studio)
    #[arg(long, value_name = "NAME")]
    pub studio: Option<String>,

    /// Your studio's logo: a PNG, JPEG, WebP or SVG file, delivered
    /// encrypted like the photos
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub studio_logo: Option<PathBuf>,

    /// Accent colour of buttons and links, written #rrggbb; the text on it
    /// is black or white, whichever reads better
    #[arg(long, value_name = "#RRGGBB", value_parser = settings::colour)]
    pub accent: Option<[u8; 3]>,

    /// Font of the titles, bundled with lightproof and delivered encrypted:
    /// "serif" (DejaVu Serif Condensed), "light" (DejaVu Sans ExtraLight),
    /// or "default", the client's own system font
    #[arg(long, value_name = "NAME", default_value = settings::FONT,
          value_parser = clap::builder::PossibleValuesParser::new(settings::FONTS))]
    pub font: String,

    /// The look of the gallery's pages (built into lightproof; see
    /// docs/THEMES.md)
    #[arg(long, value_name = "NAME", default_value = settings::THEME,
          value_parser = clap::builder::PossibleValuesParser::new(settings::THEMES))]
    pub theme: String,

    /// What the public page shows before the password: "private" nothing
    /// from the shoot, "studio" your studio's name and logo (never the
    /// title)
    #[arg(long, value_name = "WHAT", default_value = settings::LOCK_SCREEN,
          value_parser = clap::builder::PossibleValuesParser::new(settings::LOCK_SCREENS))]
    pub lock_screen: String,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Watermark")]
pub struct WatermarkArgs {
    /// Stamp this text on every preview, e.g. "© Studio North"
    #[arg(long, value_name = "TEXT", conflicts_with = "watermark_logo")]
    pub watermark: Option<String>,

    /// Stamp this PNG (transparency is kept) on every preview (in
    /// lightproof.toml: relative to that file)
    #[arg(long, value_name = "PNG", value_hint = clap::ValueHint::FilePath)]
    pub watermark_logo: Option<PathBuf>,

    /// Where the watermark goes
    #[arg(long, value_name = "WHERE", default_value = settings::WATERMARK_POSITION,
          value_parser = clap::builder::PossibleValuesParser::new(lightproof::photo::watermark::Position::NAMES))]
    pub watermark_position: String,

    /// Watermark opacity, 0 to 1
    #[arg(long, value_name = "0-1", default_value_t = settings::WATERMARK_OPACITY,
          value_parser = settings::fraction)]
    pub watermark_opacity: f32,

    /// Watermark height as a fraction of the photo's shorter side
    #[arg(long, value_name = "0-1", default_value_t = settings::WATERMARK_SIZE,
          value_parser = settings::fraction)]
    pub watermark_size: f32,

    /// Also stamp thumbnails (originals are never stamped)
    #[arg(long)]
    pub watermark_thumbnails: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Gallery folder (the output of `lightproof build`), its .zip from
    /// `lightproof pack` (checked without unpacking), or where it was
    /// published: s3://BUCKET/PREFIX/ (read as clients get it)
    #[arg(value_name = "SITE", value_hint = clap::ValueHint::AnyPath)]
    pub site: PathBuf,

    #[command(flatten)]
    pub storage: StorageArgs,

    /// Read a password from the first line of FILE; repeat to check several
    /// grants in one run [default: LIGHTPROOF_PASSWORD, else asked]
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub password_file: Vec<PathBuf>,

    /// Also check the grant a key link opens, as `lightproof link` prints it
    /// (`…#k=…`, or `…#k2=…` with the grant's password); repeat for several
    #[arg(long, value_name = "URL")]
    pub link: Vec<String>,

    /// Where the build cache lives (as for `build`): on the computer that
    /// built the gallery, verify also checks that every grant's manifest is
    /// the one the build wrote, and names the grants it did not check
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, env = "LIGHTPROOF_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `build`, `rotate` and `verify` print, for people and for scripts.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print only errors
    #[arg(short, long)]
    pub quiet: bool,

    /// Print a JSON report on stdout at the end (no progress bar; messages
    /// stay on stderr)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Shoot folder to write lightproof.toml into (an existing one is never
    /// replaced)
    #[arg(value_name = "SHOOT_DIR", value_hint = clap::ValueHint::DirPath)]
    pub shoot: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write lightproof.1 and one page per subcommand (lightproof-build.1,
    /// …) into DIR instead of printing the main page
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Gallery folder (the output of `lightproof build`)
    #[arg(value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// The HTML file to write, e.g. proofs.html
    #[arg(short, long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// Gallery folder (the output of `lightproof build`)
    #[arg(value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// Zip file to write, outside the gallery folder [default: SITE_DIR.zip
    /// beside the folder]
    #[arg(short, long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The gallery as it is on the host: a folder, a .zip from `lightproof
    /// pack`, or s3://BUCKET/PREFIX/ where it was published
    #[arg(value_name = "OLD", value_hint = clap::ValueHint::AnyPath)]
    pub old: PathBuf,

    /// The new build: a folder, a .zip from `lightproof pack`, or
    /// s3://BUCKET/PREFIX/
    #[arg(value_name = "NEW", value_hint = clap::ValueHint::AnyPath)]
    pub new: PathBuf,

    #[command(flatten)]
    pub storage: StorageArgs,

    /// Print one JSON object instead of `upload PATH` and `delete PATH` lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Gallery folder (the output of `lightproof build`)
    #[arg(value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// Where to: s3://BUCKET/PREFIX/ (one gallery per prefix), or a folder
    #[arg(value_name = "URL")]
    pub url: String,

    #[command(flatten)]
    pub storage: StorageArgs,

    /// List what would be uploaded and deleted, with sizes, and change
    /// nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Uploads at a time
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Files larger than this many bytes go up as multipart uploads,
    /// streamed from disk
    #[arg(long, value_name = "BYTES", default_value_t = lightproof::site::remote::MULTIPART_ABOVE, hide = true)]
    pub multipart_above: u64,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How to reach object storage: the AWS environment variables and shared
/// files (~/.aws/credentials, ~/.aws/config) give the keys and the region.
#[derive(Debug, Args)]
pub struct StorageArgs {
    /// An S3-compatible endpoint, e.g. https://ACCOUNT.r2.cloudflarestorage.com
    /// or http://127.0.0.1:9000 (path-style requests) [default:
    /// AWS_ENDPOINT_URL, else AWS S3]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// A profile of the shared AWS files [default: AWS_PROFILE, else default]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Give up on a request after this many seconds without an answer (it
    /// is then retried)
    #[arg(long, value_name = "SECONDS", default_value_t = 60, hide = true)]
    pub request_timeout: u64,

    /// Retries of a failed request (with backoff) before giving up
    #[arg(long, value_name = "N", default_value_t = 8, hide = true)]
    pub retries: usize,
}

#[derive(Debug, Args)]
pub struct PicksArgs {
    /// The selection the client sent: its file, or the text of its email
    /// (which holds a short code), or `-` to paste either on stdin
    #[arg(value_name = "SELECTION_FILE", value_hint = clap::ValueHint::FilePath)]
    pub selection: PathBuf,

    /// The shoot folder the gallery was built from
    #[arg(long, value_name = "SHOOT_DIR", value_hint = clap::ValueHint::DirPath)]
    pub shoot: PathBuf,

    /// The gallery folder it was built into (its keys check the selection)
    #[arg(long, value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// Also copy the chosen originals into this folder (outside the shoot)
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub copy_to: Option<PathBuf>,

    /// Which app's search string to print: lightroom, capture-one, finder,
    /// explorer, or all (comma-separated for several)
    #[arg(long = "for", value_name = "APP", default_value = "lightroom", value_delimiter = ',',
          value_parser = clap::builder::PossibleValuesParser::new(
              lightproof::deliver::searches::App::NAMES.into_iter().chain(["all"])),
          long_help = PICKS_FOR_HELP)]
    pub apps: Vec<String>,

    /// Write an XMP sidecar per chosen photo (IMG_0201.xmp, in the shoot's
    /// album folders) into DIR, outside the shoot, to copy beside your raw
    /// files: Lightroom Classic (Metadata > Read Metadata from Files),
    /// Capture One and Bridge then show the label, rating and note (the
    /// sidecars hold no develop settings: for photos not yet edited)
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub xmp: Option<PathBuf>,

    /// The sidecars' xmp:Label; Lightroom and Capture One show Red, Yellow,
    /// Green, Blue and Purple as colour labels; "" for none
    #[arg(long, value_name = "TEXT", default_value = "Green", requires = "xmp")]
    pub xmp_label: String,

    /// The sidecars' xmp:Rating, 0 to 5 stars [default: none]
    #[arg(long, value_name = "0-5", requires = "xmp",
          value_parser = clap::value_parser!(u8).range(0..=5))]
    pub xmp_rating: Option<u8>,

    /// Replace sidecars that already exist in the XMP folder (without it,
    /// an existing one stops the command before anything is written)
    #[arg(long, requires = "xmp")]
    pub force: bool,

    /// Where the build cache lives (as for `build`)
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, env = "LIGHTPROOF_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

const PICKS_FOR_HELP: &str = "Which app's search string to print on stdout, one line each \
(comma-separated for several, or all); stderr says where each goes:\n\
  lightroom    Library > Filter bar > Text > Filename > Contains:  IMG_0201.jpg, IMG_0202.jpg\n\
  capture-one  Filters tool search field:  IMG_0201.jpg IMG_0202.jpg\n\
  finder       a Finder window's search field:  name:\"IMG_0201.jpg\" OR name:\"IMG_0202.jpg\"\n\
  explorer     File Explorer's search box:  filename:(\"IMG_0201.jpg\" OR \"IMG_0202.jpg\")\n\
Lightroom and Capture One take the whole list in one line. Finder and Explorer \
lines hold at most 1,000 characters (40 to 50 names); a longer list is split into \
several lines, each a search of its own.";

#[derive(Debug, Args)]
pub struct GrantPicksArgs {
    /// The selection file the client sent (from "Send selection")
    #[arg(value_name = "SELECTION_FILE", value_hint = clap::ValueHint::FilePath)]
    pub selection: PathBuf,

    /// The gallery folder it was made from (built on this computer, with
    /// the originals in it: download = true on some grant)
    #[arg(long, value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// The new grant's name, e.g. "smith-originals"
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Read the new grant's password from the first line of FILE (else
    /// LIGHTPROOF_PASSWORD_<NAME>, else asked twice on the terminal)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub password_file: Option<PathBuf>,

    /// Accept a password that is easy to guess
    #[arg(long)]
    pub allow_weak: bool,

    /// Where the build cache lives (as for `build`)
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, env = "LIGHTPROOF_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// Number of words (6 give 77.5 bits)
    #[arg(long, value_name = "N", default_value_t = 6,
          value_parser = clap::value_parser!(u8).range(6..=20))]
    pub words: u8,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Gallery folder, as given to `lightproof build --out`
    #[arg(value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// Only this grant's links
    #[arg(long, value_name = "NAME")]
    pub grant: Option<String>,

    /// Cut this grant's key link off: give it a new link (printed) and make
    /// the old one open nothing. Only gallery.bin (and gallery.bin.js)
    /// change; upload them. A two-factor link needs the grant's password.
    #[arg(long, value_name = "NAME", conflicts_with = "grant")]
    pub renew: Option<String>,

    /// With --renew of a two-factor link: read the grant's password from
    /// the first line of FILE (else LIGHTPROOF_PASSWORD_<NAME>, or the terminal)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, requires = "renew")]
    pub password_file: Option<PathBuf>,

    /// The gallery's address on the web, e.g. https://example.com/smith-wedding/
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Where the build cache lives (as for `build`)
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, env = "LIGHTPROOF_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Gallery folder (the output of `lightproof build`)
    #[arg(value_name = "SITE_DIR", value_hint = clap::ValueHint::DirPath)]
    pub site: PathBuf,

    /// Port on 127.0.0.1 [default: a free one]
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// Open the gallery in the default browser
    #[arg(long)]
    pub open: bool,

    /// Do not log each request on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of FILE
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath,
          long_help = "Read the password from the first line of FILE.\n\
          Without it, lightproof uses the LIGHTPROOF_PASSWORD environment variable, \
          or else asks on the terminal (twice when building). The prompt is the safest way.")]
    pub password_file: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_below_the_floor_are_refused() {
        let parse = |n: &str| {
            Cli::try_parse_from([
                "lightproof",
                "build",
                "shoot",
                "-o",
                "site",
                "--kdf-iterations",
                n,
            ])
        };
        assert!(parse("599999").is_err());
        assert!(parse("600000").is_ok());
        assert!(parse("10000001").is_err());
    }

    #[test]
    fn serve_takes_a_port_or_finds_a_free_one() {
        let parse = |args: &[&str]| {
            let argv = ["lightproof", "serve", "site"].iter().chain(args);
            match Cli::try_parse_from(argv).map(|cli| cli.command) {
                Ok(Command::Serve(args)) => Ok(args.port),
                Ok(other) => panic!("{other:?}"),
                Err(error) => Err(error.kind()),
            }
        };
        assert_eq!(parse(&[]), Ok(None));
        assert_eq!(parse(&["--port", "8080", "--open", "-q"]), Ok(Some(8080)));
        assert!(parse(&["--port", "65536"]).is_err());
        assert!(Cli::try_parse_from(["lightproof", "serve"]).is_err());
    }

    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn the_theme_names_are_the_built_in_themes() {
        let built_in: Vec<&str> = lightproof::site::viewer::THEMES
            .iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(built_in, settings::THEMES);
        assert_eq!(built_in[0], settings::THEME);
    }

    #[test]
    fn every_gallery_key_is_a_build_flag() {
        let command = command();
        let build = command.find_subcommand("build").unwrap();
        for key in settings::Gallery::keys() {
            assert!(
                build.get_arguments().any(|arg| arg.get_id() == key),
                "[gallery] key '{key}' has no build flag of that name"
            );
        }
    }

    #[test]
    fn every_subcommand_explains_the_exit_codes() {
        for sub in command().get_subcommands() {
            let help = sub.get_after_help().map(ToString::to_string);
            assert_eq!(help.as_deref(), Some(EXIT_CODES), "{}", sub.get_name());
        }
    }
}
