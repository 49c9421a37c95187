use std::path::Path;

use crate::util::*;

/// Every string from the shoot that must not appear in the output: file
/// names, album names, the shoot's name, and EXIF text (captions, camera,
/// dates, author, software), read from the sample files themselves.
fn secrets_of_the_shoot(shoot: &Path) -> Vec<String> {
    let mut secrets = vec![shoot.file_name().unwrap().to_string_lossy().into_owned()];
    for path in files_under(shoot) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "LICENSE.md" {
            continue;
        }
        secrets.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        secrets.push(name);
        if let Some(album) = path.parent().filter(|p| *p != shoot) {
            secrets.push(album.file_name().unwrap().to_string_lossy().into_owned());
        }
        secrets.extend(exif_strings(&path));
    }
    secrets.sort();
    secrets.dedup();
    secrets.retain(|s| s.len() >= 5);
    secrets
}

fn exif_strings(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let Ok(exif) = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    exif.fields()
        .filter_map(|field| match &field.value {
            exif::Value::Ascii(parts) => Some(
                parts
                    .iter()
                    .map(|p| String::from_utf8_lossy(p).trim().to_owned())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The spellings a careless site might use for `secret`.
pub fn encodings(secret: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let mut forms = vec![
        secret.as_bytes().to_vec(),
        secret.to_lowercase().into_bytes(),
        secret.to_uppercase().into_bytes(),
    ];
    forms.push(secret.encode_utf16().flat_map(u16::to_le_bytes).collect());
    forms.push(secret.encode_utf16().flat_map(u16::to_be_bytes).collect());
    forms.push(hex::encode(secret).into_bytes());
    forms.push(
        serde_json::to_string(secret)
            .unwrap()
            .trim_matches('"')
            .as_bytes()
            .to_vec(),
    );
    forms.push(secret.replace(' ', "%20").replace('&', "%26").into_bytes());
    for shift in 0..3 {
        // base64 of the secret at any alignment: drop the edge characters
        // that depend on the neighbouring bytes.
        let padded = format!("{}{secret}", "x".repeat(shift));
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(padded);
        let start = (shift * 4).div_ceil(3) + 1;
        if encoded.len() > start + 4 {
            forms.push(encoded.as_bytes()[start..encoded.len() - 2].to_vec());
        }
    }
    forms.retain(|form| form.len() >= 5);
    forms
}

/// Whether `needle` occurs in `haystack` (memchr's substring search: the
/// scans read megabytes of site for hundreds of spellings).
pub fn find(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn leaks_in(site: &Path, secrets: &[String]) -> Vec<String> {
    let spellings: Vec<(&String, Vec<Vec<u8>>)> =
        secrets.iter().map(|s| (s, encodings(s))).collect();
    let mut found = Vec::new();
    for file in files_under(site) {
        let bytes = offline_part_decoded(&file, std::fs::read(&file).unwrap());
        for (secret, forms) in &spellings {
            if forms.iter().any(|form| find(&bytes, form)) {
                found.push(format!("{secret:?} in {}", file.display()));
            }
        }
        let is_ciphertext = file.parent().unwrap().ends_with("b") || file.ends_with("gallery.bin");
        if is_ciphertext {
            // Signatures long enough not to occur by chance in megabytes of
            // ciphertext (a bare FF D8 FF does, about once per 16 MB).
            if bytes.starts_with(b"\xff\xd8\xff") {
                found.push(format!("a JPEG in {}", file.display()));
            }
            for (what, magic) in [
                ("PNG", &b"\x89PNG\r\n\x1a\n"[..]),
                ("EXIF", b"Exif\0\0"),
                ("JFIF", b"JFIF\0"),
                ("XMP", b"http://ns.adobe.com/xap"),
            ] {
                if find(&bytes, magic) {
                    found.push(format!("{what} signature in {}", file.display()));
                }
            }
        }
    }
    found
}

#[test]
fn nothing_from_the_shoot_appears_in_any_output_file() {
    let secrets = secrets_of_the_shoot(&sample_shoot());
    for expected in [
        "Ceremony",
        "IMG_0201.jpg",
        "NIKON Z 6_2",
        "Sunset over the Picos ridge",
    ] {
        assert!(
            secrets.iter().any(|s| s == expected),
            "the scan must look for {expected:?}: {secrets:?}"
        );
    }
    assert!(secrets.len() >= 30, "only {} secrets", secrets.len());
    let leaks = leaks_in(sample_site(), &secrets);
    assert!(leaks.is_empty(), "leaks: {leaks:#?}");
}

#[test]
fn the_leak_scan_finds_a_planted_leak() {
    let (_dir, site) = copy_of_sample_site();
    let secrets = secrets_of_the_shoot(&sample_shoot());
    std::fs::write(
        site.join("b").join("planted"),
        "xx Canon EOS R6m2 xx"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(
        site.join("extra.js"),
        base64_of("Two spaniels waiting at the cabin window"),
    )
    .unwrap();
    let leaks = leaks_in(&site, &secrets);
    assert!(
        leaks
            .iter()
            .any(|l| l.contains("Canon EOS R6m2") && l.contains("planted")),
        "{leaks:#?}"
    );
    assert!(
        leaks
            .iter()
            .any(|l| l.contains("spaniels") && l.contains("extra.js")),
        "{leaks:#?}"
    );
}

/// A blob's offline copy (`b/<id>.js`: `lightproofPart("b/<id>",i,n,"<base64>");`)
/// with its base64 payload decoded: the ciphertext is random, and its
/// base64 spells a five-letter word such as "canon", in some case, about
/// once per 100 MB of text; decoded, the words are looked for in the
/// ciphertext itself, as in the blob. Any other file, as it is.
fn offline_part_decoded(file: &Path, bytes: Vec<u8>) -> Vec<u8> {
    use base64::Engine as _;
    let in_blobs = file.parent().is_some_and(|p| p.ends_with("b"));
    if !in_blobs || file.extension().is_none_or(|e| e != "js") {
        return bytes;
    }
    let text = String::from_utf8(bytes).expect("an offline part is text");
    let (wrapper, rest) = text
        .rsplit_once(",\"")
        .expect("an offline part ends with its payload");
    let payload = rest
        .trim_end()
        .strip_suffix("\");")
        .expect("an offline part ends with \");");
    let mut decoded = wrapper.as_bytes().to_vec();
    decoded.extend(
        base64::engine::general_purpose::STANDARD
            .decode(payload)
            .expect("an offline part's payload is base64"),
    );
    decoded
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("z{text}"))
}
