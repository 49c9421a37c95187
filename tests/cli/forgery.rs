//! Forgery between grant holders: the holder of one grant, who knows its
//! password, its manifest key and the keys of every blob it shows, and who
//! can also write to the host, tries every change within reach to make the
//! holder of another grant see something else. The other grant must see
//! either its own untouched gallery, a damaged photo, or "wrong password";
//! never forged content. (Holders of the same grant share every key; see
//! docs/SECURITY.md.)

use std::fs;
use std::path::{Path, PathBuf};

use lightproof::format::header::{Header, Kdf, SlotType, SLOT_LEN};
use lightproof::format::manifest::Manifest;
use lightproof::format::{vault, BlobKind, FormatError, Key32, HEADER_FILE};

use crate::util::*;

/// The forger's grant: one album.
const FORGER: &str = "quartz meadow falcon, one album only";
/// The victim's grant: every album, including the forger's.
const VICTIM: &str = "indigo lantern ravine, all the albums";

/// A copy of the sample shoot with both grants, built; returns the temp
/// dir and the site.
fn two_grant_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    fs::write(
        shoot.join("lightproof.toml"),
        "[[grant]]\nname = \"forger\"\nalbums = [\"Mountains\"]\n\n\
         [[grant]]\nname = \"victim\"\n",
    )
    .unwrap();
    let site = dir.path().join("site");
    let output = run(
        lightproof(&["build", path_str(&shoot), "--out", path_str(&site)])
            .env_remove("LIGHTPROOF_PASSWORD")
            .env("LIGHTPROOF_PASSWORD_FORGER", FORGER)
            .env("LIGHTPROOF_PASSWORD_VICTIM", VICTIM),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    (dir, site)
}

/// What the victim's viewer shows of photo `file`'s thumbnail.
fn victim_sees_thumbnail(site: &Path, file: &str) -> Result<Vec<u8>, FormatError> {
    let header = Header::parse(&fs::read(site.join(HEADER_FILE)).unwrap())?;
    let slot = vault::unlock_with_password(&header, VICTIM.as_bytes())?;
    let manifest_bytes = fs::read(site.join(lightproof::format::blob_path(&slot.manifest_id)))
        .map_err(|_| FormatError::Damaged)?;
    let manifest = vault::open_manifest(&header, &slot, &manifest_bytes)?;
    let (_, photo) = manifest.photos().find(|(_, p)| p.file == file).unwrap();
    let bytes = fs::read(site.join(photo.thumb.blob.path())).map_err(|_| FormatError::Damaged)?;
    vault::open_pinned_blob(
        &header.gallery_id,
        &photo.thumb.blob,
        BlobKind::Thumbnail,
        &bytes,
    )
}

fn victim_verify(site: &Path) -> (Option<i32>, String) {
    let output = run(lightproof(&["verify", path_str(site)]).env("LIGHTPROOF_PASSWORD", VICTIM));
    (output.status.code(), stderr(&output))
}

/// The forger's own view: header, manifest, and the plaintext of two of
/// its thumbnails (the one to replace, and the picture to put instead).
struct ForgerKnowledge {
    header: Header,
    manifest: Manifest,
    manifest_key: Key32,
}

fn forger_knowledge(site: &Path) -> ForgerKnowledge {
    let (header, manifest, _, manifest_key) = open_grant(site, FORGER);
    assert!(
        manifest
            .albums
            .iter()
            .all(|album| album.name == "Mountains"),
        "the forger sees one album"
    );
    ForgerKnowledge {
        header,
        manifest,
        manifest_key,
    }
}

/// Re-encrypts thumbnail 0 of the forger's album with thumbnail 1's
/// picture under thumbnail 0's real key and id: the forgery a holder of the
/// key can make. `keep_salt` reuses the original salt too.
fn reencrypt_shared_thumbnail(site: &Path, keep_salt: bool) -> String {
    let knowledge = forger_knowledge(site);
    let photos: Vec<_> = knowledge.manifest.photos().map(|(_, p)| p).collect();
    let (target, substitute) = (&photos[0].thumb.blob, &photos[1].thumb.blob);
    let gallery_id = &knowledge.header.gallery_id;
    let read =
        |blob: &lightproof::format::manifest::BlobRef| fs::read(site.join(blob.path())).unwrap();
    let picture = vault::open_pinned_blob(
        gallery_id,
        substitute,
        BlobKind::Thumbnail,
        &read(substitute),
    )
    .unwrap();
    let original = read(target);
    let salt: [u8; 24] = if keep_salt {
        original[..24].try_into().unwrap()
    } else {
        [0x5a; 24]
    };
    let forged = vault::seal_blob(
        gallery_id,
        &target.id_bytes().unwrap(),
        BlobKind::Thumbnail,
        &target.key,
        &salt,
        &picture,
    );
    // The forgery is valid for the key: it authenticates without the pin.
    assert_eq!(
        vault::open_blob(
            gallery_id,
            &target.id_bytes().unwrap(),
            BlobKind::Thumbnail,
            &target.key,
            &forged
        )
        .unwrap(),
        picture
    );
    fs::write(site.join(target.path()), forged).unwrap();
    photos[0].file.clone()
}

#[test]
fn a_photo_reencrypted_under_its_real_key_is_refused_by_the_other_grant() {
    for keep_salt in [false, true] {
        let (_dir, site) = two_grant_site();
        let untouched = fs::read(site.join(HEADER_FILE)).unwrap();
        let file = reencrypt_shared_thumbnail(&site, keep_salt);
        assert_eq!(fs::read(site.join(HEADER_FILE)).unwrap(), untouched);
        assert_eq!(
            victim_sees_thumbnail(&site, &file).unwrap_err(),
            FormatError::Damaged,
            "keep_salt {keep_salt}"
        );
        let (code, text) = victim_verify(&site);
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains(&format!("the thumbnail of '{file}'")) && text.contains("damaged"),
            "{text}"
        );
    }
}

#[test]
fn a_forged_manifest_reaches_only_the_forgers_own_grant() {
    let (_dir, site) = two_grant_site();
    let knowledge = forger_knowledge(&site);
    let gallery_id = knowledge.header.gallery_id;
    let mut forged = knowledge.manifest;
    forged.albums[0].photos[0].caption = Some("forged caption".into());
    forged.title = "Forged".into();
    let json = forged.to_json();
    // Every blob file on the host, overwritten in turn with the forged
    // manifest sealed as that blob (under the forger's manifest key, the
    // only manifest key it has): one of them is the victim's manifest.
    let blobs = blob_files(&site);
    assert!(blobs.len() > 10);
    for blob in &blobs {
        let original = fs::read(blob).unwrap();
        let id = lightproof::format::encoding::base32_decode::<16>(
            blob.file_name().unwrap().to_str().unwrap(),
        )
        .unwrap();
        let sealed = vault::seal_blob(
            &gallery_id,
            &id,
            BlobKind::Manifest,
            &knowledge.manifest_key,
            &[7; 24],
            &json,
        );
        fs::write(blob, sealed).unwrap();
        match victim_sees_thumbnail(&site, &forged.albums[0].photos[0].file) {
            Ok(_) => {
                let (_, manifest, _, _) = open_grant(&site, VICTIM);
                assert_ne!(manifest.title, "Forged");
                assert!(manifest
                    .photos()
                    .all(|(_, p)| p.caption.as_deref() != Some("forged caption")));
            }
            Err(error) => assert_eq!(error, FormatError::Damaged),
        }
        fs::write(blob, original).unwrap();
    }
    let (code, text) = victim_verify(&site);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn a_header_rewritten_by_the_forger_opens_nothing_forged_for_the_victim() {
    let (_dir, site) = two_grant_site();
    let knowledge = forger_knowledge(&site);
    let header = knowledge.header;
    let forger_key = header.derive_password_key(FORGER.as_bytes());
    let forger_slot: [u8; SLOT_LEN] = *header
        .slots
        .iter()
        .find(|slot| {
            let mut only = header.clone();
            only.slots = vec![**slot; header.slots.len()];
            only.open_slots(&forger_key, SlotType::Password).is_ok()
        })
        .unwrap();
    let victim_key = header.derive_password_key(VICTIM.as_bytes());
    // Every other slot replaced by the forger's: the victim's password now
    // opens nothing, rather than the forger's grant.
    let mut rewritten = header.clone();
    rewritten.slots = vec![forger_slot; header.slots.len()];
    assert_eq!(
        rewritten
            .open_slots(&victim_key, SlotType::Password)
            .unwrap_err(),
        FormatError::WrongPassword
    );
    // A new slot for the victim's password can only be made by someone who
    // knows it; one made under the forger's own key opens nothing for it.
    let mut resealed = header.clone();
    for index in 0..resealed.slots.len() {
        resealed.seal_slot(
            index,
            &forger_key,
            SlotType::Password,
            [index as u8; 16],
            &lightproof::format::header::SlotContents {
                manifest_id: [1; 16],
                manifest_key: Key32::from_bytes([2; 32]),
            },
        );
    }
    assert!(resealed
        .open_slots(&victim_key, SlotType::Password)
        .is_err());
    // Lowering the work factor or changing the salt locks every slot.
    let mut lowered = header.clone();
    lowered.kdf = match header.kdf {
        Kdf::Argon2id {
            memory_kib,
            passes,
            lanes,
        } => Kdf::Argon2id {
            memory_kib: memory_kib - 1024,
            passes,
            lanes,
        },
        Kdf::Pbkdf2 { iterations } => Kdf::Pbkdf2 {
            iterations: 600_000.max(iterations - 1),
        },
    };
    lowered.kdf_salt[0] ^= 1;
    fs::write(site.join(HEADER_FILE), lowered.to_bytes()).unwrap();
    assert_eq!(
        victim_sees_thumbnail(&site, "DSC03301.jpg").unwrap_err(),
        FormatError::WrongPassword
    );
    fs::write(site.join(HEADER_FILE), rewritten.to_bytes()).unwrap();
    let (code, text) = victim_verify(&site);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("password does not open"), "{text}");
}
