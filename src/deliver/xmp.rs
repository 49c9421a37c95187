//! XMP sidecars for a client's chosen photos, so that Lightroom Classic,
//! Capture One and Bridge show the choice as a colour label or a rating,
//! with the client's note as the caption.
//!
//! A sidecar follows Adobe's convention (XMP Specification Part 3, "Sidecar
//! files"): it is named after the photo with its extension replaced by
//! `.xmp` (`IMG_0201.CR3` and `IMG_0201.jpg` both read `IMG_0201.xmp`), and
//! holds one `x:xmpmeta` element with no packet wrapper, as Lightroom
//! writes them. `xmp:Label` and `xmp:Rating` (namespace
//! `http://ns.adobe.com/xap/1.0/`) are the label and stars; the note goes
//! into `dc:description` as an `rdf:Alt` with an `x-default` item.
//!
//! Sidecars are written into a folder of their own, mirroring the shoot's
//! album folders (two albums may each hold an `IMG_0001`), never into the
//! shoot: the photographer copies them beside the raw files. An existing
//! sidecar there may hold develop settings, so one is replaced only when
//! asked (`force`), and nothing is written unless every sidecar can be.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::picks::Pick;
use crate::site::atomic::{self, WriteFailed};
use crate::site::writer::{check_outside_shoot, WriteError};

/// What a sidecar marks a chosen photo with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marks {
    /// `xmp:Label`: Lightroom and Capture One show "Red", "Yellow",
    /// "Green", "Blue" and "Purple" as colour labels.
    pub label: Option<String>,
    /// `xmp:Rating`, 0 to 5 stars.
    pub rating: Option<u8>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmpError {
    #[error("the XMP folder '{dir}' is inside the shoot folder '{shoot}' (or holds it); lightproof never writes into a shoot: choose a folder outside it")]
    InsideShoot { dir: PathBuf, shoot: PathBuf },
    #[error("'{0}' already exists (it may hold your edits); no sidecar was written. Add --force to replace existing sidecars")]
    Exists(PathBuf),
    #[error("'{0}' and '{1}' would share the sidecar '{2}'; no sidecar was written")]
    SameSidecar(PathBuf, PathBuf, PathBuf),
    #[error(transparent)]
    Guard(WriteError),
    #[error(transparent)]
    Write(#[from] WriteFailed),
}

/// Writes one sidecar per pick into `dir` (outside `shoot`), in the album
/// folders of the shoot, and returns their paths. Checks every target
/// before writing any.
pub fn write_sidecars(
    picks: &[Pick],
    shoot: &Path,
    dir: &Path,
    marks: &Marks,
    force: bool,
) -> Result<Vec<PathBuf>, XmpError> {
    check_outside_shoot(dir, shoot).map_err(|error| match error {
        WriteError::OverlapsShoot { out, shoot } => XmpError::InsideShoot { dir: out, shoot },
        other => XmpError::Guard(other),
    })?;
    let targets = targets(picks, shoot, dir)?;
    if let Some(existing) = targets.iter().find(|target| target.exists()) {
        if !force {
            return Err(XmpError::Exists(existing.clone()));
        }
    }
    for (pick, target) in picks.iter().zip(&targets) {
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(WriteFailed::at(parent))?;
        atomic::write(target, sidecar(marks, pick.note.as_deref()).as_bytes())
            .map_err(WriteFailed::at(target))?;
    }
    Ok(targets)
}

/// Where each pick's sidecar goes: its path in the shoot, under `dir`,
/// with `.xmp` for its extension. Two picks that would share one are refused.
fn targets(picks: &[Pick], shoot: &Path, dir: &Path) -> Result<Vec<PathBuf>, XmpError> {
    let shoot = shoot.canonicalize().unwrap_or_else(|_| shoot.to_owned());
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    let mut targets = Vec::with_capacity(picks.len());
    for pick in picks {
        let source = pick.source.canonicalize().unwrap_or(pick.source.clone());
        let inside = match source.strip_prefix(&shoot) {
            Ok(relative) => relative.to_owned(),
            Err(_) => PathBuf::from(source.file_name().unwrap_or_default()),
        };
        let target = dir.join(inside).with_extension("xmp");
        if let Some(first) = seen.insert(target.clone(), &pick.source) {
            return Err(XmpError::SameSidecar(
                first.to_owned(),
                pick.source.clone(),
                target,
            ));
        }
        targets.push(target);
    }
    Ok(targets)
}

/// The sidecar's text.
pub fn sidecar(marks: &Marks, note: Option<&str>) -> String {
    let mut attributes = String::new();
    if let Some(label) = &marks.label {
        attributes.push_str(&format!("\n   xmp:Label=\"{}\"", escape(label)));
    }
    if let Some(rating) = marks.rating {
        attributes.push_str(&format!("\n   xmp:Rating=\"{rating}\""));
    }
    let description = match note {
        Some(note) => format!(
            ">\n   <dc:description>\n    <rdf:Alt>\n     <rdf:li xml:lang=\"x-default\">{}</rdf:li>\n    </rdf:Alt>\n   </dc:description>\n  </rdf:Description>",
            escape(note)
        ),
        None => "/>".to_owned(),
    };
    format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"lightproof\">\n \
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  \
         <rdf:Description rdf:about=\"\"\n   \
         xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n   \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"{attributes}{description}\n \
         </rdf:RDF>\n</x:xmpmeta>\n"
    )
}

/// `text` as XML character data or an attribute value: the five markup
/// characters escaped, and every character XML 1.0 cannot hold (most
/// controls, U+FFFE, U+FFFF) replaced by U+FFFD, so a hostile note cannot
/// make a sidecar that Lightroom refuses to read.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_cannot_escape_the_note() {
        assert_eq!(
            escape("a<b>&\"'\u{1b}\u{7}\u{fffe}é"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{fffd}\u{fffd}\u{fffd}é"
        );
    }

    #[test]
    fn a_sidecar_without_a_note_closes_its_description() {
        let marks = Marks {
            label: Some("Green".to_owned()),
            rating: None,
        };
        let text = sidecar(&marks, None);
        assert!(text.contains("xmp:Label=\"Green\"/>"), "{text}");
        assert!(!text.contains("Rating"));
        assert!(!text.contains("dc:description>"));
    }
}
