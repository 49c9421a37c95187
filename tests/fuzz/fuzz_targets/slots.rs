//! Key slots: a header sealed here with a known key and contents, then
//! mutated as the input says. Opening must never panic, and must succeed
//! exactly when the authenticated prefix and the sealed slot are untouched.
//!
//! Input: slot count, index of the sealed slot, slot type, then mutations
//! of three bytes each (position u16 LE, XOR mask).
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::format::header::{Header, SlotType, MAX_SLOTS, PREFIX_LEN, SLOT_LEN};
use lightproof_fuzz::fixtures::{sealed_header, slot_contents, slot_key};

const TYPES: [SlotType; 3] = [
    SlotType::Password,
    SlotType::Link,
    SlotType::LinkAndPassword,
];

fuzz_target!(|input: &[u8]| {
    let [count, real, kind, mutations @ ..] = input else {
        return;
    };
    let count = usize::from(*count) % MAX_SLOTS + 1;
    let real = usize::from(*real) % count;
    let slot_type = TYPES[usize::from(*kind) % TYPES.len()];
    let original = sealed_header(count, real, slot_type).to_bytes();
    let mut bytes = original.clone();
    for mutation in mutations.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([mutation[0], mutation[1]])) % bytes.len();
        bytes[at] ^= mutation[2];
    }
    let Ok(header) = Header::parse(&bytes) else {
        return;
    };
    let sealed = PREFIX_LEN + real * SLOT_LEN..PREFIX_LEN + (real + 1) * SLOT_LEN;
    let untouched =
        bytes[..PREFIX_LEN] == original[..PREFIX_LEN] && bytes[sealed.clone()] == original[sealed];
    match header.open_slots(&slot_key(slot_type), slot_type) {
        Ok(opened) => {
            assert!(
                untouched,
                "a slot opened although the prefix or the sealed slot changed"
            );
            assert_eq!(opened.manifest_id, slot_contents().manifest_id);
            assert_eq!(opened.manifest_key, slot_contents().manifest_key);
        }
        Err(_) => assert!(!untouched, "the untouched sealed slot did not open"),
    }
    for other in TYPES.into_iter().filter(|&t| t != slot_type) {
        assert!(
            header.open_slots(&slot_key(slot_type), other).is_err(),
            "a slot opened as another slot type"
        );
    }
});
