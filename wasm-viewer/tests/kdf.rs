//! The viewer's unlock entry points, called natively as `viewer.js` calls
//! them: header parameters the host controls are refused before the key
//! derivation runs, and a lowered iteration count unlocks nothing.

use std::time::{Duration, Instant};

use lightproof::format::header::{
    Header, SlotContents, SlotType, MIN_ITERATIONS, PREFIX_LEN, SLOT_LEN,
};
use lightproof::format::Key32;
use lightproof_viewer::{lp_lock, lp_open_header, lp_unlock_password, Status};

const PASSWORD: &[u8] = b"correct horse battery staple";

fn header_bytes(iterations: u32) -> Vec<u8> {
    let mut header = Header::new([7; 16], iterations, [3; 32], vec![[0x5a; SLOT_LEN]; 2]);
    let contents = SlotContents {
        manifest_id: [9; 16],
        manifest_key: Key32::from_bytes([4; 32]),
    };
    let key = header.derive_password_key(PASSWORD);
    header.seal_slot(0, &key, SlotType::Password, [8; 16], &contents);
    header.to_bytes()
}

/// `lp_open_header` then `lp_unlock_password`, as the page does without
/// WebCrypto; the two statuses.
fn open_and_unlock(bytes: &[u8]) -> (i32, i32) {
    lp_lock();
    // SAFETY: both calls only read the slices given.
    unsafe {
        let opened = lp_open_header(bytes.as_ptr(), bytes.len());
        let unlocked = lp_unlock_password(PASSWORD.as_ptr(), PASSWORD.len());
        (opened, unlocked)
    }
}

#[test]
fn the_viewer_refuses_out_of_range_parameters_before_deriving_a_key() {
    let good = header_bytes(MIN_ITERATIONS);
    let started = Instant::now();
    assert_eq!(
        open_and_unlock(&good),
        (Status::Ok as i32, Status::Ok as i32)
    );
    let valid_unlock = started.elapsed();
    // Relative bounds: an idle fast machine derives the key in well under
    // 100 ms, a busy one in many times that.
    assert!(
        valid_unlock > Duration::from_millis(30),
        "a real unlock took only {valid_unlock:?}: too little work to compare with"
    );
    let limit = valid_unlock / 10;
    let with = |at: usize, value: &[u8]| {
        let mut bytes = good.clone();
        bytes[at..at + value.len()].copy_from_slice(value);
        bytes
    };
    let cases = [
        (
            "0 iterations",
            with(25, &0u32.to_be_bytes()),
            Status::BadParameters,
        ),
        (
            "599,999 iterations",
            with(25, &(MIN_ITERATIONS - 1).to_be_bytes()),
            Status::BadParameters,
        ),
        (
            "10,000,001 iterations",
            with(25, &10_000_001u32.to_be_bytes()),
            Status::BadParameters,
        ),
        (
            "2^32-1 iterations",
            with(25, &u32::MAX.to_be_bytes()),
            Status::BadParameters,
        ),
        ("0 slots", with(PREFIX_LEN - 1, &[0]), Status::BadParameters),
        (
            "33 slots",
            with(PREFIX_LEN - 1, &[33]),
            Status::BadParameters,
        ),
        (
            "255 slots",
            with(PREFIX_LEN - 1, &[255]),
            Status::BadParameters,
        ),
        (
            "one byte long",
            [&good[..], &[0]].concat(),
            Status::NotAGallery,
        ),
        (
            "one byte short",
            good[..good.len() - 1].to_vec(),
            Status::NotAGallery,
        ),
        (
            "unknown key derivation",
            with(24, &[2]),
            Status::BadParameters,
        ),
        ("major version 2", with(6, &[2]), Status::UnsupportedVersion),
    ];
    for (what, bytes, expected) in cases {
        let started = Instant::now();
        let (opened, unlocked) = open_and_unlock(&bytes);
        let elapsed = started.elapsed();
        eprintln!("viewer, {what}: refused in {elapsed:?}");
        assert_eq!(opened, expected as i32, "{what}");
        assert_eq!(
            unlocked,
            Status::BadState as i32,
            "{what}: no header, no unlock"
        );
        assert!(
            elapsed < limit,
            "{what}: took {elapsed:?}, more than a tenth of a real unlock ({valid_unlock:?})"
        );
    }
}

#[test]
fn the_viewer_unlocks_nothing_with_a_lowered_iteration_count() {
    let mut bytes = header_bytes(1_000_000);
    assert_eq!(
        open_and_unlock(&bytes),
        (Status::Ok as i32, Status::Ok as i32)
    );
    bytes[25..29].copy_from_slice(&MIN_ITERATIONS.to_be_bytes());
    assert_eq!(
        open_and_unlock(&bytes),
        (Status::Ok as i32, Status::WrongPassword as i32)
    );
    bytes[25..29].copy_from_slice(&1_000u32.to_be_bytes());
    assert_eq!(
        open_and_unlock(&bytes),
        (Status::BadParameters as i32, Status::BadState as i32)
    );
}
