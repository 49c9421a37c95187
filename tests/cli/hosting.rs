use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve::{assert_hosting_headers, request, site_with_every_file_class, Serve};
use crate::util::*;

const NGINX: &str = "/usr/sbin/nginx";

/// Debian's nginx on a free port of 127.0.0.1, with a top-level config in
/// `dir` that includes the shipped `docs/hosting/nginx.conf` unchanged.
/// One process (`master_process off`), so killing it leaves nothing behind.
struct Nginx {
    child: Child,
    addr: String,
}

impl Nginx {
    fn start(dir: &Path, site: &Path) -> Self {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: this test runs the shipped nginx snippet in a real nginx. \
             Install it with `apt-get install nginx` (tests/run-all.sh does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let temp = |name: &str| path_str(&dir.join(name)).to_owned();
        let config = format!(
            "daemon off;\nmaster_process off;\npid {pid};\nerror_log stderr;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {access};\n  client_body_temp_path {body};\n  \
             proxy_temp_path {proxy};\n  fastcgi_temp_path {fastcgi};\n  \
             uwsgi_temp_path {uwsgi};\n  scgi_temp_path {scgi};\n  \
             server {{\n    listen 127.0.0.1:{port};\n    root {root};\n    \
             include {snippet};\n  }}\n}}\n",
            pid = temp("nginx.pid"),
            access = temp("access.log"),
            body = temp("body"),
            proxy = temp("proxy"),
            fastcgi = temp("fastcgi"),
            uwsgi = temp("uwsgi"),
            scgi = temp("scgi"),
            root = path_str(site),
            snippet = path_str(&snippet()),
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let mut child = Command::new(NGINX)
            .args(["-p", path_str(dir), "-e", "stderr", "-c", path_str(&conf)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(&addr).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let output = child.wait_with_output().unwrap();
                panic!(
                    "nginx exited ({status}): {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, addr }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn snippet() -> PathBuf {
    repo().join("docs/hosting/nginx.conf")
}

#[test]
fn nginx_with_the_shipped_snippet_sends_the_headers_of_serve() {
    let (dir, site, paths) = site_with_every_file_class();
    let nginx = Nginx::start(dir.path(), &site);
    let serve = Serve::start(&site, &["--quiet"]);
    let mut targets: Vec<(String, String)> = paths
        .iter()
        .map(|path| (format!("/{path}"), path.clone()))
        .collect();
    targets.push(("/".to_owned(), "index.html".to_owned()));
    for (target, path) in &targets {
        let from_nginx = request(&nginx.addr, "GET", target);
        let from_serve = request(&serve.addr, "GET", target);
        assert_eq!(from_nginx.status, 200, "nginx {target}");
        assert_eq!(from_nginx.body, std::fs::read(site.join(path)).unwrap());
        assert_hosting_headers(&from_nginx, path, "nginx");
        assert_hosting_headers(&from_serve, path, "serve");
        for (name, _) in lightproof::site::hosting::headers(path) {
            assert_eq!(
                from_nginx.values(name),
                from_serve.values(name),
                "{name} of {target}"
            );
        }
    }
    let blob = paths.iter().find(|p| p.starts_with("b/")).unwrap();
    let blob_name = blob.trim_start_matches("b/");
    for (target, allowed) in [
        ("/b/", &[403, 404][..]),
        ("/.lightproof", &[403, 404]),
        ("/_headers", &[404]),
    ] {
        for (server, addr) in [("nginx", &nginx.addr), ("serve", &serve.addr)] {
            let response = request(addr, "GET", target);
            assert!(
                allowed.contains(&response.status),
                "{server} {target}: {}",
                response.status
            );
            let body = String::from_utf8_lossy(&response.body);
            assert!(
                !body.contains(blob_name) && !body.contains("lightproof"),
                "{server} {target}: {body}"
            );
        }
    }
}

#[test]
fn every_build_writes_the_headers_file_and_verify_accepts_it() {
    let site = sample_site();
    let written = std::fs::read_to_string(site.join("_headers")).unwrap();
    assert_eq!(written, lightproof::site::hosting::headers_file());
    let output = run(&mut lightproof(&["verify", path_str(site)]));
    assert!(output.status.success());
    assert!(!stderr(&output).contains("_headers"), "{}", stderr(&output));
}
