//! A client's selection as text (docs/FORMAT.md, "Selections"): split
//! into the part its tag covers, the footer and the chosen photos, or
//! found as a sealed code; and client text made safe to print. It reads untrusted bytes and needs none
//! of the generator's crates, so the fuzz targets build it alone (the
//! `parsers` feature); `picks` checks the tag and finds the photos.

use crate::format::selection_code::SealedCode;
use crate::format::{encoding, Id};

/// `text` with every character that is not plain printable text written
/// as `\u{…}`: C0 and C1 controls, DEL, bidirectional overrides and
/// isolates, and other invisible format characters. A backslash is
/// doubled, so the escaped form cannot be mistaken for the original.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_unsafe_for_terminal(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Controls, and the format characters that change how a line reads
/// (U+202E turns `gpj.exe` around) or hide text.
fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
}

/// A selection's text split into what its tag covers and its footer. The
/// text comes from the client, so this is the part that reads untrusted
/// bytes; [`super::picks::read_picks`] then checks the tag.
#[derive(Debug)]
pub struct Selection<'a> {
    /// Everything before the footer: the text the tag covers.
    pub body: &'a str,
    pub gallery: Id,
    /// The grant's manifest id, as the footer writes it.
    pub manifest: String,
    pub tag: [u8; 32],
    /// File, album and note of every chosen photo, in the body's order.
    pub photos: Vec<(String, String, Option<String>)>,
}

/// What a client sent: a selection's whole text, or its short sealed code
/// (docs/FORMAT.md, "Selection codes"), alone or in an email's text.
#[derive(Debug)]
pub enum Sent<'a> {
    Text(Selection<'a>),
    Code(SealedCode),
}

/// The selection in `text`: its footer if it has one, else a code; `None`
/// if there is neither.
pub fn parse_sent(text: &str) -> Option<Sent<'_>> {
    match parse_selection(text) {
        Some(selection) => Some(Sent::Text(selection)),
        None => SealedCode::find(text).map(Sent::Code),
    }
}

/// Splits a selection's text; `None` unless it ends with a lightproof
/// selection footer.
pub fn parse_selection(text: &str) -> Option<Selection<'_>> {
    let (body, footer) = text.rsplit_once("--\n")?;
    let fields = footer_fields(footer.trim_end())?;
    Some(Selection {
        body,
        gallery: encoding::hex_decode::<16>(&fields.gallery)?,
        manifest: fields.manifest,
        tag: encoding::hex_decode::<32>(&fields.tag)?,
        photos: parse_body(body),
    })
}

struct Footer {
    gallery: String,
    manifest: String,
    tag: String,
}

fn footer_fields(line: &str) -> Option<Footer> {
    let rest = line.strip_prefix("lightproof-selection 1 ")?;
    let mut fields = rest.split(' ').filter_map(|f| f.split_once('='));
    let (mut gallery, mut manifest, mut tag) = (None, None, None);
    for (name, value) in fields.by_ref() {
        match name {
            "gallery" => gallery = Some(value.to_owned()),
            "manifest" => manifest = Some(value.to_owned()),
            "tag" => tag = Some(value.to_owned()),
            _ => {}
        }
    }
    Some(Footer {
        gallery: gallery?,
        manifest: manifest?,
        tag: tag?,
    })
}

/// Photo lines start at column 0; `    album:` and `    note:` follow.
fn parse_body(body: &str) -> Vec<(String, String, Option<String>)> {
    let mut picks: Vec<(String, String, Option<String>)> = Vec::new();
    for line in body.lines().skip(2) {
        if let Some(album) = line.strip_prefix("    album: ") {
            if let Some(last) = picks.last_mut() {
                last.1 = album.to_owned();
            }
        } else if let Some(note) = line.strip_prefix("    note: ") {
            if let Some(last) = picks.last_mut() {
                last.2 = Some(note.to_owned());
            }
        } else if !line.is_empty() {
            picks.push((line.to_owned(), String::new(), None));
        }
    }
    picks
}
