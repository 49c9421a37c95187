//! `publish SITE URL`, against a folder and against moto's S3 server (a real
//! S3 protocol implementation that checks signatures' shape and the
//! conditional headers), started on loopback by each test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::serve::{send, Response};
use crate::util::*;

/// moto's standalone server, killed on drop.
pub struct Moto {
    child: Child,
    pub addr: String,
}

impl Moto {
    pub fn start() -> Self {
        let bin = std::env::var_os("LIGHTPROOF_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target/tools/moto/bin/moto_server"));
        assert!(
            bin.exists(),
            "{} is missing: these tests publish to moto's S3 server; tests/run-all.sh installs it \
             (pip install 'moto[server]' into target/tools/moto), or set LIGHTPROOF_MOTO_SERVER",
            bin.display()
        );
        let (child, addr) = spawn_listening("moto_server", |port| {
            let mut command = Command::new(&bin);
            command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            command
        });
        Self { child, addr }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An unsigned request, as a browser or a hand-made client sends it.
    pub fn request(&self, method: &str, target: &str, body: &str) -> Response {
        send(
            &self.addr,
            &format!(
                "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                self.addr,
                body.len()
            ),
        )
    }

    /// A bucket that anyone may read, as a studio's gallery bucket is
    /// (docs/HOSTING.md); here anyone may also list, write and delete, so
    /// that a test can play someone else (or damage) with unsigned requests.
    pub fn create_bucket(&self, bucket: &str) {
        let response = self.request("PUT", &format!("/{bucket}"), "");
        assert_eq!(
            response.status,
            200,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"]}}]}}"#
        );
        let response = self.request("PUT", &format!("/{bucket}?policy"), &policy);
        assert!(
            response.status < 300,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
    }

    /// The keys under `prefix` in `bucket`.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let response = self.request(
            "GET",
            &format!("/{bucket}?list-type=2&prefix={prefix}&max-keys=1000"),
            "",
        );
        assert_eq!(response.status, 200);
        let text = String::from_utf8(response.body).unwrap();
        text.split("<Key>")
            .skip(1)
            .map(|rest| rest.split("</Key>").next().unwrap().to_owned())
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server that `command` (given a free port) makes, and waits
/// until it listens on 127.0.0.1: the child and its address.
fn spawn_listening(what: &str, command: impl FnOnce(u16) -> Command) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = command(port)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(child.try_wait().unwrap().is_none(), "{what} exited");
        assert!(Instant::now() < deadline, "{what} did not listen on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, addr)
}

/// `lightproof ARGS` with test credentials for `endpoint` and nothing from
/// this machine's AWS files.
pub fn with_s3(args: &[&str], endpoint: &str) -> Command {
    let mut command = lightproof(args);
    command
        .args(["--endpoint", endpoint])
        .env("AWS_ACCESS_KEY_ID", "lightproof-test-key")
        .env("AWS_SECRET_ACCESS_KEY", "lightproof-test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    command
}

fn json_of(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The files a host serves, with their bytes (no marker, no `_headers`).
fn served(site: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(site)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(site)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            (name, std::fs::read(&path).unwrap())
        })
        .filter(|(name, _)| lightproof::site::hosting::is_served(name))
        .collect()
}

fn paths(value: &serde_json::Value, key: &str) -> Vec<String> {
    value[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["path"].as_str().unwrap().to_owned())
        .collect()
}

fn publish_folder(site: &Path, target: &Path, extra: &[&str]) -> serde_json::Value {
    json_of(&run(lightproof(&[
        "publish",
        path_str(site),
        path_str(target),
        "--json",
    ])
    .args(extra)))
}

#[test]
fn a_folder_gets_the_site_then_only_what_changed_and_a_password_change_is_the_header_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site, target) = (
        dir.path().join("shoot"),
        dir.path().join("site"),
        dir.path().join("host"),
    );
    make_numbered_shoot(&shoot, 4);
    build_ok(&shoot, &site, &["--quiet"]);

    let first = publish_folder(&site, &target, &[]);
    assert_eq!(
        served(&target),
        served(&site),
        "the host holds exactly the served files"
    );
    assert_eq!(first["uploaded"], served(&site).len());
    assert!(run(&mut lightproof(&["verify", path_str(&target)]))
        .status
        .success());

    let again = publish_folder(&site, &target, &[]);
    assert_eq!(
        (again["uploaded"].as_u64(), again["deleted"].as_u64()),
        (Some(0), Some(0))
    );

    // One more photo: what `diff` lists, in its order, and nothing else.
    make_shoot(&shoot, &["zz-new.png"]);
    build_ok(&shoot, &site, &["--quiet"]);
    let diffed = json_of(&run(&mut lightproof(&[
        "diff",
        path_str(&target),
        path_str(&site),
        "--json",
    ])));
    let planned = publish_folder(&site, &target, &["--dry-run"]);
    let mut to_upload = paths(&diffed, "upload");
    to_upload.retain(|path| path != "_headers"); // for Netlify; not published
    assert_eq!(paths(&planned, "upload"), to_upload);
    assert_eq!(
        planned["delete"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].clone())
            .collect::<Vec<_>>(),
        diffed["delete"].as_array().unwrap().clone()
    );
    let uploads = paths(&planned, "upload");
    assert!(uploads.len() < served(&site).len() / 2, "{uploads:?}");
    assert_eq!(
        &uploads[uploads.len() - 2..],
        ["gallery.bin.js", "gallery.bin"],
        "the header last"
    );
    let added = publish_folder(&site, &target, &[]);
    assert_eq!(added["uploaded"].as_u64(), Some(uploads.len() as u64));
    assert_eq!(served(&target), served(&site));

    // A new password: the header and its copy, nothing else.
    let output = run(lightproof(&[
        "build",
        path_str(&shoot),
        "--out",
        path_str(&site),
        "--quiet",
    ])
    .env("LIGHTPROOF_PASSWORD", "copper meadow lantern quietly hums"));
    assert!(output.status.success(), "{}", stderr(&output));
    let planned = publish_folder(&site, &target, &["--dry-run"]);
    assert_eq!(paths(&planned, "upload"), ["gallery.bin.js", "gallery.bin"]);
    assert!(planned["delete"].as_array().unwrap().is_empty());
}

#[test]
fn moto_gets_every_object_with_its_headers_once_and_verify_and_diff_read_it_back() {
    let moto = Moto::start();
    moto.create_bucket("studio");
    let site = sample_site();
    let url = "s3://studio/2026/anna-ben/";
    let endpoint = moto.endpoint();

    let first = json_of(&run(&mut with_s3(
        &["publish", path_str(site), url, "--json"],
        &endpoint,
    )));
    let files = served(site);
    assert_eq!(first["uploaded"].as_u64(), Some(files.len() as u64));
    let mut keys = moto.keys("studio", "2026/anna-ben/");
    keys.sort();
    let expected: Vec<String> = files
        .keys()
        .map(|name| format!("2026/anna-ben/{name}"))
        .collect();
    assert_eq!(keys, expected);
    for (name, bytes) in &files {
        let response = moto.request("GET", &format!("/studio/2026/anna-ben/{name}"), "");
        assert_eq!(response.status, 200, "{name}");
        assert_eq!(&response.body, bytes, "{name} byte for byte");
        use lightproof::site::hosting::{cache_control, content_type};
        assert_eq!(
            response.values("content-type"),
            [content_type(name)],
            "{name}"
        );
        assert_eq!(
            response.values("cache-control"),
            [cache_control(name)],
            "{name}"
        );
    }

    // Something else under the prefix is left alone; nothing goes up twice.
    assert_eq!(
        moto.request("PUT", "/studio/2026/anna-ben/notes.txt", "ours")
            .status,
        200
    );
    let again = json_of(&run(&mut with_s3(
        &["publish", path_str(site), url, "--json"],
        &endpoint,
    )));
    assert_eq!(
        (again["uploaded"].as_u64(), again["deleted"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(again["foreign"], serde_json::json!(["notes.txt"]));
    assert_eq!(
        moto.request("GET", "/studio/2026/anna-ben/notes.txt", "")
            .body,
        b"ours"
    );

    // verify reads it as clients get it, and names what is not the gallery's.
    let verified = run(&mut with_s3(&["verify", url], &endpoint));
    assert_eq!(verified.status.code(), Some(1), "{}", stderr(&verified));
    assert!(stderr(&verified).contains("'notes.txt' in 's3://studio/2026/anna-ben/'"));
    assert_eq!(
        moto.request("DELETE", "/studio/2026/anna-ben/notes.txt", "")
            .status,
        204
    );
    let verified = run(&mut with_s3(&["verify", url], &endpoint));
    assert!(verified.status.success(), "{}", stderr(&verified));
    let diffed = json_of(&run(&mut with_s3(
        &["diff", url, path_str(site), "--json"],
        &endpoint,
    )));
    assert_eq!(
        paths(&diffed, "upload"),
        ["_headers"],
        "all there but the file for Netlify"
    );
    assert_eq!(diffed["delete"], serde_json::json!([]));

    // Damage one blob there: verify names it.
    let blob = files
        .keys()
        .find(|name| name.starts_with("b/") && !name.ends_with(".js"))
        .unwrap();
    assert_eq!(
        moto.request("PUT", &format!("/studio/2026/anna-ben/{blob}"), "damaged")
            .status,
        200
    );
    let verified = run(&mut with_s3(&["verify", url], &endpoint));
    // 1 for a damaged photo, 2 when the blob is the manifest (the first
    // blob by name is either): both name it.
    assert!(
        matches!(verified.status.code(), Some(1 | 2)),
        "{}",
        stderr(&verified)
    );
    assert!(
        stderr(&verified).contains(blob.trim_start_matches("b/")),
        "{}",
        stderr(&verified)
    );
    // And the next publish puts it back (a blob of the wrong size is damage).
    let mended = json_of(&run(&mut with_s3(
        &["publish", path_str(site), url, "--json"],
        &endpoint,
    )));
    assert_eq!(mended["uploaded"].as_u64(), Some(1));
    assert!(run(&mut with_s3(&["verify", url], &endpoint))
        .status
        .success());
}

#[test]
fn a_large_original_goes_up_in_parts_and_comes_back_byte_for_byte() {
    let moto = Moto::start();
    moto.create_bucket("big");
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    std::fs::create_dir_all(&shoot).unwrap();
    // Noise does not compress: a PNG of about 17 MB.
    noise_png(&shoot.join("noise.png"), 2800, 2000, 0x9e3779b97f4a7c15);
    build_ok(&shoot, &site, &["--quiet", "--downloads"]);
    let biggest = served(&site)
        .into_iter()
        .max_by_key(|(_, bytes)| bytes.len())
        .unwrap();
    assert!(biggest.1.len() > 16 << 20, "{} bytes", biggest.1.len());
    let published = json_of(&run(&mut with_s3(
        &[
            "publish",
            path_str(&site),
            "s3://big/",
            "--json",
            "--multipart-above",
            "10000000",
        ],
        &moto.endpoint(),
    )));
    assert_eq!(
        published["uploaded"].as_u64(),
        Some(served(&site).len() as u64)
    );
    let response = moto.request("GET", &format!("/big/{}", biggest.0), "");
    assert_eq!(response.body.len(), biggest.1.len());
    assert!(response.body == biggest.1, "{} byte for byte", biggest.0);
    // A multipart object's ETag names its parts: "…-3" for 17 MB in 8 MiB parts.
    let e_tag = response
        .values("etag")
        .first()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e_tag
            .trim_matches('"')
            .ends_with(&format!("-{}", biggest.1.len().div_ceil(8 << 20))),
        "{e_tag}"
    );
    assert!(
        run(&mut with_s3(&["verify", "s3://big/"], &moto.endpoint()))
            .status
            .success()
    );
}

/// A PNG of noise (it does not compress): `width` × `height` × 3 bytes.
fn noise_png(path: &Path, width: u32, height: u32, seed: u64) {
    let mut state = seed | 1;
    image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    })
    .save(path)
    .unwrap();
}

/// The multipart uploads under way in `bucket`.
fn uploads_under_way(moto: &Moto, bucket: &str) -> usize {
    let response = moto.request("GET", &format!("/{bucket}?uploads"), "");
    assert_eq!(response.status, 200);
    String::from_utf8_lossy(&response.body)
        .matches("<Upload>")
        .count()
}

/// SIGKILL at random moments (the seed is printed; LIGHTPROOF_KILL_SEED
/// replays it, LIGHTPROOF_KILL_ROUNDS runs more): after every kill the
/// bucket verifies with the password, and the next publish completes,
/// aborting the multipart upload the killed one left.
/// Where a test publishes: a folder, moto or s3s-fs, seen the same way.
enum Host {
    Folder(tempfile::TempDir),
    Moto(Moto),
    S3s(S3sFs),
}

impl Host {
    fn start(kind: &str) -> Self {
        match kind {
            "folder" => Self::Folder(tempfile::tempdir().unwrap()),
            "moto" => {
                let moto = Moto::start();
                moto.create_bucket("host");
                Self::Moto(moto)
            }
            _ => Self::S3s(S3sFs::start(&["host"])),
        }
    }

    fn url(&self) -> String {
        match self {
            Self::Folder(dir) => path_str(&dir.path().join("g")).to_owned(),
            _ => "s3://host/g/".to_owned(),
        }
    }

    /// `lightproof ARGS` with what this host needs.
    fn lightproof(&self, args: &[&str]) -> Command {
        match self {
            Self::Folder(_) => lightproof(args),
            Self::Moto(moto) => self.through(&moto.addr, args),
            Self::S3s(server) => self.through(&server.addr, args),
        }
    }

    /// `lightproof ARGS` for this server, reached at `addr` (a proxy's).
    fn through(&self, addr: &str, args: &[&str]) -> Command {
        let mut command = with_s3(args, &format!("http://{addr}"));
        if let Self::S3s(_) = self {
            command
                .env("AWS_ACCESS_KEY_ID", S3sFs::KEY)
                .env("AWS_SECRET_ACCESS_KEY", S3sFs::SECRET);
        }
        command
    }

    /// The server's own address.
    fn addr(&self) -> &str {
        match self {
            Self::Folder(_) => panic!("a folder has no address"),
            Self::Moto(moto) => &moto.addr,
            Self::S3s(server) => &server.addr,
        }
    }

    /// The names there.
    fn names(&self) -> Vec<String> {
        match self {
            Self::Moto(moto) => moto
                .keys("host", "g/")
                .into_iter()
                .map(|key| key.trim_start_matches("g/").to_owned())
                .collect(),
            Self::Folder(dir) => served(&dir.path().join("g")).into_keys().collect(),
            Self::S3s(server) => server.stored("host", "g").into_keys().collect(),
        }
    }

    fn header(&self) -> Vec<u8> {
        match self {
            Self::Moto(moto) => moto.request("GET", "/host/g/gallery.bin", "").body,
            Self::Folder(dir) => {
                std::fs::read(dir.path().join("g/gallery.bin")).unwrap_or_default()
            }
            Self::S3s(server) => {
                std::fs::read(server.root.path().join("host/g/gallery.bin")).unwrap_or_default()
            }
        }
    }

    /// What a killed publish left unfinished, where the host can tell:
    /// moto's multipart uploads, a folder's temporary files. (s3s-fs has
    /// no call to list its uploads; its part files stay its own.)
    fn unfinished(&self) -> Option<usize> {
        match self {
            Self::Moto(moto) => Some(uploads_under_way(moto, "host")),
            Self::Folder(dir) => Some(
                files_under(dir.path())
                    .iter()
                    .filter(|path| {
                        lightproof::site::atomic::is_temp_file(
                            &path.file_name().unwrap().to_string_lossy(),
                        )
                    })
                    .count(),
            ),
            Self::S3s(_) => None,
        }
    }
}

/// SIGKILL at random moments, on each kind of host (the seed is printed;
/// LIGHTPROOF_KILL_SEED replays it, LIGHTPROOF_KILL_ROUNDS runs more):
/// after every kill the gallery there verifies with the password, and the
/// next publish completes and leaves nothing unfinished.
#[test]
fn a_publish_killed_at_random_moments_leaves_a_gallery_that_verifies_and_the_next_completes() {
    let seed = seed_from_env("LIGHTPROOF_KILL_SEED");
    let rounds: usize = std::env::var("LIGHTPROOF_KILL_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    eprintln!(
        "kill test: seed {seed} (LIGHTPROOF_KILL_SEED={seed} replays it), {rounds} rounds per host"
    );
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut landed = Vec::new();
    for kind in ["folder", "moto", "s3s-fs"] {
        let host = Host::start(kind);
        let url = host.url();
        let dir = tempfile::tempdir().unwrap();
        let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
        make_numbered_shoot(&shoot, 3);
        let publish_args = [
            "publish",
            path_str(&site),
            &url,
            "--quiet",
            "--multipart-above",
            "6000000",
            "--jobs",
            "4",
        ];
        let mut full_run = Duration::from_secs(2);
        for round in 0..=rounds {
            // Each round adds a small photo and a large original (in parts).
            make_shoot(&shoot, &[format!("round-{round}.png").as_str()]);
            noise_png(
                &shoot.join(format!("large-{round}.png")),
                2000,
                1600,
                next(),
            );
            build_ok(&shoot, &site, &["--quiet", "--downloads"]);
            if round > 0 {
                let wait =
                    Duration::from_millis(next() % (full_run.as_millis() as u64 * 12 / 10 + 1));
                let mut child = host
                    .lightproof(&publish_args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                std::thread::sleep(wait);
                let finished_first = child.try_wait().unwrap().is_some();
                let _ = child.kill();
                let _ = child.wait();
                let new_files = served(&site);
                let there = host.names();
                let up = new_files.keys().filter(|name| there.contains(name)).count();
                let switched = host.header() == new_files["gallery.bin"];
                landed.push(format!(
                    "{kind} round {round}: killed at {} ms{}, {up}/{} of the new build's files there, {} header, {} unfinished",
                    wait.as_millis(),
                    if finished_first { " (it had finished)" } else { "" },
                    new_files.len(),
                    if switched { "new" } else { "old" },
                    host.unfinished().map_or("?".to_owned(), |n| n.to_string()),
                ));
                let verified = run(&mut host.lightproof(&["verify", &url, "--quiet"]));
                assert!(
                    verified.status.success(),
                    "seed {seed}, {}: the gallery there does not verify: {}",
                    landed.last().unwrap(),
                    stderr(&verified)
                );
            }
            let started = Instant::now();
            let output = run(&mut host.lightproof(&publish_args));
            assert!(
                output.status.success(),
                "seed {seed}, {kind} round {round}: {}",
                stderr(&output)
            );
            full_run = started.elapsed();
            let mut names = host.names();
            names.sort();
            let expected: Vec<String> = served(&site).into_keys().collect();
            assert_eq!(
                names, expected,
                "seed {seed}, {kind} round {round}: the new build is there"
            );
            assert!(
                host.unfinished().is_none_or(|n| n == 0),
                "seed {seed}, {kind} round {round}: nothing left unfinished"
            );
        }
    }
    eprintln!("kill test, seed {seed}:\n  {}", landed.join("\n  "));
}

/// Someone else publishes between this publish's plan and its switch, on
/// each kind of host: it stops at the switch and their gallery stays.
#[test]
fn a_publish_that_meets_another_publish_stops_before_the_switch_on_every_host() {
    use lightproof::deliver::publish::{self, PublishError, Silent};
    use lightproof::site::remote::{Connection, Remote, RemoteUrl};
    for kind in ["folder", "moto", "s3s-fs"] {
        let host = Host::start(kind);
        let url = host.url();
        let dir = tempfile::tempdir().unwrap();
        let (shoot, ours, theirs) = (
            dir.path().join("shoot"),
            dir.path().join("ours"),
            dir.path().join("theirs"),
        );
        make_numbered_shoot(&shoot, 3);
        build_ok(&shoot, &ours, &["--quiet"]);
        assert!(
            run(&mut host.lightproof(&["publish", path_str(&ours), &url, "--quiet"]))
                .status
                .success()
        );

        // Our rebuild is planned against what is there…
        make_shoot(&shoot, &["zz-ours.png"]);
        build_ok(&shoot, &ours, &["--quiet"]);
        let connection = match &host {
            Host::Folder(_) => Connection::default(),
            Host::Moto(moto) => Connection {
                endpoint: Some(moto.endpoint()),
                ..Connection::default()
            },
            Host::S3s(server) => Connection {
                endpoint: Some(server.endpoint()),
                ..Connection::default()
            },
        };
        let (key, secret) = match &host {
            Host::S3s(_) => (S3sFs::KEY, S3sFs::SECRET),
            _ => ("lightproof-test-key", "lightproof-test-secret"),
        };
        std::env::set_var("AWS_ACCESS_KEY_ID", key);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", secret);
        let remote = Remote::open(&RemoteUrl::parse(&url).unwrap(), &connection).unwrap();
        let plan = publish::plan(&ours, &remote).unwrap();

        // …someone else publishes another build meanwhile…
        let other_shoot = dir.path().join("other-shoot");
        make_numbered_shoot(&other_shoot, 2);
        build_ok(&other_shoot, &theirs, &["--quiet"]);
        let output = run(&mut host.lightproof(&["publish", path_str(&theirs), &url, "--quiet"]));
        assert!(output.status.success(), "{kind}: {}", stderr(&output));

        // …and ours stops at the switch, leaving theirs online.
        match publish::publish(&ours, &remote, &plan, 4, &Silent) {
            Err(PublishError::Conflict { name, .. }) => assert_eq!(name, "gallery.bin", "{kind}"),
            other => panic!("{kind}: expected a conflict, got {other:?}"),
        }
        assert_eq!(
            host.header(),
            std::fs::read(theirs.join("gallery.bin")).unwrap(),
            "{kind}: theirs stays"
        );
        let verified = run(&mut host.lightproof(&["verify", &url, "--quiet"]));
        assert!(verified.status.success(), "{kind}: {}", stderr(&verified));
    }
}

fn seed_from_env(variable: &str) -> u64 {
    std::env::var(variable)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

/// Through a proxy that drops connections (before and after the server saw
/// the request), answers 500 and 503 and stalls past the client's timeout,
/// publish retries and completes, on both servers: each then holds the
/// build exactly and verifies.
#[test]
fn through_a_proxy_that_drops_fails_and_stalls_publish_retries_and_completes() {
    use crate::fault_proxy::{Fault, FaultProxy};
    let seed = seed_from_env("LIGHTPROOF_FAULT_SEED");
    eprintln!("fault test: seed {seed} (LIGHTPROOF_FAULT_SEED={seed} replays the mix)");
    let rule = |_: &str, _: &str, draw: u64| match draw % 100 {
        0..=7 => Fault::DropBefore,
        8..=15 => Fault::DropAfter,
        16..=23 => Fault::Status500,
        24..=31 => Fault::Status503,
        32..=33 => Fault::Stall,
        _ => Fault::Pass,
    };
    let site = sample_site();
    for kind in ["moto", "s3s-fs"] {
        let host = Host::start(kind);
        let proxy = FaultProxy::start(host.addr(), seed, Duration::from_secs(3), Box::new(rule));
        let url = host.url();
        let args = [
            "publish",
            path_str(site),
            &url,
            "--json",
            "--request-timeout",
            "2",
            "--retries",
            "10",
        ];
        let published = json_of(&run(&mut host.through(&proxy.addr, &args)));
        let faults = proxy.faults();
        let count = |kind: Fault| faults.iter().filter(|(_, f)| *f == kind).count();
        eprintln!(
            "fault test, {kind}, seed {seed}: {} requests, {} faults: {} dropped before, {} dropped after, {} 500, {} 503, {} stalled",
            proxy.log.lock().unwrap().len(),
            faults.len(),
            count(Fault::DropBefore),
            count(Fault::DropAfter),
            count(Fault::Status500),
            count(Fault::Status503),
            count(Fault::Stall),
        );
        assert!(
            faults.len() >= 5,
            "{kind}: the proxy misbehaved only {} times",
            faults.len()
        );
        assert_eq!(
            published["uploaded"].as_u64(),
            Some(served(site).len() as u64),
            "{kind}"
        );
        let mut names = host.names();
        names.sort();
        assert_eq!(
            names,
            served(site).into_keys().collect::<Vec<_>>(),
            "{kind}"
        );
        let verified = run(&mut host.lightproof(&["verify", &url]));
        assert!(verified.status.success(), "{kind}: {}", stderr(&verified));
    }
}

/// A switch the server keeps refusing: publish gives up with a message
/// that names the file, and clients still get the old gallery, whole.
#[test]
fn a_switch_the_server_keeps_refusing_fails_clearly_and_leaves_the_old_gallery() {
    use crate::fault_proxy::{Fault, FaultProxy};
    let moto = Moto::start();
    moto.create_bucket("stuck");
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    make_numbered_shoot(&shoot, 3);
    build_ok(&shoot, &site, &["--quiet"]);
    let old_header = std::fs::read(site.join("gallery.bin")).unwrap();
    let direct = moto.endpoint();
    assert!(run(&mut with_s3(
        &["publish", path_str(&site), "s3://stuck/", "--quiet"],
        &direct
    ))
    .status
    .success());

    make_shoot(&shoot, &["zz-new.png"]);
    build_ok(&shoot, &site, &["--quiet"]);
    let rule = |method: &str, target: &str, _: u64| {
        if method == "PUT" && target.split('?').next().unwrap().ends_with("/gallery.bin") {
            Fault::Status503
        } else {
            Fault::Pass
        }
    };
    let proxy = FaultProxy::start(&moto.addr, 1, Duration::from_secs(1), Box::new(rule));
    let output = run(&mut with_s3(
        &["publish", path_str(&site), "s3://stuck/", "--retries", "2"],
        &format!("http://{}", proxy.addr),
    ));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("'gallery.bin'") && message.contains("503"),
        "{message}"
    );
    assert!(
        proxy.faults().len() >= 3,
        "the first try and two retries at least"
    );
    assert_eq!(
        moto.request("GET", "/stuck/gallery.bin", "").body,
        old_header,
        "the old header stays"
    );
    let verified = run(&mut with_s3(&["verify", "s3://stuck/"], &direct));
    assert!(
        verified.status.success(),
        "the old gallery is whole: {}",
        stderr(&verified)
    );
    let output = run(&mut with_s3(
        &["publish", path_str(&site), "s3://stuck/", "--json"],
        &direct,
    ));
    let finished = json_of(&output);
    assert!(
        finished["uploaded"].as_u64().unwrap() >= 2,
        "the header and its copy at least"
    );
    assert!(run(&mut with_s3(&["verify", "s3://stuck/"], &direct))
        .status
        .success());
}

/// The s3s-fs server from crates.io (an S3 protocol implementation over a
/// folder, which checks SigV4 signatures), killed on drop.
struct S3sFs {
    child: Child,
    addr: String,
    root: tempfile::TempDir,
}

impl S3sFs {
    const KEY: &'static str = "lightproof-test-key";
    const SECRET: &'static str = "lightproof-test-secret";

    fn start(buckets: &[&str]) -> Self {
        let bin = std::env::var_os("LIGHTPROOF_S3S_FS")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target/tools/bin/s3s-fs"));
        assert!(
            bin.exists(),
            "{} is missing: these tests publish to the s3s-fs server; tests/run-all.sh installs it \
             (cargo install s3s-fs into target/tools), or set LIGHTPROOF_S3S_FS",
            bin.display()
        );
        let root = tempfile::tempdir().unwrap();
        for bucket in buckets {
            std::fs::create_dir(root.path().join(bucket)).unwrap();
        }
        let (child, addr) = spawn_listening("s3s-fs", |port| {
            let mut command = Command::new(&bin);
            command
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", Self::KEY, "--secret-key", Self::SECRET])
                .arg(root.path());
            command
        });
        Self { child, addr, root }
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The objects under `bucket/prefix` as s3s-fs stores them: files.
    fn stored(&self, bucket: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
        let dir = self.root.path().join(bucket).join(prefix);
        served(&dir)
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The same publish against a second S3 implementation, whose requests
/// are checked for their signatures: everything up once, nothing twice,
/// one photo's files for a new photo, large files in parts, and verify
/// reading it back.
#[test]
fn s3s_fs_gets_the_site_once_then_only_a_new_photo_in_parts_where_large() {
    let server = S3sFs::start(&["shelf"]);
    let endpoint = server.endpoint();
    let with_keys = |args: &[&str]| {
        let mut command = with_s3(args, &endpoint);
        command
            .env("AWS_ACCESS_KEY_ID", S3sFs::KEY)
            .env("AWS_SECRET_ACCESS_KEY", S3sFs::SECRET);
        command
    };
    let dir = tempfile::tempdir().unwrap();
    let (shoot, site) = (dir.path().join("shoot"), dir.path().join("site"));
    make_numbered_shoot(&shoot, 4);
    build_ok(&shoot, &site, &["--quiet", "--downloads"]);
    let url = "s3://shelf/g/";
    let first = json_of(&run(&mut with_keys(&[
        "publish",
        path_str(&site),
        url,
        "--json",
    ])));
    assert_eq!(first["uploaded"].as_u64(), Some(served(&site).len() as u64));
    assert_eq!(server.stored("shelf", "g"), served(&site));
    let again = json_of(&run(&mut with_keys(&[
        "publish",
        path_str(&site),
        url,
        "--json",
    ])));
    assert_eq!(again["uploaded"].as_u64(), Some(0));

    // A new, large photo: its files only (its original in parts), then the header.
    noise_png(&shoot.join("zz-large.png"), 2400, 1800, 7);
    build_ok(&shoot, &site, &["--quiet", "--downloads"]);
    let planned = json_of(&run(&mut with_keys(&[
        "publish",
        path_str(&site),
        url,
        "--dry-run",
        "--json",
    ])));
    let uploads = paths(&planned, "upload");
    assert!(
        uploads.len() <= 10,
        "a photo's renditions, original, manifest, their copies and the header: {uploads:?}"
    );
    assert_eq!(
        &uploads[uploads.len() - 2..],
        ["gallery.bin.js", "gallery.bin"]
    );
    let wrong_key = run(
        with_keys(&["publish", path_str(&site), url, "--retries", "0"])
            .env("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
    );
    assert_eq!(
        wrong_key.status.code(),
        Some(2),
        "a bad signature is refused"
    );
    assert!(
        !stderr(&wrong_key).contains("not-the-secret"),
        "the secret is never printed"
    );
    let added = json_of(&run(&mut with_keys(&[
        "publish",
        path_str(&site),
        url,
        "--json",
        "--multipart-above",
        "10000000",
    ])));
    assert_eq!(added["uploaded"].as_u64(), Some(uploads.len() as u64));
    assert_eq!(server.stored("shelf", "g"), served(&site));
    let verified = run(&mut with_keys(&["verify", url]));
    assert!(verified.status.success(), "{}", stderr(&verified));
}
