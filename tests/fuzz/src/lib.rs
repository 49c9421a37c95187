//! What the fuzz targets share: an allocator that refuses oversized
//! allocations, fixed keys and real sealed objects to fuzz against, and the
//! seed corpus built from them.

// Linked into every binary of this crate, the seed writer's test harness
// too: it defines the coverage callbacks the instrumented code calls.
extern crate libfuzzer_sys;

pub mod fixtures;
pub mod script;
// Only its test writes the seeds, and only it needs the whole generator
// (a dev-dependency): the targets build without it.
#[cfg(test)]
pub mod seeds;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;

/// Largest single allocation a fuzzed parser may make.
///
/// Every target runs with `-max_len` of at most 64 KiB (see `run.sh`). The
/// format's own fixed buffers are at most one chunk record (16 KiB + 16);
/// whole-message decryption, JSON parsing and base64 decoding allocate at
/// most a small multiple of their input; the manifest reader refuses
/// ciphertexts above 16 MiB before reading them. So no parser has a
/// legitimate reason to ask for more than a few hundred KiB at once from a
/// 64 KiB input: 16 MiB leaves ample room, and a request above it means a
/// length field from the input was trusted. libFuzzer's own `-malloc_limit_mb`
/// cannot see Rust allocations without a sanitizer, hence this wrapper.
pub const ALLOCATION_CAP: usize = 16 << 20;

/// [`System`], aborting (a crash libFuzzer reports and saves the input of)
/// on any allocation above [`ALLOCATION_CAP`].
pub struct CappedAllocator;

// SAFETY: every call is forwarded unchanged to `System`, or aborts.
unsafe impl GlobalAlloc for CappedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        refuse_if_oversized(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        refuse_if_oversized(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        refuse_if_oversized(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: CappedAllocator = CappedAllocator;

/// Aborts with a message naming the size. Formats without allocating: this
/// runs inside the allocator.
fn refuse_if_oversized(size: usize) {
    if size <= ALLOCATION_CAP {
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(b"\n==unbounded allocation== a parser asked for ");
    let _ = stderr.write_all(&digits[at..]);
    let _ =
        stderr.write_all(b" bytes at once (cap: 16 MiB); a length from the input was trusted\n");
    std::process::abort();
}
