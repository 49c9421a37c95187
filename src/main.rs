//! The `lightproof` command: parse, run, report, exit with a documented code.

mod cli;
mod docs;
mod init;
mod json;
mod options;
mod progress;
mod report;

use std::process::ExitCode;

use clap::FromArgMatches;

use std::path::PathBuf;

use cli::{BuildArgs, Cli, Command, LinkArgs, PicksArgs, ServeArgs, VerifyArgs};
use lightproof::build::build;
use lightproof::password::{self, Confirm};
use lightproof::verify::verify_with_progress;
use progress::Shown;

/// Done, with problems (some photos failed, or verify found damage).
const EXIT_PROBLEMS: u8 = 1;
/// Nothing done.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    keep_freed_memory();
    let matches = cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let given = options::Given::new(&matches);
    let result = match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Build(args) => run_build(*args, &given, false),
        Command::Rotate(args) => run_build(*args, &given, true),
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
        Command::Completions(args) => docs::completions(args.shell),
        Command::Man(args) => docs::man(args.out.as_deref()),
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
fn run_build(args: BuildArgs, given: &options::Given, rotate: bool) -> Outcome {
    let (quiet, json) = (args.output.quiet, args.output.json);
    let single_file = args.single_file.clone();
    if let Some(single_file) = &single_file {
        lightproof::write::check_outside_shoot(single_file, &args.shoot)?;
    }
    let (options, grants) = options::prepare(args, given, rotate)?;
    let shown = Shown::for_build(quiet || json);
    let result = build(&options, &grants, &shown);
    shown.finish();
    if let Err(error) = &result {
        report::photo_failures(error.photo_failures());
    }
    let built = result?;
    let site_bytes = report::folder_size(&built.out);
    if rotate && !json {
        for blob in &built.removed_blobs {
            println!("{}/{blob}", lightproof::format::BLOB_DIR);
        }
    }
    if rotate {
        let listed = if json {
            "listed in removed_blobs"
        } else {
            "listed above"
        };
        eprintln!(
            "lightproof: rotated: every file has new keys and a new name; delete the {} old files {listed} from your host, then upload the folder. Old passwords and links no longer open anything in it.",
            built.removed_blobs.len()
        );
    }
    if quiet {
        report::photo_failures(&built.failed);
    } else {
        report::build_summary(&built, site_bytes);
    }
    if json {
        json::print(&json::build(&built, site_bytes))?;
    }
    if let Some(single_file) = &single_file {
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

/// Prints `URL#k=…` (opens the grant) and `URL#k2=…` (opens it with the
/// password) for each grant that has links. Links live in the build cache
/// of this computer; stdout gets only the links, for scripts.
fn run_link(args: LinkArgs) -> Outcome {
    let site = args
        .site
        .canonicalize()
        .map_err(|e| format!("cannot open '{}': {e}", args.site.display()))?;
    if let Some(grant) = &args.renew {
        return run_renew(&args, &site, grant);
    }
    let cache = lightproof::cache::Cache::open(&site, args.cache_dir.as_deref(), false)?;
    print_links(&args, &site, cache.all_links())
}

/// `link --renew NAME`: new link secrets for one grant, then its links.
fn run_renew(args: &LinkArgs, site: &std::path::Path, grant: &str) -> Outcome {
    let password = || {
        if grant == lightproof::grants::EVERYONE {
            password::obtain(args.password_file.as_deref(), Confirm::Once)
        } else {
            password::obtain_for_grant(grant, args.password_file.as_deref(), Confirm::Once)
        }
    };
    let links = lightproof::links::renew(site, args.cache_dir.as_deref(), grant, password)?;
    eprintln!(
        "lightproof: grant '{grant}' has a new link; upload gallery.bin (and gallery.bin.js, if the folder has it) to your host: from then on the old link opens nothing"
    );
    let renewed = std::collections::BTreeMap::from([(grant.to_owned(), links)]);
    print_links(args, site, &renewed)
}

fn print_links(
    args: &LinkArgs,
    site: &std::path::Path,
    all: &std::collections::BTreeMap<String, lightproof::cache::Links>,
) -> Outcome {
    let base = args.url.as_deref().unwrap_or("");
    let mut printed = 0;
    for (grant, links) in all {
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
    use lightproof::picks::printable;
    let names: Vec<String> = picks.iter().map(|p| printable(&p.file)).collect();
    println!("{}", names.join(", "));
    eprintln!("lightproof: {} chosen", picks.len());
    for pick in picks.iter().filter(|p| p.note.is_some()) {
        eprintln!(
            "  {} ({}): {}",
            printable(&pick.file),
            printable(&pick.album),
            printable(pick.note.as_deref().unwrap_or(""))
        );
    }
    if let Some(folder) = &args.copy_to {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create '{}': {e}", folder.display()))?;
        for pick in &picks {
            // The name of the file in the shoot, never a name from the
            // selection's text.
            let name = pick
                .source
                .file_name()
                .ok_or("a chosen photo has no file name")?;
            let target = folder.join(name);
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

/// What `verify` opens a grant with, and how the report names it.
struct Given {
    credential: lightproof::verify::Credential,
    password_file: Option<std::path::PathBuf>,
    /// `k` or `k2` for a key link.
    link: Option<&'static str>,
}

/// One credential per --password-file and per --link; the password from
/// LIGHTPROOF_PASSWORD or the prompt when neither is given.
fn credentials(args: &VerifyArgs) -> Result<Vec<Given>, Box<dyn std::error::Error>> {
    use lightproof::verify::{parse_link, Credential};
    let mut given = Vec::new();
    for file in &args.password_file {
        given.push(Given {
            credential: Credential::Password(password::obtain(Some(file), Confirm::Once)?),
            password_file: Some(file.clone()),
            link: None,
        });
    }
    for link in &args.link {
        let (two_factor, secret) = parse_link(link)?;
        let credential = if two_factor {
            let file = args.password_file.first().map(PathBuf::as_path);
            Credential::TwoFactorLink(secret, password::obtain(file, Confirm::Once)?)
        } else {
            Credential::Link(secret)
        };
        given.push(Given {
            credential,
            password_file: None,
            link: Some(if two_factor { "k2" } else { "k" }),
        });
    }
    if given.is_empty() {
        given.push(Given {
            credential: Credential::Password(password::obtain(None, Confirm::Once)?),
            password_file: None,
            link: None,
        });
    }
    Ok(given)
}

/// The manifests the build cache of this computer recorded for the
/// gallery in `site`, a folder (a packed site is not where it was built).
fn built_manifests(
    args: &VerifyArgs,
    gallery: &lightproof::format::Id,
) -> Vec<lightproof::verify::BuiltManifest> {
    let Ok(folder) = args.site.canonicalize() else {
        return Vec::new();
    };
    if !folder.is_dir() {
        return Vec::new();
    }
    // A cache that is missing or refused (not private) tells nothing.
    let Ok(cache) = lightproof::cache::Cache::open(&folder, args.cache_dir.as_deref(), false)
    else {
        return Vec::new();
    };
    cache
        .built_manifests(gallery)
        .map(|(grant, blob)| lightproof::verify::BuiltManifest {
            grant: grant.to_owned(),
            blob: blob.clone(),
        })
        .collect()
}

/// Checks the grant of each password and link given (a studio can check
/// every grant of a delivery in one run), then the site's other files.
fn run_verify(args: VerifyArgs) -> Outcome {
    let (quiet, json) = (args.output.quiet, args.output.json);
    let site = lightproof::site_files::SiteFiles::open(&args.site)?;
    let given = credentials(&args)?;
    let mut checks = Vec::new();
    let mut reports = Vec::new();
    for one in &given {
        let shown = Shown::for_verify(quiet || json);
        let result = verify_with_progress(&site, &one.credential, &shown);
        shown.finish();
        let verified = result.map_err(|error| match (&one.password_file, one.link) {
            (Some(file), _) => format!("{error} (password from '{}')", file.display()).into(),
            (None, Some(kind)) => format!("{error} (the #{kind}= link)").into(),
            (None, None) => Box::<dyn std::error::Error>::from(error),
        })?;
        let which = match (&one.password_file, one.link) {
            (Some(file), _) if given.len() > 1 => {
                format!(" with the password in '{}'", file.display())
            }
            (_, Some("k")) => " with the key link".to_owned(),
            (_, Some(_)) => " with the two-factor link".to_owned(),
            _ => String::new(),
        };
        if !quiet || !verified.problems.is_empty() {
            report::verify_summary(&args.site, &which, &verified);
        }
        checks.push(json::check(
            one.password_file.as_deref(),
            one.link,
            &verified,
        ));
        reports.push(verified);
    }
    let built = built_manifests(&args, &reports[0].gallery);
    let site_check = lightproof::verify::check_site(&site, &reports, &built);
    if !quiet || !site_check.problems.is_empty() {
        report::site_check_summary(&args.site, &site_check, !built.is_empty());
    }
    let report = json::verify(checks, &site_check);
    if json {
        json::print(&report)?;
    }
    Ok(if report.complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
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
