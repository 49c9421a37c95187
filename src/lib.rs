//! lightproof: static encrypted photo galleries.
//!
//! The pipeline runs one module per stage:
//! `scan` (find albums and photos) → `decode` (pixels, orientation) →
//! `render` (thumbnail and preview JPEGs) → `encrypt` (blobs and manifest) →
//! `write` (the static site, atomically). `format` is the on-disk format,
//! shared byte for byte with the WebAssembly viewer; it is the only module
//! compiled without the `generator` feature.

pub mod format;

#[cfg(feature = "generator")]
pub mod build;
#[cfg(feature = "generator")]
pub mod bundle;
#[cfg(feature = "generator")]
pub mod cache;
#[cfg(feature = "generator")]
pub mod decode;
#[cfg(feature = "generator")]
pub mod diff;
#[cfg(feature = "generator")]
pub mod encrypt;
#[cfg(feature = "generator")]
pub mod grants;
#[cfg(feature = "generator")]
pub mod hosting;
#[cfg(feature = "generator")]
pub mod links;
#[cfg(feature = "generator")]
pub mod offline;
#[cfg(feature = "generator")]
pub mod original;
#[cfg(feature = "generator")]
pub mod pack;
#[cfg(feature = "generator")]
pub mod passphrase;
#[cfg(feature = "generator")]
pub mod password;
#[cfg(feature = "generator")]
pub mod picks;
#[cfg(feature = "generator")]
pub mod render;
#[cfg(feature = "generator")]
pub mod scan;
#[cfg(feature = "generator")]
pub mod serve;
#[cfg(feature = "generator")]
pub mod settings;
#[cfg(feature = "generator")]
pub mod site;
#[cfg(feature = "generator")]
pub mod site_files;
#[cfg(feature = "generator")]
pub mod strip;
#[cfg(feature = "generator")]
pub mod verify;
#[cfg(feature = "generator")]
pub mod watermark;
#[cfg(feature = "generator")]
pub mod write;
