//! The names of a site's files that more than one part of lightproof
//! uses. The format's own names (`gallery.bin`, `b/<id>`) live in
//! `format`, which the viewer shares; offline copies are named by
//! `offline::part_name`.

use crate::format::encoding;

/// The viewer's module; it also gets an offline copy.
pub const WASM_FILE: &str = "viewer.wasm";
/// The service worker that saves streamed downloads where the browser has
/// no File System Access API (see `themes/default/static/download-worker.js`).
pub const DOWNLOAD_WORKER_FILE: &str = "download-worker.js";
/// The folder the viewer registers the download worker for. No site has
/// it, so the worker controls no page and sees no request of the gallery.
pub const DOWNLOAD_SCOPE: &str = "download/";
/// The web app manifest, for "Add to Home Screen" (not in a single-file
/// bundle, which cannot link one).
pub const WEB_APP_MANIFEST_FILE: &str = "manifest.webmanifest";
/// Written by every build for Netlify and Cloudflare Pages; never served.
pub const HEADERS_FILE: &str = "_headers";
/// Marks a folder as written by lightproof, so later builds may replace it.
pub const MARKER_FILE: &str = ".lightproof";
/// What the marker file says.
pub const MARKER_TEXT: &str =
    "This folder is a gallery written by lightproof. A new build replaces its files.\n";

/// Whether site-relative `path` lies in `b/` (a blob, its offline copy,
/// or a temporary file there).
pub fn in_blob_dir(path: &str) -> bool {
    path.strip_prefix(crate::format::BLOB_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a file name in `b/` is a blob's (not an offline copy or a
/// temporary file).
pub fn is_blob_name(name: &str) -> bool {
    encoding::base32_decode::<16>(name).is_some()
}
