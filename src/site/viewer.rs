//! The public, unencrypted part of a site: the page, the viewer,
//! `robots.txt` and `_headers` (see `hosting`), rendered from the built-in `themes/default`. Nothing from
//! the shoot reaches these files: the template gets only fixed values.

use super::hosting::{self, CSP};
use super::names::{DOWNLOAD_WORKER_FILE, HEADERS_FILE, WASM_FILE, WEB_APP_MANIFEST_FILE};
use super::writer::{SiteWriter, WriteError};

const TEMPLATE: &str = include_str!("../../themes/default/templates/index.html");
/// The viewer's script: one classic script (module scripts do not load from
/// `file://`, and a bundle pins its one inline script by hash), written as
/// parts joined here in name order.
const VIEWER_JS: &str = concat!(
    include_str!("../../themes/default/static/viewer/00-head.js"),
    include_str!("../../themes/default/static/viewer/05-strings.js"),
    include_str!("../../themes/default/static/viewer/07-language.js"),
    include_str!("../../themes/default/static/viewer/10-messages-and-wasm.js"),
    include_str!("../../themes/default/static/viewer/20-site-files.js"),
    include_str!("../../themes/default/static/viewer/30-unlock.js"),
    include_str!("../../themes/default/static/viewer/40-gallery.js"),
    include_str!("../../themes/default/static/viewer/45-viewing.js"),
    include_str!("../../themes/default/static/viewer/50-picks.js"),
    include_str!("../../themes/default/static/viewer/55-download-sinks.js"),
    include_str!("../../themes/default/static/viewer/55-originals.js"),
    include_str!("../../themes/default/static/viewer/56-share-and-save.js"),
    include_str!("../../themes/default/static/viewer/60-lock-and-start.js"),
    include_str!("../../themes/default/static/viewer/99-tail.js"),
);
/// Static files copied as they are: (name in the site, bytes).
const STATIC_FILES: &[(&str, &[u8])] = &[
    ("viewer.js", VIEWER_JS.as_bytes()),
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        DOWNLOAD_WORKER_FILE,
        include_bytes!("../../themes/default/static/download-worker.js"),
    ),
    // What "Add to Home Screen" reads: a fixed name ("Private gallery"),
    // never the shoot's title, and the icons. A single-file bundle has none.
    (
        WEB_APP_MANIFEST_FILE,
        include_bytes!("../../themes/default/static/manifest.webmanifest"),
    ),
    (
        "icon-192.png",
        include_bytes!("../../themes/default/static/icon-192.png"),
    ),
    (
        "icon-512.png",
        include_bytes!("../../themes/default/static/icon-512.png"),
    ),
    (
        "icon-maskable.png",
        include_bytes!("../../themes/default/static/icon-maskable.png"),
    ),
    (
        "apple-touch-icon.png",
        include_bytes!("../../themes/default/static/apple-touch-icon.png"),
    ),
];
pub const WASM: &[u8] = include_bytes!("../../themes/default/static/viewer.wasm");
pub const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /\n";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    #[error("the theme template is broken: {0}")]
    Template(#[from] tera::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Renders `index.html`.
pub fn render_index() -> Result<String, tera::Error> {
    render(CSP, None)
}

/// What a single-file page carries inline instead of linking.
#[derive(serde::Serialize)]
pub struct Inline<'a> {
    pub style: &'a str,
    pub script: &'a str,
}

/// Renders the page of a single-file bundle: style and viewer inline, and
/// `FILES_MARKER` where the files go.
pub fn render_bundle_page(csp: &str, inline: &Inline<'_>) -> Result<String, tera::Error> {
    render(csp, Some(inline))
}

/// Where a bundle's page takes its files.
pub const FILES_MARKER: &str = "<!-- lightproof files -->";

/// The viewer's files exactly as this version of lightproof writes them:
/// (name in the site, bytes). `verify` compares a site's copies with these,
/// which is how a photographer can tell that a host changed the viewer.
pub fn viewer_files() -> Result<Vec<(&'static str, Vec<u8>)>, tera::Error> {
    let mut files = vec![("index.html", render_index()?.into_bytes())];
    files.extend(
        STATIC_FILES
            .iter()
            .map(|(name, bytes)| (*name, bytes.to_vec())),
    );
    files.push((WASM_FILE, WASM.to_vec()));
    Ok(files)
}

/// The viewer's script and style, as the site holds them.
pub fn viewer_script() -> &'static [u8] {
    static_file("viewer.js")
}

pub fn viewer_style() -> &'static [u8] {
    static_file("style.css")
}

fn static_file(name: &str) -> &'static [u8] {
    STATIC_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_default()
}

fn render(csp: &str, bundle: Option<&Inline<'_>>) -> Result<String, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template("index.html", TEMPLATE)?;
    let mut context = tera::Context::new();
    context.insert("csp", csp);
    context.insert("lang", "en");
    context.insert("bundle", &bundle);
    tera.render("index.html", &context)
}

/// Writes the page, the viewer files, `robots.txt` and `_headers`.
pub fn write_viewer(writer: &SiteWriter) -> Result<(), SiteError> {
    writer.write_file("index.html", render_index()?.as_bytes())?;
    for (name, bytes) in STATIC_FILES {
        writer.write_file(name, bytes)?;
    }
    writer.write_viewer_input(WASM_FILE, WASM)?;
    writer.write_file("robots.txt", ROBOTS_TXT.as_bytes())?;
    writer.write_file(HEADERS_FILE, hosting::headers_file().as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::names::DOWNLOAD_SCOPE;

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn every_site_gets_the_download_worker() {
        let files = viewer_files().unwrap();
        let (_, worker) = files
            .iter()
            .find(|(name, _)| *name == DOWNLOAD_WORKER_FILE)
            .expect("a viewer file");
        assert!(text(worker).contains("self.addEventListener('fetch'"));
    }

    /// The script registers the file and the folder that `names` (and so
    /// `_headers` and `verify`) know.
    #[test]
    fn the_viewer_registers_the_worker_this_crate_names() {
        let script = text(viewer_script());
        assert!(script.contains(&format!("const WORKER_FILE = '{DOWNLOAD_WORKER_FILE}';")));
        assert!(script.contains(&format!("const WORKER_SCOPE = '{DOWNLOAD_SCOPE}';")));
        assert!(script.contains("scope: WORKER_SCOPE"));
    }

    /// A service worker outlives the page: this one must answer only its
    /// own downloads, and keep nothing.
    #[test]
    fn the_download_worker_caches_nothing_and_refuses_the_rest() {
        let (_, worker) = STATIC_FILES
            .iter()
            .find(|(name, _)| *name == DOWNLOAD_WORKER_FILE)
            .unwrap();
        let worker = text(worker);
        for absent in [
            "caches",
            "importScripts",
            "fetch(",
            "indexedDB",
            "clients.claim",
        ] {
            assert!(!worker.contains(absent), "{absent}");
        }
        assert!(worker.contains("status: 404"));
        assert!(worker.contains("'Content-Disposition': `attachment;"));
        assert!(worker.contains("'Cache-Control': 'no-store'"));
    }
}
