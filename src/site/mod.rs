//! The site: everything about the files a gallery is made of, whatever
//! wrote the bytes. Imports only `format` and `random`.
//!
//! - `names`: the site's file names that several parts use;
//! - `atomic`: temp file + sync + rename, the one way anything is written;
//! - `writer`: the guarded output folder and the crash-safe order of a build;
//! - `offline`: the `.js` copies that let a gallery open from disk;
//! - `viewer`: the page, script, style and module every site carries;
//! - `fonts`: the fonts a gallery can carry for its titles;
//! - `hosting`: the response headers (and the CSP) a host should send;
//! - `files`: a site read back, from a folder, a `.zip` or object storage;
//! - `remote`: a site in object storage (or a folder standing for it).

pub mod atomic;
pub mod files;
#[cfg(feature = "generator")]
pub mod fonts;
#[cfg(feature = "generator")]
pub mod hosting;
pub mod names;
pub mod offline;
#[cfg(feature = "generator")]
pub mod remote;
#[cfg(feature = "generator")]
pub mod viewer;
#[cfg(feature = "generator")]
pub mod writer;
