//! lightproof: static encrypted photo galleries.
//!
//! The library is layered; each folder imports only the layers below it
//! (`tests/layout.rs` checks the rules, docs/ARCHITECTURE.md draws them):
//!
//! - `format`: the on-disk format, shared byte for byte with the
//!   WebAssembly viewer; imports nothing else of the crate, and is the only
//!   module compiled without the `generator` feature;
//! - `random`: the one source of randomness;
//! - `photo`: one photo's pixels and bytes (imports only `format`);
//! - `site`: a site's files and how they are written (imports only
//!   `format` and `random`);
//! - `shoot`: the photographer's folder, config and passwords;
//! - `build`: the stages of `lightproof build`, over all of the above;
//! - `deliver`: what happens to a built site (verify, pack, serve, …).
//!
//! The command line (`src/cli/`, `src/main.rs`) is the only part that
//! prints.

pub mod format;

#[cfg(feature = "generator")]
pub mod build;
#[cfg(feature = "parsers")]
pub mod deliver;
#[cfg(feature = "parsers")]
pub mod photo;
#[cfg(feature = "parsers")]
pub mod random;
#[cfg(feature = "generator")]
pub mod shoot;
#[cfg(feature = "parsers")]
pub mod site;
