//! `lightproof link`: print a gallery's key links, or renew one grant's.

use std::process::ExitCode;

use lightproof::shoot::password::{self, Confirm};

use super::args::LinkArgs;
use super::Outcome;

/// Prints `URL#k=…` (opens the grant) and `URL#k2=…` (opens it with the
/// password) for each grant that has links. Links live in the build cache
/// of this computer; stdout gets only the links, for scripts.
pub fn run_link(args: LinkArgs) -> Outcome {
    let site = args
        .site
        .canonicalize()
        .map_err(|e| format!("cannot open '{}': {e}", args.site.display()))?;
    if let Some(grant) = &args.renew {
        return run_renew(&args, &site, grant);
    }
    let cache = lightproof::build::cache::Cache::open(&site, args.cache_dir.as_deref(), false)?;
    print_links(&args, &site, cache.all_links())
}

/// `link --renew NAME`: new link secrets for one grant, then its links.
fn run_renew(args: &LinkArgs, site: &std::path::Path, grant: &str) -> Outcome {
    let password = || {
        if grant == lightproof::shoot::grants::EVERYONE {
            password::obtain(args.password_file.as_deref(), Confirm::Once)
        } else {
            password::obtain_for_grant(grant, args.password_file.as_deref(), Confirm::Once)
        }
    };
    let links = lightproof::deliver::link::renew(site, args.cache_dir.as_deref(), grant, password)?;
    eprintln!(
        "lightproof: grant '{grant}' has a new link; upload gallery.bin (and gallery.bin.js, if the folder has it) to your host: from then on the old link opens nothing"
    );
    let renewed = std::collections::BTreeMap::from([(grant.to_owned(), links)]);
    print_links(args, site, &renewed)
}

fn print_links(
    args: &LinkArgs,
    site: &std::path::Path,
    all: &std::collections::BTreeMap<String, lightproof::build::cache::Links>,
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
