//! The build cache holds keys and link secrets, so it is trusted only where
//! no one else can have written it: never a shared folder, never a folder
//! of another user or one others may write.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::util::*;

fn small_shoot(root: &Path) -> std::path::PathBuf {
    let shoot = root.join("shoot");
    make_shoot(&shoot, &["a.jpg", "b.jpg"]);
    shoot
}

/// Builds `shoot` into `dir/site` with the build cache in `cache`.
fn build_with_cache(dir: &Path, shoot: &Path, cache: &Path) -> std::process::Output {
    run(lightproof(&["build", path_str(shoot), "--out"])
        .arg(dir.join("site"))
        .env("LIGHTPROOF_CACHE_DIR", cache))
}

#[test]
fn without_home_there_is_no_cache_in_the_temp_folder() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = small_shoot(dir.path());
    let temp = dir.path().join("tmp");
    fs::create_dir(&temp).unwrap();
    let output = run(lightproof(&["build", path_str(&shoot), "--out"])
        .arg(dir.path().join("site"))
        .env_remove("LIGHTPROOF_CACHE_DIR")
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env("TMPDIR", &temp));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains("neither HOME nor XDG_CACHE_HOME is set. Set one of them"),
        "{log}"
    );
    assert!(
        fs::read_dir(&temp).unwrap().next().is_none(),
        "nothing in the temp folder"
    );
}

#[test]
fn a_cache_folder_others_may_write_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = small_shoot(dir.path());
    let cache = dir.path().join("planted-cache");
    fs::create_dir(&cache).unwrap();
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o777)).unwrap();
    let build = |cache: &Path| build_with_cache(dir.path(), &shoot, cache);
    let output = build(&cache);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains(&format!(
            "the build cache '{}' can be changed by other users (mode 0777)",
            cache.display()
        )),
        "{log}"
    );

    // A private folder with a planted cache file others may write.
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o700)).unwrap();
    assert!(build(&cache).status.success());
    let galleries = cache.join("galleries");
    let file = fs::read_dir(&galleries)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
    let output = build(&cache);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!(
        "'{}' can be changed by other users (mode 0666)",
        file.display()
    )));
}

#[test]
fn a_cache_folder_of_another_user_is_refused_when_run_as_root() {
    let dir = tempfile::tempdir().unwrap();
    if fs::metadata(dir.path()).unwrap().uid() != 0 {
        eprintln!("not root: cannot give a folder to another user; skipped");
        return;
    }
    let shoot = small_shoot(dir.path());
    let cache = dir.path().join("nobody-cache");
    fs::create_dir(&cache).unwrap();
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&cache, Some(65534), Some(65534)).unwrap();
    let output = build_with_cache(dir.path(), &shoot, &cache);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains(&format!(
            "the build cache '{}' belongs to another user (uid 65534)",
            cache.display()
        )),
        "{log}"
    );
}
