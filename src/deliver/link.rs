//! `lightproof link --renew`: cuts one grant's key link off without
//! touching anything else.
//!
//! A key link is a bearer credential that stays in the browser history of
//! every device it was opened on. Renewing gives the grant a new link
//! secret: its slot in `gallery.bin` is sealed again, in the same place,
//! for the new secret, so the old link opens nothing once the new header is
//! uploaded. Only `gallery.bin` (and its offline copy `gallery.bin.js`)
//! changes; passwords, other links and every blob stay as they were. The
//! build cache records the new secret first, so the next build keeps it.

use std::path::{Path, PathBuf};

use crate::build::cache::{Cache, CacheError, Links};
use crate::format::header::{Header, SlotType, SLOT_LEN, SLOT_SALT_LEN};
use crate::format::{vault, Key32, HEADER_FILE};
use crate::random::random;
use crate::shoot::password::{Password, PasswordError};
use crate::site::writer::{SiteWriter, WriteError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenewError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("no key link of grant '{grant}' is known for '{site}' on this computer (links live in the build cache of the computer that built the gallery)")]
    NoLink { grant: String, site: PathBuf },
    #[error("'{0}' holds no readable gallery.bin")]
    NotAGallery(PathBuf),
    #[error("the gallery in '{0}' is not the one this computer's build cache knows (was it built or rotated elsewhere?); nothing was changed")]
    OtherGallery(PathBuf),
    #[error("the current link of grant '{grant}' does not open the gallery in '{site}' (a newer build elsewhere, or a damaged gallery.bin); nothing was changed")]
    SlotNotFound { grant: String, site: PathBuf },
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("cannot save the build cache: {0}; nothing was changed")]
    SaveCache(std::io::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Gives grant `grant` of the gallery in `site` new link secrets and
/// returns them. A two-factor link needs the grant's password, which
/// `password` is asked for only then.
pub fn renew(
    site: &Path,
    cache_dir: Option<&Path>,
    grant: &str,
    password: impl FnOnce() -> Result<Password, PasswordError>,
) -> Result<Links, RenewError> {
    let writer = SiteWriter::existing(site)?;
    let site = writer.root().to_owned();
    let cache = Cache::open(&site, cache_dir, false)?;
    let old = cache.links(grant);
    if old.link.is_none() && old.two_factor.is_none() {
        return Err(RenewError::NoLink {
            grant: grant.to_owned(),
            site,
        });
    }
    let mut header = std::fs::read(site.join(HEADER_FILE))
        .ok()
        .and_then(|bytes| Header::parse(&bytes).ok())
        .ok_or_else(|| RenewError::NotAGallery(site.clone()))?;
    if cache.gallery_id(Some(&header.gallery_id)).is_none() {
        return Err(RenewError::OtherGallery(site));
    }
    let not_found = || RenewError::SlotNotFound {
        grant: grant.to_owned(),
        site: site.clone(),
    };
    let mut new = Links::default();
    if let Some(secret) = &old.link {
        let fresh = new_secret();
        reseal(&mut header, secret, &fresh, SlotType::Link).ok_or_else(not_found)?;
        new.link = Some(fresh);
    }
    if let Some(secret) = &old.two_factor {
        let password_key = header.derive_password_key(password()?.as_bytes());
        let fresh = new_secret();
        reseal(
            &mut header,
            &vault::two_factor_key(&password_key, secret),
            &vault::two_factor_key(&password_key, &fresh),
            SlotType::LinkAndPassword,
        )
        .ok_or_else(not_found)?;
        new.two_factor = Some(fresh);
    }
    cache
        .replace_links(grant, new.clone())
        .map_err(RenewError::SaveCache)?;
    writer.replace_header(&header.to_bytes())?;
    Ok(new)
}

fn new_secret() -> Key32 {
    Key32::from_bytes(random::<32>())
}

/// Seals the slot that `old` opens again, in the same place, so that `new`
/// opens it instead; `None` if no slot opens with `old`.
fn reseal(header: &mut Header, old: &Key32, new: &Key32, kind: SlotType) -> Option<()> {
    let contents = header.open_slots(old, kind).ok()?;
    let index = slot_index(header, old, kind)?;
    header.seal_slot(index, new, kind, random::<SLOT_SALT_LEN>(), &contents);
    Some(())
}

/// Which slot `ikm` opens: the one whose replacement by random bytes makes
/// it open nothing (the header tries slots only as a whole).
fn slot_index(header: &Header, ikm: &Key32, kind: SlotType) -> Option<usize> {
    (0..header.slots.len()).find(|&index| {
        let mut without = header.clone();
        without.slots[index] = random::<SLOT_LEN>();
        without.open_slots(ikm, kind).is_err()
    })
}
