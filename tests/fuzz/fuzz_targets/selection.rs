//! A client's selection text (`lightproof picks`): the footer and the
//! photo lines, a sealed code found in any text, and the escaping of every
//! name and note before it reaches a terminal.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::deliver::selection::{parse_selection, parse_sent, printable, Sent};
use lightproof::format::Key32;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Some(selection) = parse_selection(text) {
        assert!(selection.body.len() < text.len());
        for (file, album, note) in &selection.photos {
            assert!(!file.is_empty());
            for client_text in [file, album].into_iter().chain(note) {
                let shown = printable(client_text);
                assert!(
                    shown.chars().all(|c| !c.is_control() && !is_format(c)),
                    "{shown:?}"
                );
                assert!(shown.len() >= client_text.len());
            }
        }
    }
    // A code is found (or not) in any text; its tag is checked before any
    // other byte is read, and a forged one is refused without a panic.
    if let Some(Sent::Code(code)) = parse_sent(text) {
        assert!(code.open(&Key32::from_bytes([0x44; 32])).is_err());
    }
    // Escaping holds for any text, not only what the parser splits out.
    assert!(printable(text).chars().all(|c| !c.is_control() && !is_format(c)));
});

/// Invisible and direction-changing characters (Unicode category Cf) that
/// the terminal must never get raw.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
}
