//! The viewer's own entry points, through its C ABI as `viewer.js` calls
//! them: a script of calls (see `lightproof_fuzz::script`) with host bytes
//! for the header, manifest and blobs, and page input for the ZIP plan and
//! the selection, and the checks of an original decrypted by WebCrypto
//! (pins, ciphertext and chunks as the download Worker passes them). No call
//! may panic, whatever the order.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::encoding::base32;
use lightproof_fuzz::fixtures::{LINK_SECRET, PASSWORD_KEY};
use lightproof_fuzz::script::{decode, Op};
use lightproof_viewer as viewer;

fuzz_target!(|input: &[u8]| {
    viewer::lp_lock();
    for (op, payload) in decode(input) {
        call(op, payload);
        // The output buffer is readable after every call.
        let out =
            unsafe { core::slice::from_raw_parts(viewer::lp_out_ptr(), viewer::lp_out_len()) };
        std::hint::black_box(out);
    }
    viewer::lp_lock();
});

fn call(op: Op, payload: &[u8]) -> i32 {
    let number = || u32::from(payload.first().copied().unwrap_or(0));
    let (ptr, len) = (payload.as_ptr(), payload.len());
    // SAFETY: the viewer only reads `ptr..ptr + len`, a live slice.
    unsafe {
        match op {
            Op::OpenHeader => viewer::lp_open_header(ptr, len),
            Op::UnlockKey => viewer::lp_unlock_key(PASSWORD_KEY.as_ptr(), 32),
            Op::UnlockLink => {
                let text = base32(&LINK_SECRET);
                viewer::lp_unlock_link(text.as_ptr(), text.len())
            }
            Op::UnlockTwoFactor => {
                let keys = [&PASSWORD_KEY[..], base32(&LINK_SECRET).as_bytes()].concat();
                viewer::lp_unlock_two_factor(keys.as_ptr(), keys.len())
            }
            Op::UnlockKeyRaw => viewer::lp_unlock_key(ptr, len),
            Op::OpenManifest => viewer::lp_open_manifest(ptr, len),
            Op::OpenPhoto => {
                let blob = payload.get(2..).unwrap_or_default();
                let kind = u32::from(payload.get(1).copied().unwrap_or(0));
                viewer::lp_open_photo(number(), kind, blob.as_ptr(), blob.len())
            }
            Op::OriginalBegin => viewer::lp_original_begin(number()),
            Op::OriginalPush => viewer::lp_original_push(ptr, len),
            Op::OriginalFinish => viewer::lp_original_finish(),
            Op::ZipBegin => viewer::lp_zip_begin(ptr, len),
            Op::ZipEntry => viewer::lp_zip_entry(number()),
            Op::ZipFinish => viewer::lp_zip_finish(),
            Op::SignSelection => viewer::lp_sign_selection(ptr, len),
            Op::OriginalPins => viewer::lp_original_pins(number()),
            Op::OriginalKey => {
                let prefix = payload.get(1..).unwrap_or_default();
                viewer::lp_original_key(number(), prefix.as_ptr(), prefix.len())
            }
            Op::CheckBegin => viewer::lp_check_begin(ptr, len),
            Op::CheckCiphertext => viewer::lp_check_ciphertext(ptr, len),
            Op::CheckChunk => viewer::lp_check_chunk(ptr, len),
            Op::CheckFinish => viewer::lp_check_finish(),
            Op::CheckSegments => viewer::lp_check_segments(ptr, len),
            Op::Lock => {
                viewer::lp_lock();
                0
            }
        }
    }
}
