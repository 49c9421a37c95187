//! Human-readable output on stderr: errors with hints, build and verify
//! summaries. stdout stays free for machine-readable output.

use std::path::Path;

use lightproof::build::{BuildReport, PhotoFailure};
use lightproof::deliver::verify::{SiteCheck, VerifyReport};

pub fn error(error: &dyn std::error::Error) {
    eprintln!("lightproof: error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("lightproof:   because: {cause}");
        source = cause.source();
    }
}

/// What was built, what was left out and why, and what to do next: in
/// plain words, for the photographer.
pub fn build_summary(report: &BuildReport, site_bytes: u64) {
    let out = report.out.display();
    let reused = report.photos - report.rendered;
    let rendered = if reused == 0 {
        String::new()
    } else {
        format!(
            " ({} rendered, {} unchanged since the last build)",
            report.rendered, reused
        )
    };
    eprintln!(
        "lightproof: built {}{rendered} in {} into '{out}' in {:.1} s: {} to upload ({} written now)",
        plural(report.photos, "photo"),
        plural(report.albums, "album"),
        report.elapsed.as_secs_f64(),
        human_bytes(site_bytes),
        human_bytes(report.bytes_written),
    );
    grants(report);
    for grant in &report.left_out_grants {
        eprintln!("lightproof: warning: grant '{grant}' of the last build (made by grant-picks, or taken out of lightproof.toml) is not in this one: its password no longer opens the gallery once gallery.bin is uploaded");
    }
    if let Some(warning) = &report.cache_warning {
        eprintln!("lightproof: warning: could not save the build cache ({warning}); the next build will render every photo again");
    }
    if !report.skipped.is_empty() {
        eprintln!(
            "lightproof: skipped {} (not in the gallery):",
            plural(report.skipped.len(), "file")
        );
        for skipped in &report.skipped {
            eprintln!("  {}: {}", skipped.path.display(), skipped.reason);
        }
    }
    photo_failures(&report.failed);
    if !report.removed_blobs.is_empty() {
        eprintln!(
            "lightproof: removed {} of the previous build",
            plural(report.removed_blobs.len(), "old encrypted file")
        );
    }
    let whose = if report.grants.len() > 1 {
        "each person the link and the password of their grant"
    } else {
        "your client the link and the password"
    };
    eprintln!("lightproof: next:");
    eprintln!("  1. Upload the whole folder '{out}' to your web host (or make one file of it to send or archive: lightproof pack '{out}').");
    eprintln!("  2. Send {whose} separately, by different channels: say the link by email and the password by text message.");
    eprintln!("  Or hand it over on a USB stick: the client double-clicks index.html in the folder (no host needed).");
    eprintln!("  To look at it first on this computer: lightproof serve '{out}' --open");
}

/// Which password opens what, when there are several; the downloads of a
/// single password.
fn grants(report: &BuildReport) {
    if report.grants.len() > 1 {
        for grant in &report.grants {
            let names = if grant.albums < report.albums {
                format!(": {}", grant.album_names.join(", "))
            } else {
                String::new()
            };
            eprintln!(
                "lightproof:   grant '{}' opens {} and {}{}{names}",
                grant.name,
                plural(grant.albums, "album"),
                plural(grant.photos, "photo"),
                downloads(grant.originals)
            );
        }
    } else if let Some(grant) = report.grants.first() {
        if grant.originals > 0 {
            eprintln!(
                "lightproof:   {}",
                downloads(grant.originals).trim_start_matches(", ")
            );
        }
    }
}

pub fn bundle_summary(bundle: &lightproof::deliver::bundle::BundleReport) {
    let overhead = bundle.bytes as f64 / bundle.folder_bytes.max(1) as f64 - 1.0;
    eprintln!(
        "lightproof: wrote '{}': one file of {} with {} (the folder's files: {}, +{:.0} %). It opens by double-clicking, from any host, and as an email or chat attachment.",
        bundle.path.display(),
        human_bytes(bundle.bytes),
        plural(bundle.blobs, "encrypted file"),
        human_bytes(bundle.folder_bytes),
        overhead * 100.0
    );
    if bundle.too_large_for_email {
        eprintln!(
            "lightproof: warning: at {} it is too large for most email (providers accept 20 to 25 MB) and slow to open on a phone; send a link to a hosted gallery or hand over the folder instead",
            human_bytes(bundle.bytes)
        );
    }
}

/// Bytes of every file under `dir`: what the host will store.
pub fn folder_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => folder_size(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |meta| meta.len()),
            Err(_) => 0,
        })
        .sum()
}

pub fn photo_failures(failed: &[PhotoFailure]) {
    if failed.is_empty() {
        return;
    }
    eprintln!(
        "lightproof: warning: {} could not be added to the gallery:",
        plural(failed.len(), "photo")
    );
    for failure in failed {
        eprintln!("  {failure}");
    }
}

/// `which` names the password when several were checked.
pub fn verify_summary(site: &Path, which: &str, report: &VerifyReport) {
    let site = site.display();
    if report.problems.is_empty() {
        eprintln!(
            "lightproof: '{site}'{which} is complete: {} in {}{}, all {} encrypted files present and authentic",
            plural(report.photos, "photo"),
            plural(report.albums, "album"),
            downloads(report.originals),
            report.blobs_checked + 1
        );
        return;
    }
    eprintln!(
        "lightproof: '{site}'{which} has {}:",
        plural(report.problems.len(), "problem")
    );
    for problem in &report.problems {
        eprintln!("  {problem}");
    }
}

/// The site's files outside every grant, and what was not checked.
pub fn site_check_summary(site: &Path, check: &SiteCheck, cache_known: bool) {
    let site = site.display();
    if !check.problems.is_empty() {
        eprintln!(
            "lightproof: '{site}' has {} outside the encrypted photos:",
            plural(check.problems.len(), "problem")
        );
        for problem in &check.problems {
            eprintln!("  {problem}");
        }
    }
    if !check.unchecked_grants.is_empty() {
        eprintln!(
            "lightproof: not checked: the photos of grant{} {} (give each one's --password-file or --link)",
            if check.unchecked_grants.len() == 1 { "" } else { "s" },
            check
                .unchecked_grants
                .iter()
                .map(|grant| format!("'{grant}'"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    } else if check.unreached > 0 && !cache_known {
        eprintln!(
            "lightproof: not checked: {} that none of the grants checked here leads to (other grants' photos, opened by other passwords or links; run verify where the gallery was built to name them)",
            plural(check.unreached, "encrypted file")
        );
    }
}

pub fn pack_summary(report: &lightproof::deliver::pack::PackReport) {
    eprintln!(
        "lightproof: packed {} into '{}' ({}); check it any time with: lightproof verify '{}'",
        plural(report.files, "file"),
        report.out.display(),
        human_bytes(report.bytes),
        report.out.display()
    );
}

pub fn diff_summary(diff: &lightproof::deliver::diff::Diff) {
    let bytes: u64 = diff.upload.iter().map(|upload| upload.bytes).sum();
    eprintln!(
        "lightproof: {} to upload ({}), {} to delete, {} unchanged",
        plural(diff.upload.len(), "file"),
        human_bytes(bytes),
        diff.delete.len(),
        diff.unchanged
    );
    if !diff.upload.is_empty() || !diff.delete.is_empty() {
        eprintln!("lightproof: upload in the order listed, then delete: the gallery stays whole on the host all along");
    }
}

pub fn publish_plan(plan: &lightproof::deliver::publish::Plan, target: &str) {
    eprintln!(
        "lightproof: would upload {} ({}) to {target} and delete {}; {} already there",
        plural(plan.upload.len(), "file"),
        human_bytes(plan.upload_bytes()),
        plural(plan.delete.len(), "stale file"),
        plural(plan.unchanged, "file"),
    );
    foreign(&plan.foreign);
}

pub fn published(published: &lightproof::deliver::publish::Published, target: &str) {
    if published.cleaned_up > 0 {
        eprintln!(
            "lightproof: cleaned up {} left by an interrupted publish",
            plural(published.cleaned_up, "unfinished upload")
        );
    }
    eprintln!(
        "lightproof: published to {target}: {} uploaded ({}), {} deleted, {} already there",
        plural(published.uploaded, "file"),
        human_bytes(published.uploaded_bytes),
        plural(published.deleted, "stale file"),
        plural(published.unchanged, "file"),
    );
    foreign(&published.foreign);
}

fn foreign(names: &[String]) {
    if let Some(first) = names.first() {
        eprintln!(
            "lightproof: left alone {} under the prefix that lightproof did not write (first: '{first}'); give each gallery a prefix of its own",
            plural(names.len(), "object")
        );
    }
}

fn downloads(originals: usize) -> String {
    if originals == 0 {
        String::new()
    } else {
        format!(", with downloads of {}", plural(originals, "original"))
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b => format!("{:.0} KB", (b as f64 / 1024.0).ceil()),
    }
}
