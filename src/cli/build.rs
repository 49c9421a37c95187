//! `lightproof build`, `rotate`, `bundle` and `build --single-file`.

use std::process::ExitCode;

use lightproof::build::build;

use super::args::BuildArgs;
use super::progress::Shown;
use super::{json, options, report, Outcome, EXIT_PROBLEMS};

/// `build`, or with `rotate` a build under all-new keys that prints the
/// old files (now deleted here) to delete from the host.
pub fn run_build(args: BuildArgs, given: &options::Given, rotate: bool) -> Outcome {
    let (quiet, json) = (args.output.quiet, args.output.json);
    let single_file = args.single_file.clone();
    if let Some(single_file) = &single_file {
        lightproof::site::writer::check_outside_shoot(single_file, &args.shoot)?;
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
        let page = lightproof::site::viewer::Page {
            theme: built.theme,
            studio: built.lock_studio.as_ref(),
        };
        run_bundle(&built.out, single_file, Some(page))?;
    }
    Ok(if built.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}

/// `bundle`, and `build --single-file` (with the build's `page`).
pub fn run_bundle(
    site: &std::path::Path,
    out: &std::path::Path,
    page: Option<lightproof::site::viewer::Page<'_>>,
) -> Outcome {
    let bundle = lightproof::deliver::bundle::write_bundle(site, out, page)?;
    report::bundle_summary(&bundle);
    Ok(ExitCode::SUCCESS)
}
