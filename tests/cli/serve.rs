use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::*;

/// A running `lightproof serve`, killed when dropped.
pub struct Serve {
    child: Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub stdout_line: String,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    pub fn start(site: &Path, extra: &[&str]) -> Self {
        Self::start_with(site, extra, &[])
    }

    pub fn start_with(site: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lightproof"))
            .arg("serve")
            .arg(site)
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lightproof serve");
        // Drain stderr as it comes, so the request log never fills the pipe.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let mut stdout_line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut stdout_line)
            .unwrap();
        let addr = stdout_line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(str::to_owned);
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "no URL on stdout: {stdout_line:?}; stderr: {}",
                stderr.lock().unwrap()
            );
        };
        Self {
            child,
            addr,
            stdout_line,
            stderr,
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) for `text` on stderr: a request is logged just
    /// after its response is sent, so a client may see the response first.
    pub fn wait_for_stderr(&self, text: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !self.stderr().contains(text) {
            assert!(
                std::time::Instant::now() < deadline,
                "{text:?} not on stderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name` (case-insensitive).
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Sends `raw` as it is (clients would normalise `..` away) and reads the
/// response until the server closes the connection.
pub fn send(addr: &str, raw: &str) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&bytes)));
    let head = String::from_utf8(bytes[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_owned(), value.trim().to_owned())
        })
        .collect();
    Response {
        status: status.parse().unwrap(),
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

pub fn request(addr: &str, method: &str, target: &str) -> Response {
    send(
        addr,
        &format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// The sample site plus stand-ins for the disk copies (`*.js` twins), so
/// every file class of `hosting` is present. Returns site-relative paths,
/// one per class.
pub fn site_with_every_file_class() -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let (dir, site) = copy_of_sample_site();
    let blob = std::fs::read_dir(site.join("b"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    for twin in ["gallery.bin.js", "viewer.wasm.js", &format!("b/{blob}.js")] {
        std::fs::write(site.join(twin), "/* disk copy stand-in */\n").unwrap();
    }
    let mut paths: Vec<String> = lightproof::site::hosting::ROOT_FILES
        .iter()
        .map(|s| s.to_string())
        .collect();
    paths.push(format!("b/{blob}"));
    paths.push(format!("b/{blob}.js"));
    (dir, site, paths)
}

/// Asserts that `response` carries every header of `hosting` for `path`,
/// each exactly once and with exactly that value.
pub fn assert_hosting_headers(response: &Response, path: &str, server: &str) {
    for (name, value) in lightproof::site::hosting::headers(path) {
        assert_eq!(
            response.values(name),
            [value.as_str()],
            "{server}: header {name} of /{path}"
        );
    }
}

#[test]
fn serve_prints_its_url_and_sends_each_file_with_its_headers() {
    let (_dir, site, paths) = site_with_every_file_class();
    let server = Serve::start(&site, &[]);
    assert!(
        server.stdout_line.starts_with(&format!(
            "Serving '{}' at http://127.0.0.1:",
            site.display()
        )) && server.stdout_line.ends_with("/ — press Ctrl-C to stop\n"),
        "{:?}",
        server.stdout_line
    );
    // An idle connection does not hold up the others.
    let _idle = TcpStream::connect(&server.addr).unwrap();
    for path in &paths {
        let bytes = std::fs::read(site.join(path)).unwrap();
        let response = request(&server.addr, "GET", &format!("/{path}"));
        assert_eq!(response.status, 200, "/{path}");
        assert_eq!(response.body, bytes, "/{path}");
        assert_hosting_headers(&response, path, "serve");
        let head = request(&server.addr, "HEAD", &format!("/{path}"));
        assert_eq!(head.status, 200);
        assert_eq!(head.values("Content-Length"), [bytes.len().to_string()]);
        assert!(head.body.is_empty(), "HEAD has no body");
        assert_hosting_headers(&head, path, "serve HEAD");
    }
    let wasm = request(&server.addr, "GET", "/viewer.wasm");
    assert_eq!(wasm.values("Content-Type"), ["application/wasm"]);
    let index = request(&server.addr, "GET", "/");
    assert_eq!(index.body, std::fs::read(site.join("index.html")).unwrap());
    assert_hosting_headers(&index, "index.html", "serve /");
    // Several requests on one keep-alive connection.
    let pipelined = send(
        &server.addr,
        &format!(
            "HEAD /robots.txt HTTP/1.1\r\nHost: {0}\r\n\r\nGET /robots.txt HTTP/1.1\r\nHost: {0}\r\nConnection: close\r\n\r\n",
            server.addr
        ),
    );
    assert_eq!(pipelined.status, 200);
    assert!(String::from_utf8_lossy(&pipelined.body).ends_with("Disallow: /\n"));
    let post = request(&server.addr, "POST", "/");
    assert_eq!(post.status, 405);
    assert_eq!(post.values("Allow"), ["GET, HEAD"]);
    server.wait_for_stderr("lightproof: 405 POST /");
    assert!(server
        .stderr()
        .contains("lightproof: 200 GET /viewer.wasm ("));
}

#[test]
fn serve_never_leaves_the_site_lists_a_folder_or_shows_a_dotfile() {
    let (dir, site) = copy_of_sample_site();
    let secret = "the secret outside the gallery";
    std::fs::write(dir.path().join("secret.txt"), secret).unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), site.join("b/link")).unwrap();
    std::os::unix::fs::symlink(dir.path(), site.join("up")).unwrap();
    let server = Serve::start(&site, &["--quiet"]);
    let blob = std::fs::read_dir(site.join("b"))
        .unwrap()
        .find(|e| !e.as_ref().unwrap().file_type().unwrap().is_symlink())
        .unwrap()
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    let cases = [
        ("/../secret.txt", 403),
        ("/b/../../secret.txt", 403),
        ("/%2e%2e/secret.txt", 403),
        ("/%2E%2E%2Fsecret.txt", 403),
        ("/b/..%2f..%2fsecret.txt", 403),
        ("/..%5csecret.txt", 403),
        ("/b/link", 403),
        ("/up/secret.txt", 403),
        ("/%2Fetc%2Fpasswd", 403),
        ("//etc/passwd", 404),
        ("/b/", 404),
        ("/b", 404),
        ("/b//", 404),
        ("/.lightproof", 404),
        ("/_headers", 404),
        ("/missing.html", 404),
        ("/%zz", 400),
        ("http://127.0.0.1/index.html", 400),
    ];
    for (target, status) in cases {
        let response = request(&server.addr, "GET", target);
        assert_eq!(response.status, status, "{target}");
        let body = String::from_utf8_lossy(&response.body);
        assert!(
            !body.contains(secret) && !body.contains(&blob),
            "{target}: {body}"
        );
        assert_eq!(response.values("X-Content-Type-Options"), ["nosniff"]);
    }
    let head = request(&server.addr, "HEAD", "/missing");
    assert_eq!((head.status, head.body.len()), (404, 0));
    assert!(server.stderr().is_empty(), "--quiet: {}", server.stderr());
}

#[test]
fn serve_streams_a_20_mb_file_without_holding_it() {
    use sha2::Digest;
    let (_dir, site) = copy_of_sample_site();
    let big: Vec<u8> = (0..20u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let name = "b/zzzzzzzzzzzzzzzzzzzzzzzzzz";
    std::fs::write(site.join(name), &big).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Serve::start(&site, &["--port", &port.to_string()]);
    assert_eq!(server.addr, format!("127.0.0.1:{port}"));
    let response = request(&server.addr, "GET", &format!("/{name}"));
    assert_eq!(response.status, 200);
    assert_eq!(response.values("Content-Length"), [big.len().to_string()]);
    assert_eq!(response.body.len(), big.len());
    assert_eq!(
        sha2::Sha256::digest(&response.body),
        sha2::Sha256::digest(&big)
    );
    assert_hosting_headers(&response, name, "serve");
    // Peak memory stays far below the file: it was never read whole.
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap();
    assert!(peak_kb < 16 << 10, "serve peaked at {peak_kb} kB");
}

#[test]
fn serve_open_without_a_browser_warns_and_keeps_serving() {
    let server = Serve::start_with(sample_site(), &["--open"], &[("PATH", "/nonexistent")]);
    let response = request(&server.addr, "GET", "/robots.txt");
    assert_eq!(response.status, 200);
    server.wait_for_stderr("lightproof: warning: could not open a browser");
}

#[test]
fn serve_refuses_a_folder_that_is_not_a_gallery() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.txt"), "precious").unwrap();
    let output = run(&mut lightproof(&["serve", path_str(dir.path())]));
    assert_refused(&output, "is not a lightproof gallery");
}

/// Sends `raw` and reads the response until the server closes the
/// connection; `None` if it has not within `limit`.
fn send_within(addr: &str, raw: &str, limit: Duration) -> Option<Response> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let (addr, raw) = (addr.to_owned(), raw.to_owned());
    std::thread::spawn(move || {
        let _ = sender.send(send(&addr, &raw));
    });
    receiver.recv_timeout(limit).ok()
}

fn get_within(addr: &str, target: &str, limit: Duration) -> Option<Response> {
    send_within(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        limit,
    )
}

/// A client that sends a request head one byte at a time, forever.
struct Trickler(TcpStream);

impl Trickler {
    fn connect(addr: &str) -> Self {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(format!("GET /robots.txt HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes())
            .unwrap();
        Self(stream)
    }

    /// One more byte; `false` once the server has closed the connection.
    fn trickle(&mut self) -> bool {
        if self.0.write_all(b"a").is_err() {
            return false;
        }
        self.0.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        let open =
            matches!(self.0.read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        self.0.set_nonblocking(false).unwrap();
        open
    }
}

#[test]
fn serve_cuts_off_slow_clients_and_serves_others_meanwhile() {
    let server = Serve::start(sample_site(), &["--quiet"]);
    let max = lightproof::deliver::serve::MAX_CONNECTIONS;
    // More tricklers than there are connection slots, still sending.
    let mut tricklers: Vec<Trickler> = (0..max + 6)
        .map(|_| Trickler::connect(&server.addr))
        .collect();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(250));
        tricklers.iter_mut().for_each(|t| {
            t.trickle();
        });
    }
    let started = std::time::Instant::now();
    let response = get_within(&server.addr, "/robots.txt", Duration::from_secs(5))
        .expect("a normal request is answered while tricklers hold the connections");
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(tricklers);

    // A client that never finishes its head is cut off at the deadline,
    // however steadily it trickles.
    let deadline = lightproof::deliver::serve::HEAD_DEADLINE;
    let mut trickler = Trickler::connect(&server.addr);
    let started = std::time::Instant::now();
    while trickler.trickle() {
        assert!(
            started.elapsed() < deadline + Duration::from_secs(5),
            "a trickling client still connected after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        started.elapsed() >= deadline - Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn serve_never_opens_a_fifo_or_serves_one() {
    let (_dir, site) = copy_of_sample_site();
    let fifo = site.join("b/zzzzzzzzzzzzzzzzzzzzzzzzzz");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success(), "mkfifo");
    let server = Serve::start(&site, &["--quiet"]);
    // Opening a FIFO waits for a writer: each request would hold a slot.
    for attempt in 0..lightproof::deliver::serve::MAX_CONNECTIONS + 6 {
        let response = get_within(
            &server.addr,
            "/b/zzzzzzzzzzzzzzzzzzzzzzzzzz",
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("request {attempt} for the FIFO got no answer"));
        assert_eq!(response.status, 404, "request {attempt}");
    }
    let response = get_within(&server.addr, "/robots.txt", Duration::from_secs(5))
        .expect("the server still answers");
    assert_eq!(response.status, 200);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "left as it was"
    );
}

#[test]
fn serve_answers_only_to_its_own_names() {
    let server = Serve::start(sample_site(), &[]);
    let port = server.addr.rsplit_once(':').unwrap().1.to_owned();
    let ask = |host: &str| {
        send(
            &server.addr,
            &format!("GET /gallery.bin HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };
    // A page that re-points its domain at 127.0.0.1 (DNS rebinding) sends
    // its own name as Host.
    for host in [
        format!("rebind.example:{port}"),
        "rebind.example".to_owned(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.rebind.example:{port}"),
        "127.0.0.1:1".to_owned(),
        "localhost".to_owned(),
        format!("0.0.0.0:{port}"),
    ] {
        let response = ask(&host);
        assert_eq!(response.status, 421, "Host: {host}");
        let body = String::from_utf8_lossy(&response.body);
        assert!(
            body.contains(&format!("answers only to http://127.0.0.1:{port}/")),
            "{body}"
        );
    }
    let missing = send(
        &server.addr,
        "GET /gallery.bin HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(missing.status, 400);
    let twice = send(
        &server.addr,
        &format!(
            "GET /gallery.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: rebind.example\r\n\r\n"
        ),
    );
    assert_eq!(twice.status, 400);
    let gallery = std::fs::read(sample_site().join("gallery.bin")).unwrap();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let response = ask(&host);
        assert_eq!(response.status, 200, "Host: {host}");
        assert_eq!(response.body, gallery);
    }
    server.wait_for_stderr("lightproof: 421 GET /gallery.bin (Host rebind.example:");
}
