//! Progress on stderr while a long step runs: a bar with an ETA on a
//! terminal, plain lines in logs (build only), nothing with `--quiet` or
//! `--json`. The library prints nothing while a bar is drawn (failures are
//! collected and reported once it is cleared), so no line can tear it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

pub enum Shown {
    Bar(ProgressBar),
    Log(ProgressLog),
    Nothing,
}

impl Shown {
    /// Over photos; originals are read, stripped and encrypted inside each
    /// photo's step, so the bar covers them.
    pub fn for_build(silent: bool) -> Self {
        if silent {
            Self::Nothing
        } else if can_redraw() {
            Self::Bar(bar(
                "{spinner} Building [{bar:30}] {pos}/{len} photos, {eta} left",
            ))
        } else {
            Self::Log(ProgressLog::new())
        }
    }

    /// Over the bytes of the encrypted files checked.
    pub fn for_verify(silent: bool) -> Self {
        if !silent && can_redraw() {
            Self::Bar(bar(
                "{spinner} Checking [{bar:30}] {bytes}/{total_bytes}, {eta} left",
            ))
        } else {
            Self::Nothing
        }
    }

    /// Over the bytes uploaded: the rate and the time left.
    pub fn for_publish(silent: bool, bytes: u64) -> Self {
        if !silent && can_redraw() {
            let shown = bar("{spinner} Uploading [{bar:30}] {bytes}/{total_bytes} at {bytes_per_sec}, {eta} left");
            shown.set_length(bytes);
            Self::Bar(shown)
        } else {
            Self::Nothing
        }
    }

    pub fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

impl lightproof::build::Progress for Shown {
    fn start(&self, photos: u64) {
        match self {
            Self::Bar(bar) => bar.set_length(photos),
            Self::Log(log) => log.start(photos),
            Self::Nothing => {}
        }
    }

    fn photo_done(&self) {
        match self {
            Self::Bar(bar) => bar.inc(1),
            Self::Log(log) => log.photo_done(),
            Self::Nothing => {}
        }
    }
}

impl lightproof::deliver::verify::Progress for Shown {
    fn start(&self, bytes: u64) {
        if let Self::Bar(bar) = self {
            bar.set_length(bytes);
        }
    }

    fn checked(&self, bytes: u64) {
        if let Self::Bar(bar) = self {
            bar.inc(bytes);
        }
    }
}

impl lightproof::deliver::publish::Progress for Shown {
    fn sent(&self, bytes: u64) {
        if let Self::Bar(bar) = self {
            bar.inc(bytes);
        }
    }
}

/// A bar redraws its line in place: stderr must be a terminal that can.
fn can_redraw() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

fn bar(template: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(template)
        .expect("valid template")
        .progress_chars("=> ");
    ProgressBar::new(0).with_style(style)
}

/// Progress as plain lines, for logs and pipes: one line per tenth of the
/// photos, with the elapsed time and an estimate of what is left.
pub struct ProgressLog {
    started: Instant,
    total: AtomicU64,
    done: AtomicU64,
}

impl ProgressLog {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
        }
    }

    fn start(&self, photos: u64) {
        self.total.store(photos, Ordering::Relaxed);
        let noun = if photos == 1 { "photo" } else { "photos" };
        eprintln!("lightproof: building {photos} {noun}");
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
