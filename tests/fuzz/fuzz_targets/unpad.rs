//! Padding removal on raw bytes: only the one valid Padmé padding of its
//! content is accepted.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::padding::{pad, unpad};

fuzz_target!(|bytes: &[u8]| {
    let mut content = bytes.to_vec();
    if unpad(&mut content).is_some() {
        pad(&mut content);
        assert_eq!(
            content, bytes,
            "unpad accepted a padding pad would not write"
        );
    }
});
