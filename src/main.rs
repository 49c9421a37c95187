//! The `lightproof` command: parse, run, report, exit with a documented code.

mod cli;
mod report;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use cli::{BuildArgs, Cli, Command, LinkArgs, PicksArgs, ServeArgs, VerifyArgs, WatermarkArgs};
use lightproof::build::{build, BuildOptions};
use lightproof::grants::{Config, Grant, CONFIG_FILE};
use lightproof::password::{self, Confirm};
use lightproof::verify::verify;
use lightproof::watermark::Watermark;

/// Done, with problems (some photos failed, or verify found damage).
const EXIT_PROBLEMS: u8 = 1;
/// Nothing done.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => run_build(*args, false),
        Command::Rotate(args) => run_build(*args, true),
        Command::Verify(args) => run_verify(args),
        Command::Bundle(args) => run_bundle(&args.site, &args.out),
        Command::Pack(args) => run_pack(args),
        Command::Diff(args) => run_diff(args),
        Command::Link(args) => run_link(args),
        Command::Picks(args) => run_picks(args),
        Command::Passwd(args) => {
            let (phrase, bits) = lightproof::passphrase::generate(usize::from(args.words));
            println!("{phrase}");
            eprintln!("lightproof: {} random words, {bits:.1} bits", args.words);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => run_serve(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report::error(error.as_ref());
            ExitCode::from(EXIT_ERROR)
        }
    }
}

type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

/// `build`, or with `rotate` a build under all-new keys that prints the
/// old files (now deleted here) to delete from the host.
fn run_build(args: BuildArgs, rotate: bool) -> Outcome {
    if let Some(single_file) = &args.single_file {
        lightproof::write::check_outside_shoot(single_file, &args.shoot)?;
    }
    let grants = grants(&args)?;
    let mut options = BuildOptions::new(&args.shoot, &args.out);
    options.force = args.force;
    options.kdf_iterations = args.kdf_iterations;
    options.title = args.title;
    options.use_cache = !args.no_cache && !rotate;
    options.allow_weak = args.allow_weak;
    options.selection_limit = args.selection_limit;
    options.remember = args.remember;
    options.photographer_email = args.photographer_email.clone();
    options.original_metadata =
        lightproof::original::OriginalMetadata::parse(&args.original_metadata)
            .expect("clap checks the value");
    options.cache_dir = args.cache_dir;
    options.offline_copies = !args.web_only;
    options.render.thumb_long_edge = args.render.thumb_size;
    options.render.preview_long_edge = args.render.preview_size;
    options.render.jpeg_quality = args.render.quality;
    options.render.watermark = watermark(&args.watermark)?.map(Arc::new);
    let result = if args.quiet {
        build(&options, &grants, &ProgressBar::hidden())
    } else if std::io::stderr().is_terminal() {
        let bar = progress_bar();
        let result = build(&options, &grants, &bar);
        bar.finish_and_clear();
        result
    } else {
        build(&options, &grants, &report::ProgressLog::new())
    };
    let built = result?;
    if rotate {
        for blob in &built.removed_blobs {
            println!("{}/{blob}", lightproof::format::BLOB_DIR);
        }
        eprintln!(
            "lightproof: rotated: every file has new keys and a new name; delete the {} old files listed above from your host, then upload the folder. Old passwords and links no longer open anything in it.",
            built.removed_blobs.len()
        );
    }
    if !args.quiet {
        report::build_summary(&built);
    }
    report::photo_failures(&built.failed);
    if let Some(single_file) = &args.single_file {
        run_bundle(&built.out, single_file)?;
    }
    Ok(if built.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}

/// `bundle`, and `build --single-file`.
fn run_bundle(site: &std::path::Path, out: &std::path::Path) -> Outcome {
    let bundle = lightproof::bundle::write_bundle(site, out)?;
    report::bundle_summary(&bundle);
    Ok(ExitCode::SUCCESS)
}

/// The grants from the config file, or one grant for every album.
fn grants(args: &BuildArgs) -> Result<Vec<Grant>, Box<dyn std::error::Error>> {
    let default_config = args.shoot.join(CONFIG_FILE);
    let config_path = args
        .config
        .clone()
        .or_else(|| default_config.is_file().then_some(default_config));
    let Some(config_path) = config_path else {
        let password = password::obtain(args.password.password_file.as_deref(), Confirm::Twice)?;
        let mut everyone = Grant::everyone(password);
        everyone.expires = args.expires.clone();
        everyone.download = args.downloads;
        return Ok(vec![everyone]);
    };
    if args.password.password_file.is_some() {
        return Err(format!(
            "--password-file cannot be used with the grants in '{}': give each grant a password_file there",
            config_path.display()
        )
        .into());
    }
    if args.downloads {
        return Err(format!(
            "--downloads cannot be used with the grants in '{}': add download = true to the grants that may download originals",
            config_path.display()
        )
        .into());
    }
    let config = Config::read(&config_path)?;
    let folder = config_path.parent().unwrap_or(std::path::Path::new("."));
    config
        .grants
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
                expires: grant.expires.or_else(|| args.expires.clone()),
                download: grant.download,
            })
        })
        .collect()
}

fn watermark(args: &WatermarkArgs) -> Result<Option<Watermark>, Box<dyn std::error::Error>> {
    let mut watermark = match (&args.watermark, &args.watermark_logo) {
        (Some(text), _) => Watermark::text(text)?,
        (None, Some(logo)) => Watermark::logo(logo)?,
        (None, None) => return Ok(None),
    };
    watermark.position = args.watermark_position.parse()?;
    watermark.opacity = args.watermark_opacity;
    watermark.size = args.watermark_size;
    watermark.on_thumbnails = args.watermark_thumbnails;
    Ok(Some(watermark))
}

/// Prints `URL#k=…` (opens the grant) and `URL#k2=…` (opens it with the
/// password) for each grant that has links. Links live in the build cache
/// of this computer; stdout gets only the links, for scripts.
fn run_link(args: LinkArgs) -> Outcome {
    let site = args
        .site
        .canonicalize()
        .map_err(|e| format!("cannot open '{}': {e}", args.site.display()))?;
    let cache = lightproof::cache::Cache::open(&site, args.cache_dir.as_deref(), false);
    let base = args.url.as_deref().unwrap_or("");
    let mut printed = 0;
    for (grant, links) in cache.all_links() {
        if args.grant.as_ref().is_some_and(|wanted| wanted != grant) {
            continue;
        }
        let fragment = |tag: &str, key: &lightproof::format::Key32| {
            format!(
                "{base}#{tag}={}",
                lightproof::format::encoding::base32(key.as_bytes())
            )
        };
        if let Some(key) = &links.link {
            println!("{}", fragment("k", key));
            eprintln!("lightproof: ^ opens grant '{grant}' without a password");
            printed += 1;
        }
        if let Some(key) = &links.two_factor {
            println!("{}", fragment("k2", key));
            eprintln!("lightproof: ^ opens grant '{grant}' together with its password (send them separately)");
            printed += 1;
        }
    }
    if printed == 0 {
        return Err(format!(
            "no key links known for '{}' on this computer: add link = true or two_factor_link = true to a grant in lightproof.toml and build it here",
            site.display()
        )
        .into());
    }
    if args.url.is_none() {
        eprintln!("lightproof: add your gallery's address in front (or pass --url https://…/): the part after # never reaches the server");
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the chosen file names comma-separated (for Lightroom's filter)
/// on stdout, the notes on stderr, and copies the originals if asked.
fn run_picks(args: PicksArgs) -> Outcome {
    let picks = lightproof::picks::read_picks(
        &args.selection,
        &args.site,
        &args.shoot,
        args.cache_dir.as_deref(),
    )?;
    let names: Vec<&str> = picks.iter().map(|p| p.file.as_str()).collect();
    println!("{}", names.join(", "));
    eprintln!("lightproof: {} chosen", picks.len());
    for pick in picks.iter().filter(|p| p.note.is_some()) {
        eprintln!(
            "  {} ({}): {}",
            pick.file,
            pick.album,
            pick.note.as_deref().unwrap_or("")
        );
    }
    if let Some(folder) = &args.copy_to {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create '{}': {e}", folder.display()))?;
        for pick in &picks {
            let target = folder.join(&pick.file);
            if target.exists() {
                return Err(format!(
                    "'{}' already exists; nothing was overwritten",
                    target.display()
                )
                .into());
            }
            std::fs::copy(&pick.source, &target)
                .map_err(|e| format!("cannot copy '{}': {e}", pick.source.display()))?;
        }
        eprintln!(
            "lightproof: copied {} originals into '{}'",
            picks.len(),
            folder.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks the grant of each password given (one per --password-file), so
/// a studio can check every grant of a delivery in one run.
fn run_verify(args: VerifyArgs) -> Outcome {
    let files: Vec<Option<&std::path::Path>> = if args.password_file.is_empty() {
        vec![None]
    } else {
        args.password_file
            .iter()
            .map(|f| Some(f.as_path()))
            .collect()
    };
    let site = lightproof::site_files::SiteFiles::open(&args.site)?;
    let mut problems = false;
    for file in &files {
        let password = password::obtain(*file, Confirm::Once)?;
        let verified = verify(&site, &password).map_err(|error| match file {
            Some(file) => format!("{error} (password from '{}')", file.display()).into(),
            None => Box::<dyn std::error::Error>::from(error),
        })?;
        let which = match file {
            Some(file) if files.len() > 1 => {
                format!(" with the password in '{}'", file.display())
            }
            _ => String::new(),
        };
        report::verify_summary(&args.site, &which, &verified);
        problems |= !verified.problems.is_empty();
    }
    Ok(if problems {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the reproducible zip of a gallery folder.
fn run_pack(args: cli::PackArgs) -> Outcome {
    let packed = lightproof::pack::pack(&args.site, args.out.as_deref())?;
    report::pack_summary(&packed);
    Ok(ExitCode::SUCCESS)
}

/// Prints what to upload and delete, in a safe order, on stdout (or one
/// JSON object with --json); the summary goes to stderr.
fn run_diff(args: cli::DiffArgs) -> Outcome {
    use lightproof::site_files::SiteFiles;
    let old = SiteFiles::open_gallery(&args.old)?;
    let new = SiteFiles::open_gallery(&args.new)?;
    let diff = lightproof::diff::diff(&old, &new)?;
    if args.json {
        println!("{}", serde_json::to_string(&diff)?);
    } else {
        for upload in &diff.upload {
            println!("upload {}", upload.path);
        }
        for path in &diff.delete {
            println!("delete {path}");
        }
    }
    report::diff_summary(&diff);
    Ok(ExitCode::SUCCESS)
}

/// Serves until Ctrl-C. The URL is on stdout, in one line, for scripts.
fn run_serve(args: ServeArgs) -> Outcome {
    let server = lightproof::serve::Server::bind(&args.site, args.port.unwrap_or(0))?;
    let url = server.url();
    println!(
        "Serving '{}' at {url} — press Ctrl-C to stop",
        args.site.display()
    );
    if args.open {
        lightproof::serve::open_browser(&url, |message| {
            eprintln!("lightproof: warning: {message}")
        });
    }
    let log: fn(&str) = if args.quiet {
        |_| {}
    } else {
        |line| eprintln!("{line}")
    };
    server.run(log)?;
    Ok(ExitCode::SUCCESS)
}

/// A photo counter with ETA, for a terminal.
fn progress_bar() -> ProgressBar {
    let style =
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} photos, {eta} left")
            .expect("valid template")
            .progress_chars("=> ");
    ProgressBar::new(0)
        .with_style(style)
        .with_message("Building")
}

/// Every photo needs the same few large buffers (the file, the decoded
/// pixels, the preview). glibc returns freed ones to the kernel and the next
/// photo faults them back in page by page, which cost 10 % of a build (0.9 s of system time for 48 photos of 24 MP, 0.17 s with these limits); with
/// these limits the memory is reused instead. Peak RSS is unchanged: it is
/// set by the buffers in use at once, not by those kept.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any
    // thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
