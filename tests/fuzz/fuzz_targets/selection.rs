//! A client's selection text (`lightproof picks`): the footer and the
//! photo lines.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::picks::parse_selection;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Some(selection) = parse_selection(text) {
        assert!(selection.body.len() < text.len());
        assert!(selection.photos.iter().all(|(file, _, _)| !file.is_empty()));
    }
});
