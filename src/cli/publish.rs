//! `lightproof publish`: the plan, the progress bar and the summary.

use std::path::Path;
use std::process::ExitCode;

use lightproof::deliver::publish::{self, Plan};
use lightproof::site::remote::{Connection, Remote, RemoteUrl};

use super::args::{PublishArgs, StorageArgs};
use super::progress::Shown;
use super::{report, Outcome};

pub fn run_publish(args: PublishArgs) -> Outcome {
    let url = RemoteUrl::parse(&args.url)?;
    let connection = Connection {
        multipart_above: args.multipart_above,
        ..connection(&args.storage)
    };
    let remote = Remote::open(&url, &connection)?;
    let plan = publish::plan(&args.site, &remote)?;
    if args.dry_run {
        print_plan(&plan, args.output.json)?;
        report::publish_plan(&plan, &remote.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let shown = Shown::for_publish(args.output.quiet || args.output.json, plan.upload_bytes());
    let published = publish::publish(&args.site, &remote, &plan, usize::from(args.jobs), &shown);
    shown.finish();
    let published = published?;
    if args.output.json {
        println!("{}", serde_json::to_string(&published)?);
    }
    if !args.output.quiet {
        report::published(&published, &remote.describe());
    }
    Ok(ExitCode::SUCCESS)
}

/// The connection settings given on the command line.
pub fn connection(storage: &StorageArgs) -> Connection {
    Connection {
        profile: storage.profile.clone(),
        endpoint: storage.endpoint.clone(),
        timeout: std::time::Duration::from_secs(storage.request_timeout),
        retries: storage.retries,
        ..Connection::default()
    }
}

/// A gallery to read: a folder, a zip or `s3://…` (as given, not UTF-8
/// paths only for folders and zips).
pub fn open_site(
    location: &Path,
    connection: &Connection,
) -> Result<lightproof::site::files::SiteFiles, lightproof::site::files::SiteFilesError> {
    use lightproof::site::files::SiteFiles;
    match location.to_str() {
        Some(text) if RemoteUrl::is_remote(text) => SiteFiles::open_location(text, connection),
        _ => SiteFiles::open_gallery(location),
    }
}

fn print_plan(plan: &Plan, json: bool) -> Result<(), serde_json::Error> {
    if json {
        println!("{}", serde_json::to_string(plan)?);
        return Ok(());
    }
    for upload in &plan.upload {
        println!("upload {} {}", upload.path, upload.bytes);
    }
    for delete in &plan.delete {
        println!("delete {} {}", delete.path, delete.bytes);
    }
    Ok(())
}
