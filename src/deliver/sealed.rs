//! `lightproof picks` for a selection's sealed code (docs/FORMAT.md,
//! "Selection codes"): the code names photos by their position in its
//! grant's manifest, so that manifest (from this computer's build cache)
//! turns positions back into file, album and note, after the tag is checked
//! with the same manifest's key.

use std::path::Path;

use super::picks::{check_in_grant, grant_manifest, Checked, PicksError};
use crate::build::cache::Cache;
use crate::format::encoding;
use crate::format::selection_code::{CodeError, SealedCode};

/// File, album and note of each photo the code names, in the gallery's
/// order, with the grant's manifest, once the code's gallery, tag and photo count are checked.
pub(super) fn checked_code(
    code: &SealedCode,
    cache: &Cache,
    site: &Path,
    selection: &Path,
) -> Result<Checked, PicksError> {
    if cache.gallery_id(Some(&code.gallery())).is_none() {
        return Err(PicksError::OtherGallery(
            selection.to_owned(),
            site.to_owned(),
        ));
    }
    let manifest_id = encoding::base32(&code.manifest());
    let tampered = || PicksError::Tampered(selection.to_owned());
    let key = cache.manifest_key(&manifest_id).ok_or_else(tampered)?;
    let opened = code.open(&key).map_err(|e| match e {
        CodeError::UnsupportedVersion(v) => PicksError::NewerCode(selection.to_owned(), v),
        _ => tampered(),
    })?;
    let manifest = grant_manifest(cache, &manifest_id, site)?;
    let listed: Vec<_> = manifest.photos().collect();
    if listed.len() != opened.photo_count as usize {
        return Err(PicksError::CodeForOtherPhotos(
            selection.to_owned(),
            opened.photo_count,
            listed.len(),
        ));
    }
    let note_of = |position: u32| {
        let found = opened.notes.binary_search_by_key(&position, |(p, _)| *p);
        found.ok().map(|i| opened.notes[i].1.clone())
    };
    let photos: Vec<_> = opened
        .picks
        .iter()
        .map(|&position| {
            let (album, photo) = listed[position as usize];
            (photo.file.clone(), album.name.clone(), note_of(position))
        })
        .collect();
    check_in_grant(&photos, &manifest, selection)?;
    Ok((photos, manifest))
}
