//! The files of a site that no grant needs a key for, checked once per
//! site whatever passwords or links were given. A browser runs every
//! `*.js` file of a site opened from a disk, and a host serves every file
//! under the gallery's address, so each file must be one lightproof
//! writes:
//!
//! - the viewer (`index.html`, `viewer.js`, `style.css`, `viewer.wasm` and
//!   the download worker `download-worker.js`, a service worker that
//!   outlives the page in a client's browser; the web app manifest
//!   `manifest.webmanifest` and its icons), `robots.txt`, `_headers` and
//!   the marker `.lightproof`, byte for byte as this version writes them
//!   (the last three may be left out by a host);
//! - `gallery.bin`, checked by `verify`;
//! - `b/<id>` with a canonical base32 id;
//! - offline copies: part `i` of `gallery.bin`, `viewer.wasm` or a blob,
//!   exactly as `offline` encodes that file's bytes, `viewer.wasm.js`
//!   compared with the built-in module. Every part present must be exact,
//!   whether or not `gallery.bin.js` is there; when it is, every one of
//!   those files must have all of its parts (a writer withdraws it first, so
//!   without it an interrupted build may have left some parts missing).
//!
//! Anything else is a problem named with its file. With the build cache of
//! the computer that built the gallery, each grant's manifest must be the
//! one the build wrote, and grants no credential opened are named.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};

use sha2::{Digest, Sha256};

use super::{Problem, ProblemKind, VerifyReport};
use crate::format::manifest::BlobRef;
use crate::format::{encoding, BLOB_DIR, HEADER_FILE};
use crate::site::files::{SiteFile, SiteFiles};
use crate::site::names::WASM_FILE;
use crate::site::offline;
use crate::site::viewer::{render_index, LockStudio, Page, Theme, WASM};

/// A grant's manifest as the build on this computer wrote it (from its
/// build cache).
pub struct BuiltManifest {
    pub grant: String,
    pub blob: BlobRef,
}

/// What [`check_site`] found.
#[derive(Debug, Default)]
pub struct SiteCheck {
    pub problems: Vec<Problem>,
    /// Grants the build cache knows that no credential given opened: their
    /// photos were not checked.
    pub unchecked_grants: Vec<String>,
    /// Encrypted files (`b/…`) that no checked grant leads to.
    pub unreached: usize,
}

/// Checks every file of `site` that is not an encrypted blob of a grant,
/// given the `reports` of the grants checked and the manifests the build
/// wrote (`built`, empty when this computer did not build the gallery).
pub fn check_site(
    site: &SiteFiles,
    reports: &[VerifyReport],
    built: &[BuiltManifest],
) -> SiteCheck {
    let problem = |item: &str, file: &str, kind: ProblemKind| Problem {
        item: item.to_owned(),
        file: file.to_owned(),
        archive: site.archive().map(ToOwned::to_owned),
        kind,
    };
    let files = match site.list() {
        Ok(files) => files,
        Err(error) => {
            let kind = ProblemKind::Unreadable(error.to_string());
            let mut check = SiteCheck::default();
            check.problems.push(problem("the site", "", kind));
            return check;
        }
    };
    let reached: BTreeMap<&str, &str> = reports
        .iter()
        .flat_map(|report| report.reached.iter())
        .map(|(file, item)| (file.as_str(), item.as_str()))
        .collect();
    let studios: Vec<&LockStudio> = reports
        .iter()
        .filter_map(|r| r.lock_studio.as_ref())
        .collect();
    let mut problems = public_file_problems(site, &files, &studios);
    let sorted = sort_files(&files);
    problems.extend(sorted.unexpected.iter().map(|(file, why)| {
        problem(
            "the file",
            file.as_str(),
            ProblemKind::Unexpected(why.clone()),
        )
    }));
    if sorted.has_offline_copies {
        // A writer withdraws `gallery.bin.js` before it touches any other
        // copy, so without it a part may be missing after an interrupted
        // build: only the parts that are there must be exact.
        let header_copy = offline::part_name(HEADER_FILE, 0);
        let complete = files.iter().any(|file| file.name == header_copy);
        problems.extend(offline_copy_problems(
            site,
            &sorted.blobs,
            &reached,
            complete,
        ));
    }
    let (manifest_problems, unchecked_grants) = built_manifest_problems(site, reports, built);
    problems.extend(manifest_problems);
    let unreached: Vec<&String> = sorted
        .blobs
        .iter()
        .filter(|blob| !reached.contains_key(blob.as_str()))
        .collect();
    if !built.is_empty() && unchecked_grants.is_empty() {
        problems.extend(unreached.iter().map(|file| {
            let why = "no grant of the gallery this computer built leads to it".to_owned();
            problem(
                "the encrypted file",
                file.as_str(),
                ProblemKind::Unexpected(why),
            )
        }));
    }
    SiteCheck {
        problems,
        unchecked_grants,
        unreached: unreached.len(),
    }
}

/// The page a site should have: the theme is the one whose style sheet the
/// site has (the default when none is), and its lock screen shows nothing
/// of the studio, or exactly what a grant's manifest says of it
/// (`lock_screen = "studio"`), whichever the site's page is.
fn expected_page<'a>(site: &SiteFiles, studios: &[&'a LockStudio]) -> Page<'a> {
    let read = |name: &str| site.read_at_most(name, 4 << 20).unwrap_or_default();
    let theme = Theme::of_style(&read("style.css")).unwrap_or_default();
    let index = read("index.html");
    let studio = studios.iter().copied().find(|studio| {
        let page = Page {
            theme,
            studio: Some(studio),
        };
        render_index(page).is_ok_and(|html| html.as_bytes() == index)
    });
    Page { theme, studio }
}

/// The public files this version writes for `page`: (name, bytes, whether
/// a site must have it).
fn public_files(page: Page<'_>) -> Vec<(&'static str, Vec<u8>, bool)> {
    let mut files: Vec<_> = crate::site::viewer::viewer_files(page)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, bytes)| (name, bytes, true))
        .collect();
    files.push((
        "robots.txt",
        crate::site::viewer::ROBOTS_TXT.as_bytes().to_vec(),
        false,
    ));
    files.push((
        crate::site::names::HEADERS_FILE,
        crate::site::hosting::headers_file().into_bytes(),
        false,
    ));
    files.push((
        crate::site::names::MARKER_FILE,
        crate::site::names::MARKER_TEXT.as_bytes().to_vec(),
        false,
    ));
    files
}

/// Each public file present must equal what this version writes; the
/// viewer must be there.
fn public_file_problems(
    site: &SiteFiles,
    files: &[SiteFile],
    studios: &[&LockStudio],
) -> Vec<Problem> {
    let present: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    public_files(expected_page(site, studios))
        .into_iter()
        .filter_map(|(name, bytes, required)| {
            let kind = if !present.contains(name) {
                if !required {
                    return None;
                }
                ProblemKind::Missing
            } else {
                match site.read_at_most(name, bytes.len() as u64) {
                    Ok(actual) if actual == bytes => return None,
                    Ok(_) => ProblemKind::Changed,
                    Err(error) => ProblemKind::Unreadable(error.to_string()),
                }
            };
            // The files a site must have are exactly the viewer's.
            let item = if required {
                "the viewer"
            } else {
                "the public file"
            };
            Some(Problem {
                item: item.to_owned(),
                file: name.to_owned(),
                archive: site.archive().map(ToOwned::to_owned),
                kind,
            })
        })
        .collect()
}

/// A site's files by what they are.
struct SortedFiles {
    /// `b/<id>`, the encrypted files.
    blobs: Vec<String>,
    /// (file, why it does not belong).
    unexpected: Vec<(String, String)>,
    /// Some file is a well-formed part of an offline copy.
    has_offline_copies: bool,
}

fn sort_files(files: &[SiteFile]) -> SortedFiles {
    let sizes: BTreeMap<&str, u64> = files.iter().map(|f| (f.name.as_str(), f.bytes)).collect();
    let public: BTreeSet<&str> = public_files(Page::default())
        .iter()
        .map(|(name, _, _)| *name)
        .collect();
    let mut sorted = SortedFiles {
        blobs: Vec::new(),
        unexpected: Vec::new(),
        has_offline_copies: false,
    };
    for file in files {
        let name = file.name.as_str();
        if public.contains(name) || name == HEADER_FILE {
            continue;
        }
        if is_blob_name(name) {
            sorted.blobs.push(name.to_owned());
            continue;
        }
        match offline::part_of(name) {
            Some((twin, index)) if is_copied_file(twin) => {
                sorted.has_offline_copies = true;
                match sizes.get(twin) {
                    None => sorted.unexpected.push((
                        name.to_owned(),
                        format!("it is an offline copy of '{twin}', which is not in the site"),
                    )),
                    Some(&len) if index >= offline::part_count(len) => sorted.unexpected.push((
                        name.to_owned(),
                        format!("'{twin}' has fewer parts than this name says"),
                    )),
                    Some(_) => {}
                }
            }
            _ => sorted.unexpected.push((
                name.to_owned(),
                "lightproof never writes a file of this name".to_owned(),
            )),
        }
    }
    sorted
}

/// Whether `name` is `b/<id>` with a canonical base32 id.
fn is_blob_name(name: &str) -> bool {
    name.strip_prefix(BLOB_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(crate::site::names::is_blob_name)
}

/// Whether lightproof writes offline copies of `name`.
fn is_copied_file(name: &str) -> bool {
    name == HEADER_FILE || name == WASM_FILE || is_blob_name(name)
}

/// Every offline copy: the built-in module's, and the header's and every
/// blob's as their files hold them.
///
/// Parts must all be there only while `gallery.bin.js` is (`complete`), and
/// only for the files a checked grant leads to: a build cut short leaves
/// new encrypted files whose copies it had not written yet.
fn offline_copy_problems(
    site: &SiteFiles,
    blobs: &[String],
    reached: &BTreeMap<&str, &str>,
    complete: bool,
) -> Vec<Problem> {
    use rayon::prelude::*;
    let mut problems: Vec<Problem> = wasm_copy_problems(site)
        .into_iter()
        .filter(|found| complete || found.kind != ProblemKind::Missing)
        .collect();
    let mut copies = vec![("the header".to_owned(), HEADER_FILE.to_owned(), complete)];
    copies.extend(blobs.iter().map(|blob| match reached.get(blob.as_str()) {
        Some(item) => ((*item).to_owned(), blob.clone(), complete),
        None => (format!("the encrypted file '{blob}'"), blob.clone(), false),
    }));
    problems.extend(
        copies
            .par_iter()
            .filter_map(|(item, file, needs_all)| {
                check_offline_copy(site, item, file)
                    .err()
                    .filter(|found| *needs_all || found.kind != ProblemKind::Missing)
            })
            .collect::<Vec<_>>(),
    );
    problems
}

/// `viewer.wasm.js` (and its parts) must be the built-in module's copy.
fn wasm_copy_problems(site: &SiteFiles) -> Vec<Problem> {
    offline::parts(WASM_FILE, WASM)
        .filter_map(|(part, script)| {
            let kind = match site.read_at_most(&part, script.len() as u64) {
                Ok(actual) if actual == script.as_bytes() => return None,
                Ok(_) => ProblemKind::Changed,
                Err(error) if error.kind() == io::ErrorKind::NotFound => ProblemKind::Missing,
                Err(error) => ProblemKind::Unreadable(error.to_string()),
            };
            Some(Problem {
                item: "the offline copy of the viewer".to_owned(),
                file: part,
                archive: site.archive().map(ToOwned::to_owned),
                kind,
            })
        })
        .collect()
}

/// Compares the manifests the build wrote with those the credentials
/// opened: the problems, and the grants no credential opened.
fn built_manifest_problems(
    site: &SiteFiles,
    reports: &[VerifyReport],
    built: &[BuiltManifest],
) -> (Vec<Problem>, Vec<String>) {
    let problem = |file: &str, grant: Option<&str>| Problem {
        item: "the manifest".to_owned(),
        file: file.to_owned(),
        archive: site.archive().map(ToOwned::to_owned),
        kind: ProblemKind::Resealed {
            grant: grant.map(ToOwned::to_owned),
        },
    };
    let mut problems = Vec::new();
    if built.is_empty() {
        return (problems, Vec::new());
    }
    for report in reports {
        let (file, sha256) = &report.manifest;
        let grant = built.iter().find(|b| &b.blob.path() == file);
        if grant.is_none_or(|g| &g.blob.sha256 != sha256) {
            problems.push(problem(file.as_str(), grant.map(|g| g.grant.as_str())));
        }
    }
    let opened: BTreeSet<&str> = reports.iter().map(|r| r.manifest.0.as_str()).collect();
    let mut unchecked = Vec::new();
    for manifest in built {
        let file = manifest.blob.path();
        if opened.contains(file.as_str()) {
            continue;
        }
        if !is_intact(site, &manifest.blob) {
            problems.push(problem(file.as_str(), Some(manifest.grant.as_str())));
        }
        unchecked.push(manifest.grant.clone());
    }
    (problems, unchecked)
}

/// Whether `blob` is in `site` with its pinned length and SHA-256.
fn is_intact(site: &SiteFiles, blob: &BlobRef) -> bool {
    site.read_at_most(&blob.path(), blob.size)
        .is_ok_and(|bytes| {
            bytes.len() as u64 == blob.size && encoding::hex(&Sha256::digest(&bytes)) == blob.sha256
        })
}

/// Checks that the offline copy of `file` (see `offline`) holds exactly
/// its bytes, reading both one part at a time. A missing `file` is
/// reported by the blob checks, not here.
fn check_offline_copy(site: &SiteFiles, item: &str, file: &str) -> Result<(), Problem> {
    let problem = |part: String, kind| Problem {
        item: format!("the offline copy of {item}"),
        file: part,
        archive: site.archive().map(ToOwned::to_owned),
        kind,
    };
    let outcome = site.with_reader(file, |reader| {
        let mut piece = Vec::with_capacity(offline::PART_BYTES);
        let mut count = 1;
        let mut index = 0;
        while index < count {
            let part_file = offline::part_name(file, index);
            let Ok(script) = site.read_at_most(&part_file, offline::max_script_len(file)) else {
                return Ok(Err(problem(part_file, ProblemKind::Missing)));
            };
            piece.clear();
            reader
                .take(offline::PART_BYTES as u64)
                .read_to_end(&mut piece)?;
            let matches = offline::decode_part(&script).is_some_and(|part| {
                let same_count = index == 0 || part.count == count;
                count = part.count;
                same_count && part.name == file && part.index == index && part.bytes == piece
            });
            if !matches {
                return Ok(Err(problem(part_file, ProblemKind::Damaged)));
            }
            index += 1;
        }
        let longer = reader.read(&mut [0u8; 1])? > 0;
        Ok(if longer {
            Err(problem(
                offline::part_name(file, count - 1),
                ProblemKind::Damaged,
            ))
        } else {
            Ok(())
        })
    });
    outcome.unwrap_or(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::public_files;
    use crate::site::names::DOWNLOAD_WORKER_FILE;

    #[test]
    fn the_download_worker_is_a_required_viewer_file() {
        let files = public_files(crate::site::viewer::Page::default());
        let worker = files
            .iter()
            .find(|(name, _, _)| *name == DOWNLOAD_WORKER_FILE)
            .expect("the download worker is checked");
        assert!(worker.2, "a site must have it");
        let source = include_bytes!("../../../themes/default/static/download-worker.js");
        assert_eq!(worker.1, source.to_vec());
        let required: Vec<&str> = files.iter().filter(|f| f.2).map(|f| f.0).collect();
        assert_eq!(
            required,
            [
                "index.html",
                "viewer.js",
                "style.css",
                DOWNLOAD_WORKER_FILE,
                "manifest.webmanifest",
                "icon-192.png",
                "icon-512.png",
                "icon-maskable.png",
                "apple-touch-icon.png",
                "viewer.wasm"
            ]
        );
    }
}
