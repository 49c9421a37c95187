//! Key links through the viewer's C ABI, as `viewer.js` passes them: the
//! secret's text from the address (`#k=` / `#k2=`), decoded by the module.
//! Only the one spelling `lightproof link` prints opens anything.

use lightproof::format::encoding::base32;
use lightproof::format::header::{Header, SlotContents, SlotType, MIN_ITERATIONS, SLOT_LEN};
use lightproof::format::vault::two_factor_key;
use lightproof::format::Key32;
use lightproof_viewer::{
    lp_lock, lp_open_header, lp_unlock_link, lp_unlock_two_factor, lp_unlock_two_factor_password,
    Status,
};

const PASSWORD: &[u8] = b"correct horse battery staple";
const LINK_SECRET: [u8; 32] = [0x24; 32];
const TWO_FACTOR_SECRET: [u8; 32] = [0x25; 32];

/// A header with a key link slot and a two-factor slot; also the password key.
fn header_bytes() -> (Vec<u8>, Key32) {
    let mut header = Header::new([7; 16], MIN_ITERATIONS, [3; 32], vec![[0x5a; SLOT_LEN]; 2]);
    let contents = SlotContents {
        manifest_id: [9; 16],
        manifest_key: Key32::from_bytes([4; 32]),
    };
    let password_key = header.derive_password_key(PASSWORD);
    let link = Key32::from_bytes(LINK_SECRET);
    header.seal_slot(0, &link, SlotType::Link, [8; 16], &contents);
    let two_factor = two_factor_key(&password_key, &Key32::from_bytes(TWO_FACTOR_SECRET));
    header.seal_slot(
        1,
        &two_factor,
        SlotType::LinkAndPassword,
        [6; 16],
        &contents,
    );
    (header.to_bytes(), password_key)
}

/// Opens the header afresh, then calls `unlock` with `input`; its status.
fn unlock(
    header: &[u8],
    unlock: unsafe extern "C" fn(*const u8, usize) -> i32,
    input: &[u8],
) -> i32 {
    lp_lock();
    // SAFETY: both calls only read the slices given.
    unsafe {
        assert_eq!(
            lp_open_header(header.as_ptr(), header.len()),
            Status::Ok as i32
        );
        unlock(input.as_ptr(), input.len())
    }
}

/// The secret's text with its last character changed so that the unused
/// final bits are not zero: the same 32 bytes, spelled another way.
fn non_canonical(text: &str) -> String {
    let last = if text.ends_with('a') { 'b' } else { 'r' };
    format!("{}{last}", &text[..text.len() - 1])
}

#[test]
fn a_key_link_opens_by_its_text_and_by_no_other_spelling() {
    let (header, _) = header_bytes();
    let text = base32(&LINK_SECRET);
    assert_eq!(text.len(), 52);
    assert_eq!(
        unlock(&header, lp_unlock_link, text.as_bytes()),
        Status::Ok as i32
    );
    for other in [
        non_canonical(&text),
        text.to_uppercase(),
        text[..51].to_string(),
        format!("{text}a"),
        format!("{text}="),
        String::from_utf8_lossy(&LINK_SECRET).into_owned(),
        base32(&TWO_FACTOR_SECRET),
    ] {
        assert_eq!(
            unlock(&header, lp_unlock_link, other.as_bytes()),
            Status::WrongPassword as i32,
            "{other}"
        );
    }
    assert_eq!(
        unlock(&header, lp_unlock_link, &LINK_SECRET),
        Status::WrongPassword as i32
    );
}

#[test]
fn a_two_factor_link_takes_its_text_with_the_password_key_or_the_password() {
    let (header, password_key) = header_bytes();
    let text = base32(&TWO_FACTOR_SECRET);
    let with_key = |text: &str| [&password_key.as_bytes()[..], text.as_bytes()].concat();
    let with_password = |text: &str| [text.as_bytes(), PASSWORD].concat();
    assert_eq!(
        unlock(&header, lp_unlock_two_factor, &with_key(&text)),
        Status::Ok as i32
    );
    assert_eq!(
        unlock(
            &header,
            lp_unlock_two_factor_password,
            &with_password(&text)
        ),
        Status::Ok as i32
    );
    let other = non_canonical(&text);
    assert_eq!(
        unlock(&header, lp_unlock_two_factor, &with_key(&other)),
        Status::WrongPassword as i32
    );
    assert_eq!(
        unlock(
            &header,
            lp_unlock_two_factor_password,
            &with_password(&other)
        ),
        Status::WrongPassword as i32
    );
    // The link alone, or the secret's 32 bytes where the text goes, open nothing.
    let raw = [&password_key.as_bytes()[..], &TWO_FACTOR_SECRET[..]].concat();
    assert_eq!(
        unlock(&header, lp_unlock_two_factor, &raw),
        Status::BadState as i32
    );
    assert_eq!(
        unlock(&header, lp_unlock_link, text.as_bytes()),
        Status::WrongPassword as i32
    );
}
