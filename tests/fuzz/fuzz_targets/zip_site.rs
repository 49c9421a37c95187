//! A packed site (`site.zip`) that `verify` and `diff` open: the index
//! check at opening, then reading every entry it lists, as `verify` does.
//! Every name an opened archive lists must be safe to unpack: no name the
//! entry-name check refuses, and no two that one disk could take for one
//! file.
#![no_main]

// Links the capped allocator, whatever the target uses of the crate.
extern crate lightproof_fuzz;

use libfuzzer_sys::fuzz_target;
use lightproof::site::files::SiteFiles;

fuzz_target!(|bytes: &[u8]| {
    let folder = tempfile::tempdir().expect("a scratch folder");
    let path = folder.path().join("site.zip");
    std::fs::write(&path, bytes).expect("writing the archive");
    let Ok(site) = SiteFiles::open(&path) else {
        return;
    };
    let _ = site.is_gallery();
    let mut folded = std::collections::HashSet::new();
    for file in site.list().expect("a packed site lists from memory") {
        assert_eq!(
            lightproof::site::files::unsafe_name(&file.name),
            None,
            "an unsafe entry name was accepted: {:?}",
            file.name
        );
        assert!(
            folded.insert(file.name.to_lowercase()),
            "two entries differing only in case were accepted: {:?}",
            file.name
        );
        assert!(site.contains(&file.name));
        if let Ok(content) = site.read(&file.name) {
            assert_eq!(
                content.len() as u64,
                file.bytes,
                "an entry's length differs from the index"
            );
        }
    }
});
