//! `lightproof publish`: a built site into object storage (or a folder), in
//! the order that keeps the published gallery whole at every moment.
//!
//! 1. Clean up after a publish that was killed (its unfinished multipart
//!    uploads, or a folder's temporary files).
//! 2. Blobs and their offline parts (`b/…`), create-only: their names are
//!    random and never reused. One already there at its size is skipped.
//! 3. The page, the viewer and the other files.
//! 4. The switch: `gallery.bin.js` (the header's copy for opening from
//!    disk) is withdrawn, `gallery.bin` replaced, and the new copy put
//!    back, as a build does on disk: a copy never disagrees with its header.
//! 5. Only then, stale objects: what the site no longer has. Nothing the
//!    new header needs is ever deleted (it is all in the site), and nothing
//!    lightproof did not write is touched.
//!
//! Every replacement of an existing object is conditional on the version
//! listed when the publish began (`If-Match`), and every new file outside
//! `b/` on there being none (`If-None-Match`): if someone else published in
//! between, the publish stops before the switch and says so, and their
//! gallery stays as they left it.
//!
//! A file counts as already there when the object has its size (a blob)
//! or its size and bytes (the other files, which are small), so a rebuild
//! uploads only what changed and a password change only the header.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::diff::UploadStep;
use crate::format::{BLOB_DIR, HEADER_FILE};
use crate::site::files::{SiteFile, SiteFiles, SiteFilesError};
use crate::site::hosting::{cache_control, content_type, is_served, ROOT_FILES};
use crate::site::names::{in_blob_dir, is_blob_name};
use crate::site::offline;
use crate::site::remote::{Condition, Headers, Remote, RemoteError, RemoteObject, Version};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    #[error(transparent)]
    Site(#[from] SiteFilesError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("someone else published to {target} since this publish began ('{name}' changed there), so it stopped before switching to this build: the gallery there is as they left it. Check which build should be online, then publish again")]
    Conflict { target: String, name: String },
    #[error("cannot read '{name}' in {target} to compare it: {reason}")]
    Compare {
        target: String,
        name: String,
        reason: String,
    },
}

/// What a publish does (or, with `--dry-run`, would do), in order.
/// Serialises as `{"upload":[{"path":…,"bytes":…}],"delete":[…],…}`.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub upload: Vec<PlannedUpload>,
    pub delete: Vec<PlannedDelete>,
    /// Files already there, byte for byte (or, for blobs, at their size).
    pub unchanged: usize,
    /// Objects under the prefix that lightproof did not write: left alone.
    pub foreign: Vec<String>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct PlannedUpload {
    pub path: String,
    pub bytes: u64,
    #[serde(skip)]
    pub condition: Condition,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct PlannedDelete {
    pub path: String,
    pub bytes: u64,
}

impl Plan {
    pub fn upload_bytes(&self) -> u64 {
        self.upload.iter().map(|upload| upload.bytes).sum()
    }
}

/// What happened, as it happens (the CLI draws it; `Sync`: uploads run on
/// several threads).
pub trait Progress: Sync {
    fn sent(&self, _bytes: u64) {}
    fn uploaded(&self, _path: &str) {}
    fn deleted(&self, _path: &str) {}
}

/// Reports nothing.
pub struct Silent;
impl Progress for Silent {}

/// What a finished publish did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Published {
    pub uploaded: usize,
    pub uploaded_bytes: u64,
    pub deleted: usize,
    pub unchanged: usize,
    /// Unfinished uploads of an earlier, killed publish that were cleaned up.
    pub cleaned_up: usize,
    pub foreign: Vec<String>,
}

/// Compares the site folder with what `remote` holds.
pub fn plan(site: &Path, remote: &Remote) -> Result<Plan, PublishError> {
    let local = SiteFiles::open_gallery(site)?;
    let files: Vec<_> = local
        .list()?
        .into_iter()
        .filter(|file| is_served(&file.name))
        .collect();
    let mut there: BTreeMap<String, RemoteObject> = remote
        .list()?
        .into_iter()
        .map(|object| (object.name.clone(), object))
        .collect();
    let mut plan = Plan::default();
    for file in &files {
        match condition_for(&local, remote, file, there.remove(&file.name))? {
            None => plan.unchanged += 1,
            Some(condition) => plan.upload.push(PlannedUpload {
                path: file.name.clone(),
                bytes: file.bytes,
                condition,
            }),
        }
    }
    plan.upload
        .sort_by(|a, b| UploadStep::order(&a.path, &b.path));
    for (name, object) in there {
        if is_gallery_file(&name) {
            plan.delete.push(PlannedDelete {
                path: name,
                bytes: object.bytes,
            });
        } else {
            plan.foreign.push(name);
        }
    }
    Ok(plan)
}

/// How `file` goes up, given the object `there` under its name; `None`
/// when it is there already.
fn condition_for(
    local: &SiteFiles,
    remote: &Remote,
    file: &SiteFile,
    there: Option<RemoteObject>,
) -> Result<Option<Condition>, PublishError> {
    let Some(object) = there else {
        return Ok(Some(Condition::Create));
    };
    let same = if in_blob_dir(&file.name) {
        // A blob's name never comes back with other bytes: one of another
        // size there is damaged, and is replaced.
        object.bytes == file.bytes
    } else {
        object.bytes == file.bytes && same_bytes(local, remote, &file.name)?
    };
    if same {
        return Ok(None);
    }
    Ok(Some(Condition::Unchanged(known_version(remote, object)?)))
}

/// The version listed, or asked of the object where the listing had none.
fn known_version(remote: &Remote, object: RemoteObject) -> Result<Version, PublishError> {
    if object.version.e_tag.is_some() || object.version.version.is_some() {
        return Ok(object.version);
    }
    Ok(remote.version(&object.name)?)
}

/// Carries `plan` out against `remote`, with `jobs` uploads at a time.
pub fn publish(
    site: &Path,
    remote: &Remote,
    plan: &Plan,
    jobs: usize,
    progress: &dyn Progress,
) -> Result<Published, PublishError> {
    let cleaned_up = remote.abort_unfinished()?;
    let target = remote.describe();
    let upload = |step: &&PlannedUpload| upload_one(site, remote, &target, step, progress);
    let in_step = |wanted: &[UploadStep]| -> Vec<&PlannedUpload> {
        plan.upload
            .iter()
            .filter(|upload| wanted.contains(&UploadStep::of(&upload.path)))
            .collect()
    };
    for step in [UploadStep::Blob, UploadStep::BlobCopy, UploadStep::Page] {
        in_parallel(&in_step(&[step]), jobs, upload)?;
    }
    let switch = in_step(&[UploadStep::HeaderCopy, UploadStep::Header]);
    switch_header(remote, &switch, upload)?;
    in_parallel(&plan.delete, jobs, |stale| {
        remote.delete(&stale.path)?;
        progress.deleted(&stale.path);
        Ok(())
    })?;
    Ok(Published {
        uploaded: plan.upload.len(),
        uploaded_bytes: plan.upload_bytes(),
        deleted: plan.delete.len(),
        unchanged: plan.unchanged,
        cleaned_up,
        foreign: plan.foreign.clone(),
    })
}

/// The switch, as a build makes it on disk: the header's offline copy is
/// withdrawn first, then `gallery.bin` is replaced, then the new copy is
/// put back. Killed at any point, the bucket holds the old header or the
/// new one, and a copy that matches it or none (a copy is only read from
/// disk, and verify accepts its absence); never a copy of the other one.
fn switch_header(
    remote: &Remote,
    switch: &[&PlannedUpload],
    upload: impl Fn(&&PlannedUpload) -> Result<(), PublishError>,
) -> Result<(), PublishError> {
    let header_copy = offline::part_name(HEADER_FILE, 0);
    let (copies, headers): (Vec<&&PlannedUpload>, Vec<&&PlannedUpload>) =
        switch.iter().partition(|step| step.path == header_copy);
    if !copies.is_empty() {
        remote.delete(&header_copy)?;
    }
    for step in headers {
        upload(step)?;
    }
    for step in copies {
        let put_back = PlannedUpload {
            path: step.path.clone(),
            bytes: step.bytes,
            condition: Condition::Create,
        };
        upload(&&put_back)?;
    }
    Ok(())
}

fn upload_one(
    site: &Path,
    remote: &Remote,
    target: &str,
    step: &PlannedUpload,
    progress: &dyn Progress,
) -> Result<(), PublishError> {
    let headers = Headers {
        content_type: content_type(&step.path),
        cache_control: cache_control(&step.path),
    };
    let source = site.join(&step.path);
    let sent = |bytes: u64| progress.sent(bytes);
    match remote.put_file(&step.path, &source, &headers, &step.condition, &sent) {
        Ok(()) => {
            progress.uploaded(&step.path);
            Ok(())
        }
        // A blob that appeared since the listing: another publish of this
        // same build put it there (names are random), so it is the same.
        Err(RemoteError::Exists(_)) if in_blob_dir(&step.path) => {
            progress.sent(step.bytes);
            progress.uploaded(&step.path);
            Ok(())
        }
        // Unless it already holds our bytes: a retried request whose first
        // try did the work but lost its answer meets its own write.
        Err(RemoteError::Exists(name) | RemoteError::Changed(name)) => {
            let local = SiteFiles::Folder(site.to_owned());
            if same_bytes(&local, remote, &step.path).unwrap_or(false) {
                progress.sent(step.bytes);
                progress.uploaded(&step.path);
                return Ok(());
            }
            Err(PublishError::Conflict {
                target: target.to_owned(),
                name,
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Runs `work` on every item, `jobs` at a time; stops at the first error
/// (items under way finish) and returns it.
fn in_parallel<T: Sync>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> Result<(), PublishError> + Sync,
) -> Result<(), PublishError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return;
                    };
                    if let Err(error) = work(item) {
                        failed.store(true, Ordering::Relaxed);
                        first_error
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .get_or_insert(error);
                    }
                }
            });
        }
    });
    match first_error
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
    {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Whether `name` is one lightproof writes into a site: a root file, a
/// blob, or an offline part of either (`NAME.js`, `NAME.2.js`). Anything
/// else under the prefix is left alone.
fn is_gallery_file(name: &str) -> bool {
    let stem = offline::part_of(name).map_or(name, |(file, _)| file);
    if ROOT_FILES.contains(&stem) {
        return true;
    }
    stem.strip_prefix(BLOB_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(is_blob_name)
}

/// Whether `name` has the same bytes in the site and in `remote`.
fn same_bytes(local: &SiteFiles, remote: &Remote, name: &str) -> Result<bool, PublishError> {
    let compare_failed = |reason: String| PublishError::Compare {
        target: remote.describe(),
        name: name.to_owned(),
        reason,
    };
    let ours = local
        .read(name)
        .map_err(|error| compare_failed(error.to_string()))?;
    let theirs = remote
        .with_reader(name, |reader| {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            Ok(bytes)
        })
        .map_err(|error| compare_failed(error.to_string()))?;
    Ok(ours == theirs)
}
