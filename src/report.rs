//! Human-readable output on stderr: errors with hints, build and verify
//! summaries. stdout stays free for machine-readable output.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use lightproof::build::{BuildReport, PhotoFailure, Progress};
use lightproof::verify::VerifyReport;

pub fn error(error: &dyn std::error::Error) {
    eprintln!("lightproof: error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("lightproof:   because: {cause}");
        source = cause.source();
    }
}

pub fn build_summary(report: &BuildReport) {
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
        "lightproof: built {}{rendered} in {} into '{out}' ({} written) in {:.1} s",
        plural(report.photos, "photo"),
        plural(report.albums, "album"),
        human_bytes(report.bytes_written),
        report.elapsed.as_secs_f64()
    );
    if report.grants.len() > 1 {
        for grant in &report.grants {
            eprintln!(
                "lightproof:   grant '{}' opens {} and {}{}",
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
    if let Some(warning) = &report.cache_warning {
        eprintln!("lightproof: warning: could not save the build cache ({warning}); the next build will render every photo again");
    }
    if !report.skipped.is_empty() {
        eprintln!(
            "lightproof: skipped {}:",
            plural(report.skipped.len(), "file")
        );
        for skipped in &report.skipped {
            eprintln!("  {}: {}", skipped.path.display(), skipped.reason);
        }
    }
    if !report.removed_blobs.is_empty() {
        eprintln!(
            "lightproof: removed {} of the previous build",
            plural(report.removed_blobs.len(), "old encrypted file")
        );
    }
    eprintln!("lightproof: next: upload the whole folder '{out}' to any static host, then send the link and the password to your client separately.");
    eprintln!("lightproof: to look at it on this computer: lightproof serve '{out}' --open (hosting recipes: docs/HOSTING.md)");
}

pub fn bundle_summary(bundle: &lightproof::bundle::BundleReport) {
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

/// Progress as plain lines, for logs and pipes: one line per tenth of the
/// photos, with the elapsed time and an estimate of what is left.
pub struct ProgressLog {
    started: Instant,
    total: AtomicU64,
    done: AtomicU64,
}

impl ProgressLog {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
        }
    }
}

impl Progress for ProgressLog {
    fn start(&self, photos: u64) {
        self.total.store(photos, Ordering::Relaxed);
        eprintln!("lightproof: building {}", plural(photos as usize, "photo"));
    }

    fn photo_done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.total.load(Ordering::Relaxed).max(1);
        if done * 10 / total == (done - 1) * 10 / total && done != total {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let left = elapsed / done as f64 * (total - done) as f64;
        eprintln!(
            "lightproof: {done}/{total} photos ({}%), {elapsed:.0} s elapsed, about {left:.0} s left",
            done * 100 / total
        );
    }
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

pub fn pack_summary(report: &lightproof::pack::PackReport) {
    eprintln!(
        "lightproof: packed {} into '{}' ({}); check it any time with: lightproof verify '{}'",
        plural(report.files, "file"),
        report.out.display(),
        human_bytes(report.bytes),
        report.out.display()
    );
}

pub fn diff_summary(diff: &lightproof::diff::Diff) {
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
