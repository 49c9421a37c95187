//! `--json`: one object on stdout when a run ends, for scripts. Field names
//! are part of the command-line interface: add fields, never rename one.
//! Nothing is printed on stdout when the run stops with exit code 2.

use std::path::Path;

use serde::Serialize;

use lightproof::build::BuildReport;
use lightproof::deliver::verify::{ProblemKind, SiteCheck, VerifyReport};

/// A file and why it is not in the gallery.
#[derive(Serialize)]
pub struct FileReason {
    pub path: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct Build {
    pub photos: usize,
    pub albums: usize,
    /// Photos rendered by this run; `reused` came unchanged from the last.
    pub rendered: usize,
    pub reused: usize,
    pub skipped: Vec<FileReason>,
    pub failed: Vec<FileReason>,
    pub bytes_written: u64,
    /// Everything in the site folder, as it is to be uploaded.
    pub site_bytes: u64,
    pub seconds: f64,
    pub out: String,
    pub grants: Vec<Grant>,
    /// Files of the previous gallery removed here, site-relative ("b/…");
    /// after `rotate`, the files to delete from the host too.
    pub removed_blobs: Vec<String>,
}

#[derive(Serialize)]
pub struct Grant {
    pub name: String,
    pub albums: usize,
    pub photos: usize,
    pub originals: usize,
}

pub fn build(report: &BuildReport, site_bytes: u64) -> Build {
    Build {
        photos: report.photos,
        albums: report.albums,
        rendered: report.rendered,
        reused: report.photos - report.rendered,
        skipped: report
            .skipped
            .iter()
            .map(|skipped| FileReason {
                path: shown(&skipped.path),
                reason: skipped.reason.to_string(),
            })
            .collect(),
        failed: report
            .failed
            .iter()
            .map(|failure| FileReason {
                path: shown(failure.path()),
                reason: failure.to_string(),
            })
            .collect(),
        bytes_written: report.bytes_written,
        site_bytes,
        seconds: report.elapsed.as_secs_f64(),
        out: shown(&report.out),
        grants: report
            .grants
            .iter()
            .map(|grant| Grant {
                name: grant.name.clone(),
                albums: grant.albums,
                photos: grant.photos,
                originals: grant.originals,
            })
            .collect(),
        removed_blobs: report
            .removed_blobs
            .iter()
            .map(|name| format!("{}/{name}", lightproof::format::BLOB_DIR))
            .collect(),
    }
}

/// `verify` with one or several passwords: the totals, then each check.
/// A photo that two checked grants open counts twice in the totals.
#[derive(Serialize)]
pub struct Verify {
    #[serde(flatten)]
    pub found: Found,
    pub checks: Vec<Check>,
    /// Grants the build cache of this computer knows that no password or
    /// link given opened: their photos were not checked.
    pub unchecked_grants: Vec<String>,
    /// Encrypted files that no checked grant leads to.
    pub unreached_files: usize,
}

/// One password's check.
#[derive(Serialize)]
pub struct Check {
    /// `null` for LIGHTPROOF_PASSWORD, the prompt or a key link.
    pub password_file: Option<String>,
    /// "k" or "k2" when a key link opened the grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<&'static str>,
    #[serde(flatten)]
    pub found: Found,
}

/// What one check, or all of them together, found.
#[derive(Serialize)]
pub struct Found {
    /// Every file checked is present and authentic.
    pub complete: bool,
    pub albums: usize,
    pub photos: usize,
    pub originals: usize,
    pub blobs_checked: usize,
    pub problems: Vec<Problem>,
}

#[derive(Clone, Serialize)]
pub struct Problem {
    /// E.g. "the preview of 'IMG_0042.jpg' in album 'Ceremony'".
    pub item: String,
    /// Site-relative, e.g. "b/…".
    pub file: String,
    /// "missing", "damaged", "changed", "unreadable", "unexpected" (a file
    /// lightproof never writes) or "resealed" (a manifest that differs from
    /// the one the build wrote; `reason` is the grant when known).
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub fn check(
    password_file: Option<&Path>,
    link: Option<&'static str>,
    report: &VerifyReport,
) -> Check {
    Check {
        password_file: password_file.map(shown),
        link,
        found: Found {
            complete: report.problems.is_empty(),
            albums: report.albums,
            photos: report.photos,
            originals: report.originals,
            blobs_checked: report.blobs_checked,
            problems: report.problems.iter().map(problem).collect(),
        },
    }
}

fn problem(problem: &lightproof::deliver::verify::Problem) -> Problem {
    let (kind, reason) = match &problem.kind {
        ProblemKind::Missing => ("missing", None),
        ProblemKind::Damaged => ("damaged", None),
        ProblemKind::Changed => ("changed", None),
        ProblemKind::Unreadable(why) => ("unreadable", Some(why.clone())),
        ProblemKind::Unexpected(why) => ("unexpected", Some(why.clone())),
        ProblemKind::Resealed { grant } => ("resealed", grant.clone()),
    };
    Problem {
        item: problem.item.clone(),
        file: problem.file.clone(),
        kind,
        reason,
    }
}

/// The totals of `checks`, with the problems of the site's other files.
pub fn verify(checks: Vec<Check>, site: &SiteCheck) -> Verify {
    let sum = |field: fn(&Found) -> usize| checks.iter().map(|c| field(&c.found)).sum();
    let site_problems: Vec<Problem> = site.problems.iter().map(problem).collect();
    Verify {
        found: Found {
            complete: checks.iter().all(|check| check.found.complete) && site_problems.is_empty(),
            albums: sum(|f| f.albums),
            photos: sum(|f| f.photos),
            originals: sum(|f| f.originals),
            blobs_checked: sum(|f| f.blobs_checked),
            problems: checks
                .iter()
                .flat_map(|c| c.found.problems.clone())
                .chain(site_problems)
                .collect(),
        },
        checks,
        unchecked_grants: site.unchecked_grants.clone(),
        unreached_files: site.unreached,
    }
}

/// Prints `value` as one line of JSON on stdout.
pub fn print(value: &impl Serialize) -> Result<(), Box<dyn std::error::Error>> {
    let line = serde_json::to_string(value)?;
    println!("{line}");
    Ok(())
}

fn shown(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
