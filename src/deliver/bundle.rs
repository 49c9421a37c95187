//! Single-file bundles: a whole gallery in one HTML file, for a small proof
//! set sent as an email attachment or through a chat.
//!
//! The page carries the viewer's style and script inline (allowed by their
//! SHA-256 in the page's Content-Security-Policy, so no other inline script
//! can run), and every file the viewer reads (`viewer.wasm`, `gallery.bin`,
//! each blob) in base64 inside a `<script type="application/x-lightproof"
//! data-file="…">` element, which the browser never executes. The blobs are
//! the same ciphertext as in the folder; the bundle is made from a built
//! site and needs no password. Like the script and the style, the module is
//! the one built into this binary, never the site's copy, which anyone who
//! could write to the folder may have replaced.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::format::{BLOB_DIR, HEADER_FILE};
use crate::site::atomic::{self, WriteFailed};
use crate::site::files::{SiteFile, SiteFiles, SiteFilesError};
use crate::site::names::{is_blob_name, WASM_FILE};
use crate::site::viewer::{self, Inline, FILES_MARKER};
use crate::site::writer::WriteError;

/// Above this a bundle is too large for most email (providers take 20 to
/// 25 MB) and slow to open on a phone: warn.
pub const WARN_BYTES: u64 = 50 * 1000 * 1000;
/// Above this browsers struggle to open one page at all: refuse.
pub const MAX_BYTES: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("'{0}' is not a lightproof gallery (no gallery.bin): build it first, or give the folder given to `build --out`")]
    NotASite(PathBuf),
    #[error(transparent)]
    Site(#[from] SiteFilesError),
    #[error("the gallery would make a {} single file, more than browsers can open as one page ({} at most); deliver the folder instead (a USB stick, or a host)", crate::deliver::bundle::megabytes(*.0), crate::deliver::bundle::megabytes(MAX_BYTES))]
    TooLarge(u64),
    #[error("the viewer's {0} cannot be put inline in a page")]
    NotInlinable(&'static str),
    #[error("the theme template is broken: {0}")]
    Template(#[from] tera::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// What a bundle holds.
#[derive(Debug)]
pub struct BundleReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// Bytes of the same files in the folder (page, viewer, header, blobs).
    pub folder_bytes: u64,
    pub blobs: usize,
    /// Set when the bundle is over [`WARN_BYTES`].
    pub too_large_for_email: bool,
}

/// Writes the gallery in `site` as one HTML file at `out`, atomically,
/// with the page `page` (that of the build that wrote `site`); without it,
/// the theme is the one whose style sheet the site has, and the lock screen
/// shows nothing of the studio.
pub fn write_bundle(
    site: &Path,
    out: &Path,
    page: Option<viewer::Page<'_>>,
) -> Result<BundleReport, BundleError> {
    if !site.join(HEADER_FILE).is_file() {
        return Err(BundleError::NotASite(site.to_owned()));
    }
    let page = page.unwrap_or_else(|| viewer::Page {
        theme: std::fs::read(site.join("style.css"))
            .ok()
            .and_then(|style| viewer::Theme::of_style(&style))
            .unwrap_or_default(),
        studio: None,
    });
    let site_files = SiteFiles::Folder(site.to_owned());
    let files = embedded_files(&site_files)?;
    let script = inlinable(viewer::viewer_script(), "</script", "script")?;
    let style = inlinable(page.theme.style(), "</style", "style")?;
    let html = viewer::render_bundle_page(&csp(script, style), &Inline { style, script }, page)?;
    let (head, tail) = html
        .split_once(FILES_MARKER)
        .ok_or(BundleError::NotInlinable("page"))?;
    let payload: u64 = files.iter().map(|f| embedded_len(f.len())).sum();
    let bytes = (head.len() + tail.len()) as u64 + payload;
    if bytes > MAX_BYTES {
        return Err(BundleError::TooLarge(bytes));
    }
    atomic::write_streamed(out, |file| {
        file.write_all(head.as_bytes())?;
        for entry in &files {
            write_embedded(file, &site_files, entry)?;
        }
        file.write_all(tail.as_bytes())
    })
    .map_err(|e| WriteError::from(WriteFailed::at(out)(e)))?;
    let folder_bytes = files.iter().map(Embedded::len).sum::<u64>()
        + (viewer::render_index(page)?.len() + script.len() + style.len()) as u64;
    Ok(BundleReport {
        path: out.to_owned(),
        bytes,
        folder_bytes,
        blobs: files
            .iter()
            .filter(|f| f.name().starts_with(BLOB_DIR))
            .count(),
        too_large_for_email: bytes > WARN_BYTES,
    })
}

pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The page's policy: only the inline viewer (by hash), wasm, and images
/// from `blob:` URLs; no requests at all.
fn csp(script: &str, style: &str) -> String {
    format!(
        "default-src 'none'; script-src '{}' 'wasm-unsafe-eval'; style-src '{}'; \
img-src blob:; worker-src blob:; connect-src 'none'; base-uri 'none'; form-action 'none'",
        hash_source(script),
        hash_source(style)
    )
}

fn hash_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn inlinable<'a>(
    bytes: &'a [u8],
    closing: &str,
    what: &'static str,
) -> Result<&'a str, BundleError> {
    let text = std::str::from_utf8(bytes).map_err(|_| BundleError::NotInlinable(what))?;
    if text.to_ascii_lowercase().contains(closing) {
        return Err(BundleError::NotInlinable(what));
    }
    Ok(text)
}

/// One file in the bundle: the built-in module, or a file of the site.
enum Embedded {
    BuiltIn {
        name: &'static str,
        bytes: &'static [u8],
    },
    Site(SiteFile),
}

impl Embedded {
    /// Site-relative, as the viewer asks for it.
    fn name(&self) -> &str {
        match self {
            Self::BuiltIn { name, .. } => name,
            Self::Site(file) => &file.name,
        }
    }

    fn len(&self) -> u64 {
        match self {
            Self::BuiltIn { bytes, .. } => bytes.len() as u64,
            Self::Site(file) => file.bytes,
        }
    }
}

/// The module (built in), the header and every blob, in a stable order.
fn embedded_files(site: &SiteFiles) -> Result<Vec<Embedded>, BundleError> {
    let listed = site.list()?;
    let header = listed.iter().filter(|file| file.name == HEADER_FILE);
    let blobs = listed.iter().filter(|file| {
        file.name
            .strip_prefix(BLOB_DIR)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(is_blob_name)
    });
    let module = Embedded::BuiltIn {
        name: WASM_FILE,
        bytes: viewer::WASM,
    };
    Ok(std::iter::once(module)
        .chain(header.chain(blobs).cloned().map(Embedded::Site))
        .collect())
}

const OPEN: &str = "<script type=\"application/x-lightproof\" data-file=\"";
const CLOSE: &str = "</script>\n";

fn embedded_len(len: u64) -> u64 {
    // `name` is at most a blob path; a generous bound is fine for a guard.
    (OPEN.len() + 40 + 2 + CLOSE.len()) as u64 + len.div_ceil(3) * 4
}

/// Streams one file in base64 into its element, 3 MiB at a time.
fn write_embedded(out: &mut dyn Write, site: &SiteFiles, entry: &Embedded) -> io::Result<()> {
    write!(out, "{OPEN}{}\">", entry.name())?;
    match entry {
        Embedded::BuiltIn { bytes, .. } => write_base64(out, &mut &bytes[..])?,
        Embedded::Site(file) => site.with_reader(&file.name, |reader| write_base64(out, reader))?,
    }
    out.write_all(CLOSE.as_bytes())
}

/// Streams `file` in base64, 3 MiB at a time.
fn write_base64(out: &mut dyn Write, file: &mut dyn Read) -> io::Result<()> {
    // Whole pieces of 3 MiB (a multiple of 3 bytes), so the base64 of the
    // pieces joins up without padding but at the very end.
    const PIECE: u64 = 3 << 20;
    let mut piece = Vec::with_capacity(PIECE as usize);
    loop {
        piece.clear();
        (&mut *file).take(PIECE).read_to_end(&mut piece)?;
        let text = base64::engine::general_purpose::STANDARD.encode(&piece);
        out.write_all(text.as_bytes())?;
        if (piece.len() as u64) < PIECE {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_inline_script_by_hash() {
        let policy = csp("alert(1)", "p{}");
        assert!(policy.contains("script-src 'sha256-"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("connect-src 'none'"));
        assert_ne!(hash_source("alert(1)"), hash_source("alert(2)"));
    }

    #[test]
    fn text_that_would_close_its_element_is_refused() {
        assert!(inlinable(b"let a = '</SCRIPT>';", "</script", "script").is_err());
        assert!(inlinable(b"let a = 1;", "</script", "script").is_ok());
    }

    #[test]
    fn the_viewer_can_be_put_inline() {
        assert!(inlinable(viewer::viewer_script(), "</script", "script").is_ok());
        for theme in viewer::THEMES {
            assert!(inlinable(theme.style(), "</style", "style").is_ok());
        }
    }
}
