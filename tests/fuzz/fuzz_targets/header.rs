//! `gallery.bin` as the host serves it (PBKDF2 and Argon2id): parsing and
//! every range check, then
//! opening the slots with the fixed keys of every slot type.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::header::{Header, SlotType};
use lightproof_fuzz::fixtures::{slot_contents, slot_key};

fuzz_target!(|bytes: &[u8]| {
    let Ok(header) = Header::parse(bytes) else {
        return;
    };
    // A header that parses is exactly its bytes: nothing is ignored.
    assert_eq!(
        header.to_bytes(),
        bytes,
        "a parsed header re-serialises unchanged"
    );
    // Whatever parses is within the bounds a viewer can afford (PBKDF2
    // iterations, Argon2id memory, passes and lanes): nothing is derived here.
    assert!(header.kdf.check_bounds().is_ok(), "{:?}", header.kdf);
    let _ = header.pbkdf2_salt();
    let _ = header.argon2_salt();
    for slot_type in [
        SlotType::Password,
        SlotType::Link,
        SlotType::LinkAndPassword,
    ] {
        if let Ok(opened) = header.open_slots(&slot_key(slot_type), slot_type) {
            let expected = slot_contents();
            assert_eq!(opened.manifest_id, expected.manifest_id);
            assert_eq!(opened.manifest_key, expected.manifest_key);
        }
    }
});
