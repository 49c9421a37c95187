//! The committed seed corpus, built from real sealed objects so every
//! target starts from inputs that pass its checks. Regenerate with
//! `tests/fuzz/make-seeds.sh`; the bytes are deterministic.

use lightproof::format::header::SlotType;
use lightproof::format::padding::pad;
use lightproof::format::{blob_path, encoding, vault, Key32};
use lightproof::site::offline::encode_part;

use crate::fixtures::{
    manifest, seal_bare_blob, seal_manifest, sealed_header, sealed_photo, GALLERY, MANIFEST_ID,
    MANIFEST_KEY,
};
use crate::script::{encode, Op};

/// One seed: target, file name, bytes.
pub type Seed = (&'static str, String, Vec<u8>);

/// Every seed of every target.
pub fn all() -> Vec<Seed> {
    [
        header(),
        slots(),
        manifests(),
        blobs(),
        unpad(),
        viewer(),
        offline_parts(),
        selections(),
        zip_sites(),
    ]
    .concat()
}

fn seed(target: &'static str, name: &str, bytes: Vec<u8>) -> Seed {
    (target, format!("seed-{name}"), bytes)
}

fn header() -> Vec<Seed> {
    [
        (1, 0, SlotType::Password, "one-password-slot"),
        (8, 3, SlotType::Link, "eight-slots-link"),
        (
            32,
            31,
            SlotType::LinkAndPassword,
            "thirty-two-slots-two-factor",
        ),
    ]
    .into_iter()
    .map(|(count, real, kind, name)| {
        seed("header", name, sealed_header(count, real, kind).to_bytes())
    })
    .collect()
}

fn slots() -> Vec<Seed> {
    vec![
        seed("slots", "untouched", vec![0, 0, 0]),
        seed("slots", "eight-slots-flip-filler", vec![7, 3, 1, 200, 0, 1]),
        seed("slots", "flip-sealed-slot", vec![3, 2, 2, 0x40, 1, 0x80]),
        seed("slots", "flip-prefix", vec![31, 31, 0, 30, 0, 1, 80, 0, 1]),
    ]
}

fn manifests() -> Vec<Seed> {
    let photos = [sealed_photo(0, 300), sealed_photo(1, 20)];
    let full = manifest(&photos).to_json();
    let mut empty = manifest(&[]);
    empty.expires = None;
    empty.photographer_email = None;
    empty.selection_limit = None;
    let empty = empty.to_json();
    vec![
        seed("manifest", "two-photos", full.clone()),
        seed("manifest", "no-photos", empty.clone()),
        seed("sealed_manifest", "two-photos", seal_manifest(&full)),
        seed("sealed_manifest", "no-photos", seal_manifest(&empty)),
    ]
}

fn blobs() -> Vec<Seed> {
    [0usize, 1, 16_383, 16_384, 16_385, 32_767, 32_769]
        .into_iter()
        .map(|len| {
            let content: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            seed("blob", &format!("content-{len}"), seal_bare_blob(&content))
        })
        .collect()
}

fn unpad() -> Vec<Seed> {
    [0usize, 1, 9, 100, 300]
        .into_iter()
        .map(|len| {
            let mut padded: Vec<u8> = (0..len).map(|i| (i % 255 + 1) as u8).collect();
            pad(&mut padded);
            seed("unpad", &format!("content-{len}"), padded)
        })
        .collect()
}

/// Whole sessions: unlock, manifest, photos, an original in two pieces, a
/// ZIP of both originals and a selection; one per kind of slot.
fn viewer() -> Vec<Seed> {
    let photos = [sealed_photo(0, 300), sealed_photo(1, 17_000)];
    let sealed = seal_manifest(&manifest(&photos).to_json());
    let (first, second) = photos[1].original.split_at(10_000);
    let photo = |n: u8, kind: u8, blob: &[u8]| [&[n, kind][..], blob].concat();
    let thumb = photo(0, 0, &photos[0].thumb);
    let preview = photo(1, 1, &photos[1].preview);
    [
        (SlotType::Password, Op::UnlockKey, "password-session"),
        (SlotType::Link, Op::UnlockLink, "link-session"),
        (
            SlotType::LinkAndPassword,
            Op::UnlockTwoFactor,
            "two-factor-session",
        ),
    ]
    .into_iter()
    .map(|(kind, unlock, name)| {
        let header = sealed_header(4, 1, kind).to_bytes();
        let steps: Vec<(Op, &[u8])> = vec![
            (Op::OpenHeader, &header),
            (unlock, &[]),
            (Op::OpenManifest, &sealed),
            (Op::OpenPhoto, &thumb),
            (Op::OpenPhoto, &preview),
            (Op::OriginalBegin, &[1]),
            (Op::OriginalPush, first),
            (Op::OriginalPush, second),
            (Op::OriginalFinish, &[]),
            (Op::ZipBegin, b"[0,1]"),
            (Op::ZipEntry, &[0]),
            (Op::ZipEntry, &[1]),
            (Op::ZipFinish, &[]),
            (Op::SignSelection, b"IMG_0000.jpg\n    album: Ceremony\n"),
            (Op::Lock, &[]),
        ];
        seed("viewer", name, encode(&steps))
    })
    .collect()
}

fn offline_parts() -> Vec<Seed> {
    let blob = seal_bare_blob(b"a thumbnail");
    vec![
        seed(
            "offline_part",
            "blob",
            encode_part(&blob_path(&[9; 16]), 0, 1, &blob).into_bytes(),
        ),
        seed(
            "offline_part",
            "middle-part",
            encode_part("gallery.bin", 1, 3, &blob[..40]).into_bytes(),
        ),
        seed(
            "offline_part",
            "empty-file",
            encode_part("viewer.wasm", 0, 1, b"").into_bytes(),
        ),
    ]
}

/// A selection as the viewer writes it (see `selectionText` in viewer.js).
fn selections() -> Vec<Seed> {
    let body = "Selection from Wedding: 2 photos (up to 10)\n\nIMG_0001.jpg\n    album: Ceremony\n    note: crop tighter\nIMG_0002.jpg\n    album: Party\n";
    let tag = vault::selection_tag(&Key32::from_bytes(MANIFEST_KEY), body.as_bytes());
    let text = format!(
        "{body}--\nlightproof-selection 1 gallery={} manifest={} tag={}\n",
        encoding::hex(&GALLERY),
        encoding::base32(&MANIFEST_ID),
        encoding::hex(&tag),
    );
    let hostile = "Selection from Wedding: 2 photos\n\n../../etc/passwd\n    album: Cere\u{202e}mony\n    note: \u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\n\\..\\boot.ini\n    album: \u{0}\n";
    let hostile_tag = vault::selection_tag(&Key32::from_bytes(MANIFEST_KEY), hostile.as_bytes());
    let hostile = format!(
        "{hostile}--\nlightproof-selection 1 gallery={} manifest={} tag={}\n",
        encoding::hex(&GALLERY),
        encoding::base32(&MANIFEST_ID),
        encoding::hex(&hostile_tag),
    );
    vec![
        seed("selection", "two-photos", text.into_bytes()),
        seed("selection", "hostile-names", hostile.into_bytes()),
    ]
}

/// A small packed site written by `lightproof pack`.
fn zip_sites() -> Vec<Seed> {
    let folder = tempfile::tempdir().expect("a scratch folder");
    let site = folder.path().join("site");
    let photo = sealed_photo(0, 10);
    let header = sealed_header(2, 0, SlotType::Password).to_bytes();
    let sealed = seal_manifest(&manifest(std::slice::from_ref(&photo)).to_json());
    let files: [(String, &[u8]); 4] = [
        ("gallery.bin".into(), &header),
        (blob_path(&MANIFEST_ID), &sealed),
        (photo.photo.thumb.blob.path(), &photo.thumb),
        (
            "index.html".into(),
            b"<!doctype html><title>Wedding</title>",
        ),
    ];
    for (name, bytes) in files {
        let path = site.join(name);
        std::fs::create_dir_all(path.parent().expect("inside the site")).expect("a folder");
        std::fs::write(path, bytes).expect("a site file");
    }
    let out = folder.path().join("site.zip");
    lightproof::deliver::pack::pack(&site, Some(&out)).expect("packing the seed site");
    vec![seed(
        "zip_site",
        "small-site",
        std::fs::read(out).expect("the packed site"),
    )]
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    // The instrumented build links libFuzzer into this harness too, and
    // libFuzzer needs a target to link; this one is never run.
    libfuzzer_sys::fuzz_target!(|_bytes: &[u8]| {});

    /// Writes the seed corpus into `corpus/<target>/`; run by
    /// `make-seeds.sh`.
    #[test]
    #[ignore = "writes the committed corpus; run by make-seeds.sh"]
    fn write_seed_corpus() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        for (target, name, bytes) in super::all() {
            let folder = corpus.join(target);
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(name), bytes).unwrap();
        }
    }
}
