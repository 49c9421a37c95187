//! A global allocator that looks inside every block as it is freed, to prove
//! that code leaves no secret behind in memory it gives back.
//!
//! Including this module installs it for the whole test binary. While
//! [`scan`] runs its closure, every freed block is searched for a 16-byte
//! pattern and each block holding it counts as one hit. `realloc` is left to
//! `GlobalAlloc`'s default (allocate, copy, free), so the old block of a
//! growing `Vec` is searched too. Every block is handed out zeroed, so
//! reading a whole block when it is freed never reads uninitialised memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Mutex;

pub const PATTERN_LEN: usize = 16;

struct ScanningAllocator;

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator;

static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
static PATTERN: [AtomicU8; PATTERN_LEN] = [const { AtomicU8::new(0) }; PATTERN_LEN];
/// The allocator serves the whole process: one scan at a time.
static ONE_SCAN: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) {
            let block = std::slice::from_raw_parts(ptr, layout.size());
            if holds_pattern(block) {
                HITS.fetch_add(1, Ordering::SeqCst);
            }
        }
        System.dealloc(ptr, layout)
    }
}

fn holds_pattern(block: &[u8]) -> bool {
    let mut pattern = [0u8; PATTERN_LEN];
    for (byte, stored) in pattern.iter_mut().zip(&PATTERN) {
        *byte = stored.load(Ordering::SeqCst);
    }
    block.windows(PATTERN_LEN).any(|window| window == pattern)
}

/// Runs `work` with the scanner armed for `pattern`; returns its result and
/// how many blocks freed meanwhile held the pattern. The result itself is
/// freed only later, by the caller, unscanned.
pub fn scan<R>(pattern: &[u8; PATTERN_LEN], work: impl FnOnce() -> R) -> (R, usize) {
    let _only_scan = ONE_SCAN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (stored, &byte) in PATTERN.iter().zip(pattern) {
        stored.store(byte, Ordering::SeqCst);
    }
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let result = work();
    ARMED.store(false, Ordering::SeqCst);
    (result, HITS.load(Ordering::SeqCst))
}
