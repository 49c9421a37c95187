//! EXIF of a photo file (orientation, caption, colour hint), read past
//! broken fields as `decode` does: any container kamadak-exif knows (JPEG,
//! PNG, WebP, TIFF), or bare TIFF.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = lightproof::photo::exif::read_exif(bytes);
});
