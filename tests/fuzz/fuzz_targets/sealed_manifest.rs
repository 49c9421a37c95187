//! The manifest blob as the host serves it: decrypted with its real key
//! (the fixed slot's), unpadded, parsed and validated.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::header::SlotType;
use lightproof::format::vault::open_manifest;
use lightproof_fuzz::fixtures::{sealed_header, slot_contents};

fuzz_target!(|ciphertext: &[u8]| {
    let header = sealed_header(1, 0, SlotType::Password);
    let _ = open_manifest(&header, &slot_contents(), ciphertext);
});
