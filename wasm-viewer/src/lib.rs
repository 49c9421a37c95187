//! The viewer core: a thin C-ABI surface over `lightproof::format`, loaded by
//! `viewer.js` with `WebAssembly.instantiate(bytes, {})` (no imports, no
//! generated glue). Keys never leave this module; JavaScript gets back only
//! display data and decrypted JPEG bytes.
//!
//! The one exception is the key of an original being downloaded, derived
//! here and handed over once ([`lp_original_key`]) so that WebCrypto can
//! import it as a non-extractable key; docs/SECURITY.md, "Key material in
//! the browser", says what exists where.
//!
//! Calling convention: inputs are copied into buffers from [`lp_alloc`];
//! every call returns a [`Status`] and leaves its output in a buffer read
//! through [`lp_out_ptr`] / [`lp_out_len`], valid until the next call.
//! Nothing here panics on hostile input: every failure is a status code.

mod check;
mod session;
pub mod zip;

use check::{OriginalCheck, Pins};
use session::Session;
use std::cell::RefCell;

/// Status codes shared with `viewer.js`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    NotAGallery = 1,
    UnsupportedVersion = 2,
    BadParameters = 3,
    WrongPassword = 4,
    Damaged = 5,
    BadState = 6,
    Internal = 7,
}

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The original being checked for the download Worker (no key here).
    static CHECK: RefCell<Option<OriginalCheck>> = const { RefCell::new(None) };
}

fn respond(result: Result<Vec<u8>, Status>) -> i32 {
    OUTPUT.with(|out| {
        let mut out = out.borrow_mut();
        zeroize::Zeroize::zeroize(&mut *out);
        match result {
            Ok(bytes) => {
                *out = bytes;
                Status::Ok as i32
            }
            Err(status) => status as i32,
        }
    })
}

/// # Safety
/// `ptr..ptr+len` must be a live buffer from [`lp_alloc`].
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr, len)
    }
}

fn with_session(f: impl FnOnce(&mut Session) -> Result<Vec<u8>, Status>) -> i32 {
    respond(SESSION.with(|session| f(&mut session.borrow_mut())))
}

/// Allocates `len` bytes for an input.
#[no_mangle]
pub extern "C" fn lp_alloc(len: usize) -> *mut u8 {
    let mut buffer = core::mem::ManuallyDrop::new(vec![0u8; len.max(1)]);
    buffer.as_mut_ptr()
}

/// Zeroes and frees a buffer from [`lp_alloc`].
///
/// # Safety
/// `ptr` and `len` must come from one [`lp_alloc`] call, freed once.
#[no_mangle]
pub unsafe extern "C" fn lp_free(ptr: *mut u8, len: usize) {
    let len = len.max(1);
    let mut buffer = Vec::from_raw_parts(ptr, len, len);
    zeroize::Zeroize::zeroize(&mut buffer);
}

#[no_mangle]
pub extern "C" fn lp_out_ptr() -> *const u8 {
    OUTPUT.with(|out| out.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn lp_out_len() -> usize {
    OUTPUT.with(|out| out.borrow().len())
}

/// Zeroizes and empties the output buffer (after a key was read from it).
#[no_mangle]
pub extern "C" fn lp_out_clear() {
    respond(Ok(Vec::new()));
}

/// Parses `gallery.bin`; output: `{"kdf": "pbkdf2", "iterations": n, "salt":
/// "<base64>", "gallery": "<hex>"}` or `{"kdf": "argon2id", "memory_kib": n,
/// "gallery": "<hex>"}`.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_open_header(ptr: *const u8, len: usize) -> i32 {
    let bytes = input(ptr, len);
    with_session(|session| session.open_header(bytes))
}

/// Runs the header's password KDF on the NFC-normalised UTF-8 password;
/// output: the 32-byte password key, for [`lp_unlock_key`]. The viewer
/// calls it in a Worker's own instance (after [`lp_open_header`] there),
/// so the seconds of Argon2id never block the page.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_derive_password_key(ptr: *const u8, len: usize) -> i32 {
    let password = input(ptr, len);
    with_session(|session| session.derive_password_key(password))
}

/// Unlocks with the 32-byte password key (the output of the header's KDF);
/// output: `{"manifest": "b/<id>"}`.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_unlock_key(ptr: *const u8, len: usize) -> i32 {
    let key = input(ptr, len);
    with_session(|session| session.unlock_key(key))
}

/// Unlocks with the NFC-normalised UTF-8 password, running the header's KDF here
/// (for origins without WebCrypto). Output as [`lp_unlock_key`].
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_unlock_password(ptr: *const u8, len: usize) -> i32 {
    let password = input(ptr, len);
    with_session(|session| session.unlock_password(password))
}

/// Unlocks with a key link's secret as the link spells it: the 52 base32
/// characters after `#k=` (docs/FORMAT.md); any other spelling gives
/// `WrongPassword`. Output as [`lp_unlock_key`].
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_unlock_link(ptr: *const u8, len: usize) -> i32 {
    let text = input(ptr, len);
    with_session(|session| session.unlock_link(text))
}

/// Unlocks a two-factor link: password key (32 bytes) ‖ the link's secret
/// as [`lp_unlock_link`] takes it (52 characters, after `#k2=`). Output as
/// [`lp_unlock_key`].
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_unlock_two_factor(ptr: *const u8, len: usize) -> i32 {
    let keys = input(ptr, len);
    with_session(|session| session.unlock_two_factor(keys))
}

/// Unlocks a two-factor link without WebCrypto: the link's secret as
/// [`lp_unlock_link`] takes it (52 characters) ‖ NFC password; the KDF
/// runs here. Output as [`lp_unlock_key`].
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_unlock_two_factor_password(ptr: *const u8, len: usize) -> i32 {
    let bytes = input(ptr, len);
    with_session(|session| session.unlock_two_factor_password(bytes))
}

/// Tags a selection's text with the open grant's key; output: 32 bytes.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_sign_selection(ptr: *const u8, len: usize) -> i32 {
    let text = input(ptr, len);
    with_session(|session| session.sign_selection(text))
}

/// A selection's short sealed code (docs/FORMAT.md, "Selection codes"):
/// input the JSON [`Session::selection_code`] takes; output the code's text.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_selection_code(ptr: *const u8, len: usize) -> i32 {
    let chosen = input(ptr, len);
    with_session(|session| session.selection_code(chosen))
}

/// Opens the manifest blob; output: the display JSON (no keys).
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_open_manifest(ptr: *const u8, len: usize) -> i32 {
    let bytes = input(ptr, len);
    with_session(|session| session.open_manifest(bytes))
}

/// Opens photo `n`'s thumbnail (`kind` 0) or preview (`kind` 1), or the
/// studio's logo (`kind` 2) or font (`kind` 3), for which `n` is ignored;
/// output: the file's bytes.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_open_photo(n: u32, kind: u32, ptr: *const u8, len: usize) -> i32 {
    let bytes = input(ptr, len);
    with_session(|session| session.open_photo(n, kind, bytes))
}

/// Starts decrypting photo `n`'s original (a grant with downloads only).
#[no_mangle]
pub extern "C" fn lp_original_begin(n: u32) -> i32 {
    with_session(|session| session.original_begin(n))
}

/// Takes the next bytes of the original's blob; output: the next bytes of
/// the file (possibly none). Any failure ends the download.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_original_push(ptr: *const u8, len: usize) -> i32 {
    let bytes = input(ptr, len);
    with_session(|session| session.original_push(bytes))
}

/// Ends the blob; output: the file's last bytes. Status `Ok` means the
/// whole file authenticated; anything else means throw away what was
/// released.
#[no_mangle]
pub extern "C" fn lp_original_finish() -> i32 {
    with_session(|session| session.original_finish())
}

/// What the manifest pins about photo `n`'s original, for the download
/// Worker's [`lp_check_begin`]; output: `size[8] || bytes[8] || crc32[4] ||
/// sha256[32]`, then `sha256_segments[32]` when the manifest has it
/// (nothing secret).
#[no_mangle]
pub extern "C" fn lp_original_pins(n: u32) -> i32 {
    with_session(|session| session.original_pins(n))
}

/// Checks the first 56 bytes of photo `n`'s original blob (salt and key
/// commitment) and derives its chunk key; output: `key[32] ||
/// base_nonce[12]`, for WebCrypto to import as a non-extractable key, after
/// which the page wipes its copy and calls [`lp_out_clear`]. The blob key
/// itself never leaves the module.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_original_key(n: u32, ptr: *const u8, len: usize) -> i32 {
    let prefix = input(ptr, len);
    with_session(|session| session.original_key(n, prefix))
}

/// Starts checking an original decrypted outside the module (see
/// `check.rs`); input: the pins from [`lp_original_pins`]. Needs no
/// session: the download Worker calls it in its own instance.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_check_begin(ptr: *const u8, len: usize) -> i32 {
    let pins = input(ptr, len);
    let check = Pins::parse(pins)
        .ok_or(Status::BadState)
        .and_then(OriginalCheck::new);
    let status = check.as_ref().err().copied();
    CHECK.with(|slot| *slot.borrow_mut() = check.ok());
    respond(status.map_or(Ok(Vec::new()), Err))
}

/// The next bytes of the blob being checked (counted, and hashed unless
/// the pins have a segment hash).
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_check_ciphertext(ptr: *const u8, len: usize) -> i32 {
    let bytes = input(ptr, len);
    with_check(|check| check.ciphertext(bytes).map(|()| Vec::new()))
}

/// The SHA-256 digests of the next 1 MiB segments of the blob being
/// checked, 32 bytes each, in order (pins with a segment hash only).
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_check_segments(ptr: *const u8, len: usize) -> i32 {
    let digests = input(ptr, len);
    with_check(|check| check.segment_digests(digests).map(|()| Vec::new()))
}

/// The next decrypted chunk; output: how many of its first bytes are the
/// file's, as 4 bytes little-endian (the rest is padding).
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_check_chunk(ptr: *const u8, len: usize) -> i32 {
    let plaintext = input(ptr, len);
    with_check(|check| {
        let content = check.chunk(plaintext)?;
        Ok(u32::try_from(content)
            .map_err(|_| Status::Internal)?
            .to_le_bytes()
            .to_vec())
    })
}

/// Ends the check: `Ok` only if the whole blob came and every pin held.
#[no_mangle]
pub extern "C" fn lp_check_finish() -> i32 {
    let check = CHECK.with(|slot| slot.borrow_mut().take());
    respond(match check {
        Some(check) => check.finish().map(|()| Vec::new()),
        None => Err(Status::BadState),
    })
}

/// Runs `f` on the check under way; any failure ends it.
fn with_check(f: impl FnOnce(&mut OriginalCheck) -> Result<Vec<u8>, Status>) -> i32 {
    let result = CHECK.with(|slot| {
        let mut slot = slot.borrow_mut();
        let result = slot.as_mut().ok_or(Status::BadState).and_then(f);
        if result.is_err() {
            *slot = None;
        }
        result
    });
    respond(result)
}

/// Starts a ZIP of originals; input: a JSON array of photo numbers;
/// output: `{"bytes": n}`, the archive's exact length.
///
/// # Safety
/// See [`input`].
#[no_mangle]
pub unsafe extern "C" fn lp_zip_begin(ptr: *const u8, len: usize) -> i32 {
    let photos = input(ptr, len);
    with_session(|session| session.zip_begin(photos))
}

/// Output: the ZIP local header of photo `n`, whose original follows.
#[no_mangle]
pub extern "C" fn lp_zip_entry(n: u32) -> i32 {
    with_session(|session| session.zip_entry(n))
}

/// Output: the ZIP's central directory and end records.
#[no_mangle]
pub extern "C" fn lp_zip_finish() -> i32 {
    with_session(|session| session.zip_finish())
}

/// Forgets every key and the manifest.
#[no_mangle]
pub extern "C" fn lp_lock() {
    respond(Ok(Vec::new()));
    SESSION.with(|session| *session.borrow_mut() = Session::default());
    CHECK.with(|slot| *slot.borrow_mut() = None);
}
