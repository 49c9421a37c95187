//! Passwords never leave the photographer's hands: with a sentinel password
//! for every way a password reaches lightproof (environment, password file,
//! a grant's file, a wrong guess, a refused weak one), every command in
//! every output mode (plain log, a terminal with progress bars, `--json`,
//! full backtraces) is run, and all it printed and every file it wrote (the
//! site, the build cache, the single file, the zip) is searched for each
//! sentinel in every spelling `leaks::encodings` knows.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::leaks::{encodings, find};
use crate::util::*;

const MAIN: &str = "Sentinel quokka 7341 über fjord lantern";
const GRANT_FILE: &str = "Sentinel wombat 9902 crisp nebula harp";
const GRANT_ENV: &str = "Sentinel numbat 5518 amber tide mosaic";
const WRONG: &str = "Sentinel bilby 2207 wrong guess entirely";
const WEAK: &str = "sentinel1";
const ALL: [&str; 5] = [MAIN, GRANT_FILE, GRANT_ENV, WRONG, WEAK];

/// Collects everything the commands print.
struct Transcript {
    cache: tempfile::TempDir,
    printed: Vec<(String, Vec<u8>)>,
}

impl Transcript {
    fn new() -> Self {
        Self {
            cache: tempfile::tempdir().unwrap(),
            printed: Vec::new(),
        }
    }

    /// `lightproof ARGS` at maximum verbosity, with `password` (if any) in
    /// the environment and this transcript's own build cache.
    fn command(&self, args: &[&str], password: Option<&str>) -> Command {
        let mut command = lightproof(args);
        command
            .env("LIGHTPROOF_CACHE_DIR", self.cache.path())
            .env("RUST_BACKTRACE", "full")
            .env("RUST_LIB_BACKTRACE", "1")
            .env("RUST_LOG", "trace")
            .env_remove("LIGHTPROOF_PASSWORD");
        if let Some(password) = password {
            command.env("LIGHTPROOF_PASSWORD", password);
        }
        command
    }

    fn run(&mut self, args: &[&str], password: Option<&str>) -> Output {
        self.run_command(args.join(" "), &mut self.command(args, password))
    }

    fn run_command(&mut self, name: String, command: &mut Command) -> Output {
        let output = run(command);
        let mut printed = output.stdout.clone();
        printed.extend_from_slice(&output.stderr);
        self.printed.push((name, printed));
        output
    }

    /// `lightproof ARGS` on a pseudo-terminal, so progress bars and
    /// interactive messages are drawn.
    fn run_on_terminal(&mut self, args: &[&str], password: &str) {
        let mut script = Command::new("script");
        let line = format!("{} {}", env!("CARGO_BIN_EXE_lightproof"), args.join(" "));
        for (key, value) in self.command(args, Some(password)).get_envs() {
            match value {
                Some(value) => script.env(key, value),
                None => script.env_remove(key),
            };
        }
        script
            .args(["-qec", &line, "/dev/null"])
            .env("TERM", "xterm-256color")
            .stdin(std::process::Stdio::null());
        let output = self.run_command(format!("(terminal) {}", args.join(" ")), &mut script);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("photos"),
            "the terminal run drew nothing"
        );
    }

    /// Every sentinel found in anything printed, as "where: which".
    fn leaks(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (name, bytes) in &self.printed {
            found.extend(sentinels_in(bytes).map(|s| format!("output of `{name}`: {s:?}")));
        }
        found
    }
}

fn sentinels_in(bytes: &[u8]) -> impl Iterator<Item = &'static str> + '_ {
    ALL.into_iter()
        .filter(move |secret| encodings(secret).iter().any(|form| find(bytes, form)))
}

/// Every sentinel found in any file under `dir`.
fn leaks_under(dir: &Path) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .flat_map(|file| {
            let bytes = fs::read(&file).unwrap();
            sentinels_in(&bytes)
                .map(|s| format!("{}: {s:?}", file.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A shoot with two grants, one reading its password from a file outside
/// the shoot, one from the environment and with a key link.
fn granted_shoot(dir: &Path) -> (PathBuf, PathBuf) {
    let shoot = dir.join("granted-shoot");
    copy_dir(&sample_shoot(), &shoot);
    let password_file = dir.join("secrets").join("studio.txt");
    fs::create_dir_all(password_file.parent().unwrap()).unwrap();
    fs::write(&password_file, format!("{GRANT_FILE}\n")).unwrap();
    let config = format!(
        "[[grant]]\nname = \"studio\"\npassword_file = \"{}\"\n\n\
         [[grant]]\nname = \"client\"\nalbums = [\"Mountains\"]\nlink = true\n",
        path_str(&password_file)
    );
    fs::write(shoot.join("lightproof.toml"), config).unwrap();
    (shoot, password_file)
}

#[test]
fn no_password_appears_in_any_output_or_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Transcript::new();
    let shoot = dir.path().join("shoot");
    copy_dir(&sample_shoot(), &shoot);
    let site = dir.path().join("site");
    let (shoot, site) = (path_str(&shoot), path_str(&site));

    let built = log.run(&["build", shoot, "--out", site, "--json"], Some(MAIN));
    assert!(built.status.success());
    log.run_on_terminal(&["build", shoot, "--out", site, "--downloads"], MAIN);
    let verified = log.run(&["verify", site], Some(MAIN));
    assert!(verified.status.success());
    assert!(log
        .run(&["verify", site, "--json"], Some(MAIN))
        .status
        .success());
    let wrong = log.run(&["verify", site], Some(WRONG));
    assert_eq!(wrong.status.code(), Some(2), "a wrong password is an error");
    let weak = log.run(&["build", shoot, "--out", site], Some(WEAK));
    assert!(!weak.status.success(), "a weak password is refused");
    assert!(stderr(&weak).contains("too weak"), "{}", stderr(&weak));
    let rotated = log.run(&["rotate", shoot, "--out", site, "--json"], Some(MAIN));
    assert!(rotated.status.success());
    let bundle = dir.path().join("proofs.html");
    let bundled = log.run(&["bundle", site, "-o", path_str(&bundle)], None);
    assert!(bundled.status.success());
    assert!(log.run(&["pack", site], None).status.success());

    let granted_site = dir.path().join("granted-site");
    let (granted, password_file) = granted_shoot(dir.path());
    let mut build = log.command(
        &[
            "build",
            path_str(&granted),
            "--out",
            path_str(&granted_site),
        ],
        None,
    );
    build.env("LIGHTPROOF_PASSWORD_CLIENT", GRANT_ENV);
    let granted_built = log.run_command("build (grants)".into(), &mut build);
    assert!(granted_built.status.success());
    let links = log.run(
        &[
            "link",
            path_str(&granted_site),
            "--url",
            "https://example.com/g/",
        ],
        None,
    );
    assert!(links.status.success());
    let verified_grant = log.run(
        &[
            "verify",
            path_str(&granted_site),
            "--password-file",
            path_str(&password_file),
        ],
        None,
    );
    assert!(verified_grant.status.success());

    let mut leaks = log.leaks();
    leaks.extend(leaks_under(dir.path()).into_iter().filter(|leak| {
        // The password file itself is the one place a password belongs.
        !leak.starts_with(path_str(&password_file))
    }));
    leaks.extend(leaks_under(log.cache.path()));
    assert!(leaks.is_empty(), "passwords leaked:\n{}", leaks.join("\n"));

    // The search finds a password where there is one.
    assert_eq!(
        leaks_under(password_file.parent().unwrap()),
        [format!("{}: {GRANT_FILE:?}", path_str(&password_file))]
    );
    assert!(
        files_under(log.cache.path()).len() > 1,
        "the cache was used"
    );
}
