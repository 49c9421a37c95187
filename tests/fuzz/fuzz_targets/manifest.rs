//! Decrypted manifest JSON: parsing and validation, the entry point the
//! viewer and `verify` use once the manifest blob has authenticated.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::manifest::Manifest;
use lightproof_fuzz::fixtures::GALLERY;

fuzz_target!(|json: &[u8]| {
    let Ok(manifest) = Manifest::parse(json, &GALLERY) else {
        return;
    };
    let _ = manifest.originals();
    // What validated once validates again after a round trip.
    let again = Manifest::parse(&manifest.to_json(), &GALLERY);
    assert!(
        again.is_ok(),
        "a valid manifest fails after re-serialising: {again:?}"
    );
});
