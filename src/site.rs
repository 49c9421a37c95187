//! The public, unencrypted part of a site: the page, the viewer,
//! `robots.txt` and `_headers` (see `hosting`), rendered from the built-in `themes/default`. Nothing from
//! the shoot reaches these files: the template gets only fixed values.

use crate::write::{SiteWriter, WriteError};

const TEMPLATE: &str = include_str!("../themes/default/templates/index.html");
/// Static files copied as they are: (name in the site, bytes).
const STATIC_FILES: &[(&str, &[u8])] = &[
    (
        "viewer.js",
        include_bytes!("../themes/default/static/viewer.js"),
    ),
    (
        "viewer.wasm",
        include_bytes!("../themes/default/static/viewer.wasm"),
    ),
    (
        "style.css",
        include_bytes!("../themes/default/static/style.css"),
    ),
];
const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /\n";

/// The page's Content-Security-Policy: its own files only, plus compiling
/// the viewer's wasm and showing decrypted images from `blob:` URLs.
pub const CSP: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'";

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
    let mut tera = tera::Tera::default();
    tera.add_raw_template("index.html", TEMPLATE)?;
    let mut context = tera::Context::new();
    context.insert("csp", CSP);
    context.insert("lang", "en");
    tera.render("index.html", &context)
}

/// Writes the page, the viewer files, `robots.txt` and `_headers`.
pub fn write_viewer(writer: &SiteWriter) -> Result<(), SiteError> {
    writer.write_file("index.html", render_index()?.as_bytes())?;
    for (name, bytes) in STATIC_FILES {
        writer.write_file(name, bytes)?;
    }
    writer.write_file("robots.txt", ROBOTS_TXT.as_bytes())?;
    writer.write_file(
        crate::hosting::HEADERS_FILE,
        crate::hosting::headers_file().as_bytes(),
    )?;
    Ok(())
}
