//! End-to-end tests of the real `lightproof` binary on the sample shoot and
//! on small shoots made per test. Table of contents:

/// Building: output layout, guards, password sources, scanning.
mod build;
/// The build cache is trusted only where no one else can have written it.
mod cache;
/// The cover and the studio's branding in the manifest, and their errors.
mod cover;
/// Crash safety: builds killed at random moments leave a whole gallery.
mod crash;
/// Delivery: offline copies for file://, `--web-only`, single-file bundles.
mod delivery;
/// Diff: what to upload and delete, in a safe order, between two builds.
mod diff;
/// A proxy that drops, fails and stalls requests, for the publish tests.
mod fault_proxy;
/// Fidelity: orientation, colour, quality and watermark against independent tools.
mod fidelity;
/// Forgery between grant holders who can write to the host.
mod forgery;
/// `grant-picks`: a new password for exactly the chosen photos' originals.
mod grant_picks;
/// Grants: several passwords, each opening exactly its albums.
mod grants;
/// Hostile and odd inputs: every kind of photo file, broken ones, bombs, --strict.
mod hostile;
/// Hosting: the shipped nginx snippet in a real nginx, and `_headers`, against `hosting`.
mod hosting;
/// Incremental rebuilds: the cache, password-only changes, `--no-cache`.
mod incremental;
/// `lightproof init` and the `[gallery]` options of lightproof.toml.
mod init;
/// The source tree's layer rules, import loops, and who may print.
mod layout;
/// Leak test: nothing from the shoot appears in any output file.
mod leaks;
/// `link --renew`: a new key link, the old one cut off, nothing else changed.
mod links;
/// Originals: download grants, streamed encryption, verify.
mod originals;
/// Pack: reproducible zips, and verify on a zip without unpacking.
mod pack;
/// Picks: a selection names only its grant's photos; client text is escaped;
/// search strings per app; XMP sidecars.
mod picks;
/// `publish`: to a folder and to moto's S3 server, in the safe order, only what changed.
mod publish;
/// Scripting: --json and --quiet, exit codes, completions, man pages, progress bars.
mod scripting;
/// Secrets: no password in any output or written file, at any verbosity.
mod secrets;
/// `lightproof serve`: headers, HEAD, streaming, and no way out of the site.
mod serve;
/// The strength check: keyboard layouts, famous phrases, the shoot's names.
mod strength;
/// Originals: stripping location and serial numbers (checked with exiftool).
mod strip;
/// Tamper tests: verify and the viewer core fail closed.
mod tamper;
/// Trust: verify against a host, an archive or a grant holder that changes
/// files (trojaned scripts, zip names, huge files, links, re-sealed manifests).
mod trust;
/// Shared helpers: temp dirs, running the binary, the sample gallery.
mod util;
