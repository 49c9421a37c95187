//! The response headers a host should send with each file of a site: the
//! one table that `lightproof serve`, the generated `_headers` file and the
//! recipes in `docs/hosting/` follow (tests check the recipes against it).
//!
//! Paths are site-relative (`index.html`, `b/<id>`), without a leading `/`.
//! Two cache classes: `b/*` never changes under its name, so it is cached
//! for a year; everything else (the page, the viewer, `gallery.bin`) may be
//! replaced by the next build, so browsers revalidate it on every use.

use super::names::{in_blob_dir, DOWNLOAD_WORKER_FILE, HEADERS_FILE, WEB_APP_MANIFEST_FILE};
use crate::format::{BLOB_DIR, HEADER_FILE};

/// The page's Content-Security-Policy: its own files only, plus compiling
/// the viewer's wasm, showing decrypted images from `blob:` URLs, running
/// the Argon2id Worker from a `blob:` URL, and for downloads without the
/// File System Access API registering the site's download worker
/// (`worker-src 'self'`) and opening its download address in a hidden
/// frame (`frame-src 'self'`), and reading the web app manifest
/// (`manifest-src 'self'`). See docs/SECURITY.md.
pub const CSP: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' blob:; worker-src 'self' blob:; frame-src 'self'; connect-src 'self'; \
manifest-src 'self'; base-uri 'none'; form-action 'none'";

/// `Cache-Control` of blobs: a blob's bytes never change under its name.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else: keep a copy, but ask the host
/// whether it changed before each use (a rebuild rewrites these files).
pub const CACHE_REVALIDATE: &str = "no-cache";

/// Features the viewer never uses, switched off for the page and anything
/// it could embed. Left alone because the viewer needs them:
/// `clipboard-write` ("Copy" in the selection dialog), and what no
/// Permissions-Policy governs (fetch, WebAssembly, `blob:` URLs, storage,
/// `showSaveFilePicker`). Only features Chromium recognises are listed: it
/// logs an error for each unknown one (Chromium 156 on Linux does for
/// `bluetooth` and `web-share`, so they are left out).
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), \
clipboard-read=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), \
gyroscope=(), hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), \
picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), \
xr-spatial-tracking=()";

/// The files at the root of a site, each named in `_headers`. The `.js`
/// twins are the copies for opening a gallery from disk (`file://`).
pub const ROOT_FILES: &[&str] = &[
    "index.html",
    "viewer.js",
    "viewer.wasm",
    "viewer.wasm.js",
    "style.css",
    DOWNLOAD_WORKER_FILE,
    WEB_APP_MANIFEST_FILE,
    "icon-192.png",
    "icon-512.png",
    "icon-maskable.png",
    "apple-touch-icon.png",
    "robots.txt",
    HEADER_FILE,
    "gallery.bin.js",
];

/// `CSP` as a header, with what only a header can say:
/// `frame-ancestors` is ignored in a `<meta>` policy (whatwg/html#523), so
/// only a host that sends headers stops other sites from framing the page.
pub fn content_security_policy() -> String {
    format!("{}; frame-ancestors 'none'", CSP)
}

/// The headers every file gets, whatever its class.
pub fn common_headers() -> [(&'static str, String); 7] {
    [
        ("Content-Security-Policy", content_security_policy()),
        ("X-Content-Type-Options", "nosniff".to_owned()),
        ("Referrer-Policy", "no-referrer".to_owned()),
        ("X-Robots-Tag", "noindex, nofollow, noarchive".to_owned()),
        ("X-Frame-Options", "DENY".to_owned()),
        ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
        ("Permissions-Policy", PERMISSIONS_POLICY.to_owned()),
    ]
}

/// `Content-Type` by the file's extension. `gallery.bin`, blobs and
/// anything unknown are `application/octet-stream`: with `nosniff`, no
/// browser will run or render them.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("webmanifest") => "application/manifest+json",
        Some("png") => "image/png",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// `Cache-Control`: a year for `b/*` (blobs and their `.js` twins), else
/// revalidate.
pub fn cache_control(path: &str) -> &'static str {
    if in_blob_dir(path) {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    }
}

/// Whether a host should serve `path` at all: not dotfiles (the
/// `.lightproof` marker, temporary files of an interrupted build) and not
/// `_headers` (configuration for the host, not part of the gallery).
pub fn is_served(path: &str) -> bool {
    !path.split('/').any(|segment| segment.starts_with('.')) && path != HEADERS_FILE
}

/// Every recommended header for `path`: `Content-Type`, `Cache-Control`,
/// then the common ones.
pub fn headers(path: &str) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Content-Type", content_type(path).to_owned()),
        ("Cache-Control", cache_control(path).to_owned()),
    ];
    headers.extend(common_headers());
    headers
}

/// The `_headers` file (Netlify and Cloudflare Pages syntax).
///
/// Both hosts apply every rule whose path matches, and Cloudflare joins a
/// header given by two matching rules with a comma, so no header name is
/// in two rules that can match one path: the common headers are under
/// `/*`, `Content-Type` and `Cache-Control` under exact paths, and `/b/*`
/// has only `Cache-Control` (its files and their `.js` twins differ in
/// type; the host's own guess from the extension is left for them).
pub fn headers_file() -> String {
    let mut out = String::from(
        "# Response headers for Netlify and Cloudflare Pages, written by lightproof\n\
         # (see docs/HOSTING.md). Other hosts ignore this file.\n\n/*\n",
    );
    for (name, value) in common_headers() {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    let mut rule = |pattern: &str, path: &str, with_type: bool| {
        out.push_str(&format!("\n{pattern}\n"));
        if with_type {
            out.push_str(&format!("  Content-Type: {}\n", content_type(path)));
        }
        out.push_str(&format!("  Cache-Control: {}\n", cache_control(path)));
    };
    rule("/", "index.html", true);
    for name in ROOT_FILES {
        rule(&format!("/{name}"), name, true);
    }
    rule(&format!("/{BLOB_DIR}/*"), &format!("{BLOB_DIR}/x"), false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(headers: &'a [(&str, String)], name: &str) -> &'a str {
        let values: Vec<_> = headers.iter().filter(|(n, _)| *n == name).collect();
        assert_eq!(values.len(), 1, "{name} exactly once");
        &values[0].1
    }

    #[test]
    fn each_file_class_gets_its_type_and_cache_policy() {
        let blob = "b/abcdefghijklmnopqrstuvwxyz";
        let table = [
            ("index.html", "text/html; charset=utf-8", CACHE_REVALIDATE),
            (
                "viewer.js",
                "text/javascript; charset=utf-8",
                CACHE_REVALIDATE,
            ),
            ("viewer.wasm", "application/wasm", CACHE_REVALIDATE),
            (
                "viewer.wasm.js",
                "text/javascript; charset=utf-8",
                CACHE_REVALIDATE,
            ),
            ("style.css", "text/css; charset=utf-8", CACHE_REVALIDATE),
            // A service worker must be served as a script; browsers check
            // it for updates whatever its cache header.
            (
                "download-worker.js",
                "text/javascript; charset=utf-8",
                CACHE_REVALIDATE,
            ),
            ("robots.txt", "text/plain", CACHE_REVALIDATE),
            (
                "manifest.webmanifest",
                "application/manifest+json",
                CACHE_REVALIDATE,
            ),
            ("icon-192.png", "image/png", CACHE_REVALIDATE),
            ("gallery.bin", "application/octet-stream", CACHE_REVALIDATE),
            (
                "gallery.bin.js",
                "text/javascript; charset=utf-8",
                CACHE_REVALIDATE,
            ),
            (blob, "application/octet-stream", CACHE_IMMUTABLE),
            (
                "b/abcdefghijklmnopqrstuvwxyz.js",
                "text/javascript; charset=utf-8",
                CACHE_IMMUTABLE,
            ),
            ("notes", "application/octet-stream", CACHE_REVALIDATE),
            ("bb/x", "application/octet-stream", CACHE_REVALIDATE),
        ];
        for (path, kind, cache) in table {
            let headers = headers(path);
            assert_eq!(header(&headers, "Content-Type"), kind, "{path}");
            assert_eq!(header(&headers, "Cache-Control"), cache, "{path}");
            assert_eq!(header(&headers, "X-Content-Type-Options"), "nosniff");
        }
        assert_eq!(cache_control(blob), "public, max-age=31536000, immutable");
        assert_eq!(cache_control("index.html"), "no-cache");
    }

    #[test]
    fn the_security_headers_are_exact() {
        let headers = headers("index.html");
        let csp = header(&headers, "Content-Security-Policy");
        assert!(csp.starts_with(CSP), "{csp}");
        assert!(csp.ends_with("; frame-ancestors 'none'"), "{csp}");
        assert_eq!(header(&headers, "Referrer-Policy"), "no-referrer");
        assert_eq!(
            header(&headers, "X-Robots-Tag"),
            "noindex, nofollow, noarchive"
        );
        assert_eq!(header(&headers, "X-Frame-Options"), "DENY");
        assert_eq!(
            header(&headers, "Cross-Origin-Opener-Policy"),
            "same-origin"
        );
        assert_eq!(headers.len(), 9);
    }

    #[test]
    fn the_csp_header_allows_what_the_viewer_does() {
        let csp = content_security_policy();
        for needed in [
            "script-src 'self' 'wasm-unsafe-eval'",
            "connect-src 'self'",
            "img-src 'self' blob:",
            "worker-src 'self' blob:",
            "frame-src 'self';",
            "manifest-src 'self';",
            "style-src 'self'",
        ] {
            assert!(csp.contains(needed), "{needed} missing from {csp}");
        }
        // Nothing from elsewhere: every source is the site itself or blob:.
        for directive in csp.split("; ") {
            for source in directive.split(' ').skip(1) {
                assert!(
                    source.starts_with('\'') || source == "blob:",
                    "{source} in {directive}"
                );
            }
        }
        assert!(!csp.contains("'unsafe-inline'") && !csp.contains(" 'unsafe-eval'"));
    }

    #[test]
    fn the_permissions_policy_keeps_what_the_viewer_uses() {
        let features: Vec<&str> = PERMISSIONS_POLICY
            .split(", ")
            .map(|f| f.strip_suffix("=()").expect("every feature is off"))
            .collect();
        assert!(features.contains(&"camera") && features.contains(&"geolocation"));
        // "Copy" in the selection dialog writes to the clipboard.
        assert!(!features.contains(&"clipboard-write"));
        let mut sorted = features.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, features, "sorted, no duplicates");
    }

    /// The nginx snippet also runs in a real nginx (tests/cli/hosting.rs);
    /// the Apache one and the CloudFront policy are only checked here.
    #[test]
    fn the_shipped_recipes_set_the_headers_of_this_table() {
        let nginx = include_str!("../../docs/hosting/nginx.conf");
        let apache = include_str!("../../docs/hosting/apache.htaccess");
        for (name, value) in common_headers() {
            let line = format!("add_header {name} \"{value}\" always;");
            assert!(nginx.contains(&line), "nginx.conf lacks {line}");
            let line = format!("Header always set {name} \"{value}\"");
            assert!(apache.contains(&line), "apache.htaccess lacks {line}");
        }
        for cache in [CACHE_IMMUTABLE, CACHE_REVALIDATE] {
            assert!(nginx.contains(&format!("set $lightproof_cache \"{cache}\";")));
            let line = format!("Header always set Cache-Control \"{cache}\"");
            assert!(apache.contains(&line), "apache.htaccess lacks {line}");
        }
        assert!(apache.contains("AddType application/wasm .wasm"));
        assert!(apache.contains("Options -Indexes"));
        // The CloudFront policy in HOSTING.md quotes the two long values.
        let doc = include_str!("../../docs/HOSTING.md");
        assert!(doc.contains(&format!("\"{}\"", content_security_policy())));
        assert!(doc.contains(&format!("\"{PERMISSIONS_POLICY}\"")));
    }

    #[test]
    fn dotfiles_and_the_headers_file_are_not_served() {
        for path in [".lightproof", "b/.abc.tmp-1234", "_headers", ".git/config"] {
            assert!(!is_served(path), "{path}");
        }
        for path in ["index.html", "b/abc", "b/abc.js", "robots.txt"] {
            assert!(is_served(path), "{path}");
        }
    }

    #[test]
    fn the_headers_file_never_gives_one_header_twice_for_a_path() {
        let file = headers_file();
        let mut rules: Vec<(String, Vec<String>)> = Vec::new();
        for line in file
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if let Some(header) = line.strip_prefix("  ") {
                let name = header.split(':').next().unwrap().to_owned();
                rules.last_mut().unwrap().1.push(name);
            } else {
                rules.push((line.to_owned(), Vec::new()));
            }
        }
        let matches = |pattern: &str, path: &str| match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => pattern == path,
        };
        let mut paths = vec!["/".to_owned(), "/b/abc".to_owned(), "/b/abc.js".to_owned()];
        paths.extend(ROOT_FILES.iter().map(|f| format!("/{f}")));
        for path in &paths {
            let mut names: Vec<&String> = rules
                .iter()
                .filter(|(pattern, _)| matches(pattern, path))
                .flat_map(|(_, names)| names)
                .collect();
            let count = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), count, "a header twice for {path}:\n{file}");
            assert!(
                names.iter().any(|n| *n == "Cache-Control"),
                "{path}: {file}"
            );
            assert_eq!(names.len(), if path.starts_with("/b/") { 8 } else { 9 });
        }
        assert!(file.contains("\n/viewer.wasm\n  Content-Type: application/wasm\n"));
        assert!(file.contains("\n/b/*\n  Cache-Control: public, max-age=31536000, immutable\n"));
        assert!(file.contains("  Content-Security-Policy: default-src 'none';"));
    }
}
