//! The scripts of offline copies (`<file>.js`), which `verify` reads back.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::site::offline::{decode_part, encode_part};

fuzz_target!(|script: &[u8]| {
    if let Some(part) = decode_part(script) {
        let again = encode_part(&part.name, part.index, part.count, &part.bytes);
        assert_eq!(
            again.as_bytes(),
            script,
            "only what encode_part writes is accepted"
        );
    }
});
