//! `lightproof verify`: check a site with every password and link given.

use std::path::PathBuf;
use std::process::ExitCode;

use lightproof::deliver::verify::verify_with_progress;
use lightproof::shoot::password::{self, Confirm};

use super::args::VerifyArgs;
use super::progress::Shown;
use super::{json, report, Outcome, EXIT_PROBLEMS};

/// What `verify` opens a grant with, and how the report names it.
struct Given {
    credential: lightproof::deliver::verify::Credential,
    password_file: Option<std::path::PathBuf>,
    /// `k` or `k2` for a key link.
    link: Option<&'static str>,
}

/// One credential per --password-file and per --link; the password from
/// LIGHTPROOF_PASSWORD or the prompt when neither is given.
fn credentials(args: &VerifyArgs) -> Result<Vec<Given>, Box<dyn std::error::Error>> {
    use lightproof::deliver::verify::{parse_link, Credential};
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
) -> Vec<lightproof::deliver::verify::BuiltManifest> {
    let Ok(folder) = args.site.canonicalize() else {
        return Vec::new();
    };
    if !folder.is_dir() {
        return Vec::new();
    }
    // A cache that is missing or refused (not private) tells nothing.
    let Ok(cache) =
        lightproof::build::cache::Cache::open(&folder, args.cache_dir.as_deref(), false)
    else {
        return Vec::new();
    };
    cache
        .built_manifests(gallery)
        .map(|(grant, blob)| lightproof::deliver::verify::BuiltManifest {
            grant: grant.to_owned(),
            blob: blob.clone(),
        })
        .collect()
}

/// Checks the grant of each password and link given (a studio can check
/// every grant of a delivery in one run), then the site's other files.
pub fn run_verify(args: VerifyArgs) -> Outcome {
    let (quiet, json) = (args.output.quiet, args.output.json);
    let site = if lightproof::site::remote::RemoteUrl::is_remote(&args.site.to_string_lossy()) {
        super::publish::open_site(&args.site, &super::publish::connection(&args.storage))?
    } else {
        lightproof::site::files::SiteFiles::open(&args.site)?
    };
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
    let site_check = lightproof::deliver::verify::check_site(&site, &reports, &built);
    if !quiet || !site_check.problems.is_empty() {
        report::site_check_summary(&args.site, &site_check, !built.is_empty());
    }
    let report = json::verify(checks, &site_check);
    if json {
        json::print(&report)?;
    }
    Ok(if report.found.complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}
