//! `lightproof pack` and `diff`: a site as one zip, and what changed.

use std::process::ExitCode;

use super::args::{DiffArgs, PackArgs};
use super::{report, Outcome};

/// Writes the reproducible zip of a gallery folder.
pub fn run_pack(args: PackArgs) -> Outcome {
    let packed = lightproof::deliver::pack::pack(&args.site, args.out.as_deref())?;
    report::pack_summary(&packed);
    Ok(ExitCode::SUCCESS)
}

/// Prints what to upload and delete, in a safe order, on stdout (or one
/// JSON object with --json); the summary goes to stderr.
pub fn run_diff(args: DiffArgs) -> Outcome {
    let connection = super::publish::connection(&args.storage);
    let old = super::publish::open_site(&args.old, &connection)?;
    let new = super::publish::open_site(&args.new, &connection)?;
    let diff = lightproof::deliver::diff::diff(&old, &new)?;
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
