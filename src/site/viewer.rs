//! The public, unencrypted part of a site: the page, the viewer,
//! `robots.txt` and `_headers` (see `hosting`), rendered from a built-in
//! theme (`themes/<name>`, docs/THEMES.md). Nothing from the shoot reaches
//! these files unless the photographer opts in: the template gets fixed
//! values, and the studio's name and logo only with
//! `lock_screen = "studio"` ([`LockStudio`]).

use super::hosting::{self, CSP};
use super::names::{DOWNLOAD_WORKER_FILE, HEADERS_FILE, WASM_FILE, WEB_APP_MANIFEST_FILE};
use super::writer::{SiteWriter, WriteError};

const DEFAULT_TEMPLATE: &str = include_str!("../../themes/default/templates/index.html");
const STUDIO_TEMPLATE: &str = include_str!("../../themes/default/templates/studio.html");
const DEFAULT_STYLE: &str = include_str!("../../themes/default/static/style.css");

/// A built-in theme: its page template and its style sheet (the default
/// style sheet followed by the theme's own rules).
pub struct Theme {
    pub name: &'static str,
    template: &'static str,
    style: &'static str,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Theme({})", self.name)
    }
}

/// Every built-in theme; the first is the default.
pub const THEMES: &[Theme] = &[
    Theme {
        name: "default",
        template: DEFAULT_TEMPLATE,
        style: DEFAULT_STYLE,
    },
    Theme {
        name: "classic",
        template: include_str!("../../themes/classic/templates/index.html"),
        style: concat!(
            include_str!("../../themes/default/static/style.css"),
            include_str!("../../themes/classic/static/style.css")
        ),
    },
];

impl Theme {
    /// The theme called `name`, if one is built in.
    pub fn named(name: &str) -> Option<&'static Theme> {
        THEMES.iter().find(|theme| theme.name == name)
    }

    /// The theme whose style sheet is exactly `style` (a site's
    /// `style.css`): how `verify` and bundles tell a site's theme.
    pub fn of_style(style: &[u8]) -> Option<&'static Theme> {
        THEMES.iter().find(|theme| theme.style.as_bytes() == style)
    }

    pub fn style(&self) -> &'static [u8] {
        self.style.as_bytes()
    }
}

impl Default for &'static Theme {
    fn default() -> Self {
        &THEMES[0]
    }
}

/// What the public lock screen shows of the studio, when the photographer
/// opts in (`lock_screen = "studio"`): its name and logo, nothing else.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LockStudio {
    pub name: Option<String>,
    pub logo: Option<LockLogo>,
}

/// The logo, written into the page as base64 (the viewer shows it from a
/// `blob:` URL, which the CSP allows; no file of it is public).
#[derive(Clone, Debug, serde::Serialize)]
pub struct LockLogo {
    #[serde(rename = "type")]
    pub media_type: String,
    pub base64: String,
}

/// How the page of a site is made: its theme, and the studio on its lock
/// screen if the photographer opted in.
#[derive(Clone, Copy, Default)]
pub struct Page<'a> {
    pub theme: &'static Theme,
    pub studio: Option<&'a LockStudio>,
}
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
    include_str!("../../themes/default/static/viewer/42-cover.js"),
    include_str!("../../themes/default/static/viewer/45-viewing.js"),
    include_str!("../../themes/default/static/viewer/50-picks.js"),
    include_str!("../../themes/default/static/viewer/55-download-sinks.js"),
    include_str!("../../themes/default/static/viewer/55-originals.js"),
    include_str!("../../themes/default/static/viewer/56-share-and-save.js"),
    include_str!("../../themes/default/static/viewer/60-lock-and-start.js"),
    include_str!("../../themes/default/static/viewer/99-tail.js"),
);
/// Static files copied as they are, whatever the theme: (name in the
/// site, bytes); `style.css` is the theme's.
const STATIC_FILES: &[(&str, &[u8])] = &[
    ("viewer.js", VIEWER_JS.as_bytes()),
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
pub fn render_index(page: Page<'_>) -> Result<String, tera::Error> {
    render(CSP, None, page)
}

/// What a single-file page carries inline instead of linking.
#[derive(serde::Serialize)]
pub struct Inline<'a> {
    pub style: &'a str,
    pub script: &'a str,
}

/// Renders the page of a single-file bundle: style and viewer inline, and
/// `FILES_MARKER` where the files go.
pub fn render_bundle_page(
    csp: &str,
    inline: &Inline<'_>,
    page: Page<'_>,
) -> Result<String, tera::Error> {
    render(csp, Some(inline), page)
}

/// Where a bundle's page takes its files.
pub const FILES_MARKER: &str = "<!-- lightproof files -->";

/// The viewer's files exactly as this version of lightproof writes them:
/// (name in the site, bytes). `verify` compares a site's copies with these,
/// which is how a photographer can tell that a host changed the viewer.
pub fn viewer_files(page: Page<'_>) -> Result<Vec<(&'static str, Vec<u8>)>, tera::Error> {
    let mut files = vec![("index.html", render_index(page)?.into_bytes())];
    files.extend(
        STATIC_FILES
            .iter()
            .map(|(name, bytes)| (*name, bytes.to_vec())),
    );
    files.insert(2, ("style.css", page.theme.style().to_vec()));
    files.push((WASM_FILE, WASM.to_vec()));
    Ok(files)
}

/// The viewer's script and style, as the site holds them.
pub fn viewer_script() -> &'static [u8] {
    static_file("viewer.js")
}

fn static_file(name: &str) -> &'static [u8] {
    STATIC_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_default()
}

fn render(csp: &str, bundle: Option<&Inline<'_>>, page: Page<'_>) -> Result<String, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates([
        ("default.html", DEFAULT_TEMPLATE),
        ("studio.html", STUDIO_TEMPLATE),
        ("page.html", page.theme.template),
    ])?;
    let mut context = tera::Context::new();
    context.insert("csp", csp);
    context.insert("lang", "en");
    context.insert("theme", page.theme.name);
    context.insert("bundle", &bundle);
    context.insert("studio", &page.studio);
    tera.render("page.html", &context)
}

/// Writes the page, the viewer files, `robots.txt` and `_headers`.
pub fn write_viewer(writer: &SiteWriter, page: Page<'_>) -> Result<(), SiteError> {
    writer.write_file("index.html", render_index(page)?.as_bytes())?;
    writer.write_file("style.css", page.theme.style())?;
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
        let files = viewer_files(Page::default()).unwrap();
        let (_, worker) = files
            .iter()
            .find(|(name, _)| *name == DOWNLOAD_WORKER_FILE)
            .expect("a viewer file");
        assert!(text(worker).contains("self.addEventListener('fetch'"));
    }

    /// The ids of the elements of `html` (`id="…"`), sorted.
    fn ids(html: &str) -> Vec<&str> {
        let mut ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Every theme's page has every element the viewer's script looks up
    /// (docs/THEMES.md), and its own style sheet.
    #[test]
    fn every_theme_has_the_ids_the_viewer_needs() {
        let default = render_index(Page::default()).unwrap();
        assert!(ids(&default).len() > 80, "{:?}", ids(&default));
        for theme in THEMES {
            let page = Page {
                theme,
                studio: None,
            };
            let html = render_index(page).unwrap();
            assert_eq!(ids(&html), ids(&default), "{}", theme.name);
            assert!(theme.style().starts_with(DEFAULT_STYLE.as_bytes()));
            assert_eq!(Theme::of_style(theme.style()).unwrap().name, theme.name);
        }
        assert!(!THEMES[1].style().eq(THEMES[0].style()));
    }

    /// The lock screen shows the studio only when given one, escaped.
    #[test]
    fn the_lock_screen_shows_exactly_the_studio_given() {
        let studio = LockStudio {
            name: Some("Lumen <Studio>".to_owned()),
            logo: Some(LockLogo {
                media_type: "image/png".to_owned(),
                base64: "iVBO/w0K+A==".to_owned(),
            }),
        };
        for theme in THEMES {
            let private = render_index(Page {
                theme,
                studio: None,
            })
            .unwrap();
            assert!(!private.contains("lock-studio"));
            let html = render_index(Page {
                theme,
                studio: Some(&studio),
            })
            .unwrap();
            assert!(html.contains("Lumen &lt;Studio&gt;"), "{}", theme.name);
            assert!(html.contains(
                r#"type="application/x-lightproof-logo" data-type="image&#x2F;png">iVBO/w0K+A==</script>"#
            ));
        }
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

    /// The viewer shows the build's name for the top album in the
    /// client's language: it must know the name the build gives it.
    #[test]
    fn the_viewer_knows_the_main_albums_name() {
        let script = text(viewer_script());
        let name = crate::shoot::scan::MAIN_ALBUM_NAME;
        assert!(script.contains(&format!("const MAIN_ALBUM = '{name}';")));
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
