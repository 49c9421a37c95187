use std::fs;
use std::process::Output;

use serde_json::Value;

use crate::util::*;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The one JSON object a `--json` run prints on stdout.
fn json(output: &Output) -> Value {
    let text = stdout(output);
    assert_eq!(text.lines().count(), 1, "one line on stdout: {text}");
    let value: Value = serde_json::from_str(&text).expect("JSON on stdout");
    assert!(value.is_object(), "{value}");
    value
}

/// The subcommands `lightproof --help` lists (without `help`).
fn subcommands() -> Vec<String> {
    let output = run(lightproof(&["--help"]).env("COLUMNS", "200"));
    assert!(output.status.success());
    let help = stdout(&output);
    let listed: Vec<String> = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(listed.len() >= 9, "{listed:?}");
    listed
}

#[test]
fn build_json_reports_photos_skipped_and_failed_files_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["good.jpg", "Album/b.jpg"]);
    fs::write(shoot.join("notes.txt"), "hello").unwrap();
    fs::write(shoot.join("broken.jpg"), b"\xff\xd8\xff\xe0 truncated").unwrap();
    let out = dir.path().join("site");
    let output = build_site(&shoot, &out, &["--json"]);
    assert_eq!(output.status.code(), Some(1), "a photo failed");
    let report = json(&output);
    assert_eq!(report["photos"], 2);
    assert_eq!(report["albums"], 2);
    assert_eq!(report["rendered"], 2);
    assert_eq!(report["reused"], 0);
    let skipped = &report["skipped"][0];
    assert!(skipped["path"].as_str().unwrap().ends_with("notes.txt"));
    assert_eq!(skipped["reason"], "not a photo");
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["path"].as_str().unwrap().ends_with("broken.jpg"));
    assert!(failed[0]["reason"]
        .as_str()
        .unwrap()
        .contains("cannot decode"));
    let written = report["bytes_written"].as_u64().unwrap();
    assert!(written > 0 && report["site_bytes"].as_u64().unwrap() > written);
    assert!(report["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(report["out"], path_str(&out.canonicalize().unwrap()));
    assert_eq!(report["grants"][0]["name"], "everyone");
    assert_eq!(report["grants"][0]["photos"], 2);
    assert_eq!(report["grants"][0]["originals"], 0);
    assert_eq!(report["removed_blobs"], Value::Array(vec![]));
    let log = stderr(&output);
    assert!(
        log.contains("built 2 photos in 2 albums"),
        "human text stays on stderr: {log}"
    );
    assert!(!log.contains("lightproof: building"), "no progress: {log}");
}

#[test]
fn rotate_json_lists_the_old_files_only_inside_the_object() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    make_shoot(&shoot, &["a.jpg"]);
    let out = dir.path().join("site");
    let args = [
        "build",
        path_str(&shoot),
        "--out",
        path_str(&out),
        "--quiet",
    ];
    assert!(run(&mut lightproof(&args)).status.success());
    let old: Vec<String> = fs::read_dir(out.join("b"))
        .unwrap()
        .map(|e| format!("b/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    let output =
        run(lightproof(&["rotate", path_str(&shoot), "--out", path_str(&out)]).arg("--json"));
    assert!(output.status.success());
    let report = json(&output);
    let mut removed: Vec<String> = report["removed_blobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let mut old = old;
    removed.sort();
    old.sort();
    assert_eq!(removed, old);
}

#[test]
fn verify_json_and_quiet_report_a_complete_and_a_damaged_gallery() {
    let (_dir, site) = copy_of_sample_site();
    let output = run(lightproof(&["verify", path_str(&site)]).arg("--json"));
    assert!(output.status.success());
    let report = json(&output);
    assert_eq!(report["complete"], true);
    assert_eq!(report["albums"], 3);
    assert_eq!(report["photos"], 9);
    assert_eq!(report["blobs_checked"], 18);
    assert_eq!(report["problems"], Value::Array(vec![]));

    let output = run(lightproof(&["verify", path_str(&site)]).arg("--quiet"));
    assert!(output.status.success());
    assert_eq!(
        stderr(&output),
        "",
        "--quiet prints nothing when all is well"
    );

    let (_, manifest, _, _) = open_grant(&site, PASSWORD);
    let thumb = manifest.photos().next().unwrap().1.thumb.blob.path();
    fs::remove_file(site.join(&thumb)).unwrap();
    let output = run(lightproof(&["verify", path_str(&site)]).arg("--json"));
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["complete"], false);
    assert_eq!(report["problems"][0]["file"], thumb.as_str());
    assert_eq!(report["problems"][0]["kind"], "missing");
    assert!(report["problems"][0]["item"]
        .as_str()
        .unwrap()
        .starts_with("the thumbnail of"));
    assert!(stderr(&output).contains("1 problem"), "{}", stderr(&output));
    let output = run(lightproof(&["verify", path_str(&site)]).arg("--quiet"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is missing"),
        "problems are errors: --quiet shows them"
    );
}

#[test]
fn bad_arguments_exit_2_and_help_exits_0() {
    let site = path_str(sample_site()).to_owned();
    for args in [
        vec!["build"],
        vec!["verify", &site, "--bogus"],
        vec!["build", "shoot", "-o", "site", "--quality", "0"],
        vec!["completions", "tcsh"],
        vec!["no-such-command"],
    ] {
        let output = run(&mut lightproof(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
    assert!(run(&mut lightproof(&["verify", "--help"])).status.success());
}

#[test]
fn every_subcommand_help_shows_the_exit_codes() {
    for sub in subcommands() {
        let output = run(&mut lightproof(&[&sub, "--help"]));
        assert!(output.status.success(), "{sub}");
        let help = stdout(&output);
        assert!(
            help.contains("Exit codes:") && help.contains("2  nothing done"),
            "{sub} --help:\n{help}"
        );
    }
}

#[test]
fn bash_completion_names_every_subcommand_and_is_valid_bash() {
    let output = run(&mut lightproof(&["completions", "bash"]));
    assert!(output.status.success());
    let script = stdout(&output);
    for sub in subcommands() {
        assert!(script.contains(&sub), "bash completion lacks '{sub}'");
    }
    assert!(script.contains("--thumb-size"));
    let check = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_man_pages_are_valid_roff_and_name_every_subcommand() {
    let output = run(&mut lightproof(&["man"]));
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(page.contains(".TH lightproof 1"), "{page}");
    assert!(page.contains("EXIT STATUS") && page.contains("nothing done"));
    let subs = subcommands();
    for sub in &subs {
        // roff writes every hyphen as \- (grant-picks: grant\-picks).
        let roff = sub.replace('-', "\\-");
        assert!(
            page.contains(&format!("lightproof\\-{roff}(1)")),
            "man page lacks '{sub}'"
        );
    }
    groff_accepts(&page);

    let dir = tempfile::tempdir().unwrap();
    let output = run(&mut lightproof(&["man", "--out", path_str(dir.path())]));
    assert!(output.status.success());
    for sub in &subs {
        let page = fs::read_to_string(dir.path().join(format!("lightproof-{sub}.1"))).unwrap();
        assert!(page.contains(".TH lightproof-"), "{sub}");
        groff_accepts(&page);
    }
    assert!(dir.path().join("lightproof.1").is_file());
}

/// groff (when installed) formats the page without a warning (`-k`: UTF-8
/// input through preconv, as `man` does).
fn groff_accepts(page: &str) {
    use std::io::Write;
    let Ok(mut groff) = std::process::Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("groff is not installed: roff not checked");
        return;
    };
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let checked = groff.wait_with_output().unwrap();
    let warnings = String::from_utf8_lossy(&checked.stderr);
    assert!(
        checked.status.success() && warnings.is_empty(),
        "{warnings}"
    );
}

/// Runs `lightproof ARGS` on a pseudo-terminal (util-linux `script`) and
/// returns what the terminal received.
fn on_a_terminal(args: &str, term: &str) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_lightproof"));
    let mut script = std::process::Command::new("script");
    for (key, value) in lightproof(&[]).get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let output = script
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", term)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    assert!(output.status.success(), "{}", stdout(&output));
    stdout(&output)
}

#[test]
fn progress_bars_only_on_a_terminal_that_can_redraw() {
    let dir = tempfile::tempdir().unwrap();
    let shoot = dir.path().join("shoot");
    let names: Vec<String> = (0..6).map(|i| format!("p{i}.png")).collect();
    make_shoot(
        &shoot,
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let site = path_str(&dir.path().join("site")).to_owned();
    let build = format!("build {} --out {site} --no-cache", path_str(&shoot));
    let screen = on_a_terminal(&build, "xterm-256color");
    assert!(
        screen.contains("Building") && screen.contains("photos"),
        "{screen:?}"
    );
    assert!(
        !screen.contains("lightproof: building 6 photos"),
        "{screen:?}"
    );
    let screen = on_a_terminal(&build, "dumb");
    assert!(!screen.contains("Building"), "{screen:?}");
    assert!(
        screen.contains("lightproof: building 6 photos"),
        "{screen:?}"
    );
    let screen = on_a_terminal(&format!("{build} --json"), "xterm-256color");
    assert!(
        !screen.contains("Building") && !screen.contains("lightproof: building"),
        "{screen:?}"
    );

    let verify = format!("verify {site}");
    let screen = on_a_terminal(&verify, "xterm-256color");
    assert!(screen.contains("Checking"), "{screen:?}");
    for quiet in ["--json", "--quiet"] {
        let screen = on_a_terminal(&format!("{verify} {quiet}"), "xterm-256color");
        assert!(!screen.contains("Checking"), "{quiet}: {screen:?}");
    }
}
