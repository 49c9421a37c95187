//! The header's key slots: one per grant's password (or password and
//! link together), one per key link, and the gallery id they are bound to.

use std::path::Path;

use crate::build::cache::{Cache, Links};
use crate::build::encrypt::{PreparedHeader, SlotEntry};
use crate::format::header::{Header, SlotContents, SlotType};
use crate::format::manifest::BlobRef;
use crate::format::{vault, Id, Key32, HEADER_FILE};
use crate::random::random;
use crate::shoot::grants::Grant;

/// The key slots of grant number `index`: its password (or, for a
/// two-factor grant, password and link together only), and its key link.
/// Link secrets are kept from the last build, so links already sent work.
pub(super) fn grant_slots(
    index: usize,
    grant: &Grant,
    manifest: &BlobRef,
    prepared: &PreparedHeader,
    cache: &mut Cache,
) -> Vec<SlotEntry> {
    let contents = || SlotContents {
        manifest_id: manifest.id_bytes().expect("our own blob id"),
        manifest_key: manifest.key.clone(),
    };
    let password_key = prepared.password_key(index);
    let previous = cache.links(&grant.name);
    let secret = |kept: Option<Key32>| kept.unwrap_or_else(|| Key32::from_bytes(random()));
    let links = Links {
        link: grant.link.then(|| secret(previous.link)),
        two_factor: grant.two_factor_link.then(|| secret(previous.two_factor)),
    };
    let mut slots = Vec::new();
    if let Some(link) = &links.two_factor {
        // Only link and password together: no slot for either alone.
        slots.push(SlotEntry {
            ikm: vault::two_factor_key(password_key, link),
            kind: SlotType::LinkAndPassword,
            contents: contents(),
        });
    } else {
        slots.push(SlotEntry {
            ikm: password_key.clone(),
            kind: SlotType::Password,
            contents: contents(),
        });
    }
    if let Some(link) = &links.link {
        slots.push(SlotEntry {
            ikm: link.clone(),
            kind: SlotType::Link,
            contents: contents(),
        });
    }
    cache.record_links(&grant.name, links);
    slots
}

/// The cached gallery id when the output folder still holds that gallery;
/// otherwise a fresh one, and the cache is forgotten.
pub(super) fn gallery_id(cache: &mut Cache, site: &Path) -> Id {
    let current = std::fs::read(site.join(HEADER_FILE))
        .ok()
        .and_then(|bytes| Header::parse(&bytes).ok())
        .map(|header| header.gallery_id);
    cache.gallery_id(current.as_ref()).unwrap_or_else(|| {
        cache.forget();
        random()
    })
}
