//! `lightproof serve`: a preview server for a built site on 127.0.0.1.
//!
//! Hand-written on `std::net` (400 lines, no dependency): it needs GET
//! and HEAD of static files with the headers of [`crate::hosting`], nothing
//! more, and the part that must be right — mapping a URL to a file — would
//! be ours to write with any HTTP crate. One thread per connection (at most
//! [`MAX_CONNECTIONS`]), keep-alive, files streamed with `io::copy` (8 KiB
//! at a time), never read whole.
//!
//! A URL reaches a file only if every `/`-separated segment, percent-decoded
//! (a broken escape is a 400), is a plain name: not `.` or `..`, without
//! `/`, `\`, `:` or NUL (403); not empty, as in the listing `/b/`, not a
//! dotfile and not `_headers` (404); and only if the canonical path of the
//! file, symlinks resolved, is inside the canonical site folder (403).
//! Folders are never listed (404); `/` is `index.html`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::hosting;

/// Connections served at once; more get a 503. Browsers open about six.
pub const MAX_CONNECTIONS: usize = 64;
/// Request line and headers together.
const MAX_HEAD: u64 = 16 * 1024;
/// An idle keep-alive connection (or a stalled client) is closed after this.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("'{0}' is not a lightproof gallery (it has no gallery.bin or .lightproof); give the folder you built with `lightproof build --out`")]
    NotASite(PathBuf),
    #[error("cannot open '{path}': {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: io::Error },
}

/// A site folder bound to a port on 127.0.0.1, ready to [`Server::run`].
pub struct Server {
    listener: TcpListener,
    root: PathBuf,
}

impl Server {
    /// Binds `127.0.0.1:port` (0: a free port) for the gallery in `site`.
    pub fn bind(site: &Path, port: u16) -> Result<Self, ServeError> {
        let root = site.canonicalize().map_err(|source| ServeError::Open {
            path: site.to_owned(),
            source,
        })?;
        if !root.is_dir() || !crate::write::is_site(&root) {
            return Err(ServeError::NotASite(site.to_owned()));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|source| ServeError::Bind { port, source })?;
        Ok(Self { listener, root })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        let port = self.listener.local_addr().map_or(0, |a| a.port());
        format!("http://127.0.0.1:{port}/")
    }

    /// Serves until the process ends; `log` gets one line per request.
    pub fn run(self, log: fn(&str)) -> io::Result<()> {
        let root = Arc::new(self.root);
        let active = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            let mut stream = match stream {
                Ok(stream) => stream,
                // Out of file descriptors, say: wait rather than spin.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            let slot = Slot::take(&active);
            if slot.is_none() {
                let _ = write_error(&mut stream, 503, false, false);
                continue;
            }
            let root = Arc::clone(&root);
            std::thread::spawn(move || {
                let _slot = slot;
                let _ = serve_connection(stream, &root, log);
            });
        }
        Ok(())
    }
}

/// One of the [`MAX_CONNECTIONS`], given back when dropped (even on panic).
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(active: &Arc<AtomicUsize>) -> Option<Self> {
        let slot = Slot(Arc::clone(active));
        (active.fetch_add(1, Ordering::SeqCst) < MAX_CONNECTIONS).then_some(slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Request {
    method: String,
    target: String,
    keep_alive: bool,
}

fn serve_connection(stream: TcpStream, root: &Path, log: fn(&str)) -> io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let request = match read_request(&mut reader)? {
            None => return Ok(()),
            Some(Ok(request)) => request,
            Some(Err(status)) => {
                log(&format!("lightproof: {status} (malformed request)"));
                return write_error(&mut out, status, false, false);
            }
        };
        let (status, bytes) = respond(&mut out, root, &request)?;
        log(&format!(
            "lightproof: {status} {} {} ({bytes} bytes)",
            printable(&request.method),
            printable(&request.target)
        ));
        if !request.keep_alive {
            return Ok(());
        }
    }
}

enum Line {
    Full(Vec<u8>),
    Closed,
    TooLong,
}

/// The next request head on the connection: `None` when the client closed
/// it, `Some(Err(status))` when the head is malformed or too long.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Result<Request, u16>>> {
    let mut budget = MAX_HEAD;
    let mut next_line = |reader: &mut dyn BufRead| -> io::Result<Line> {
        let mut line = Vec::new();
        let read = reader.take(budget).read_until(b'\n', &mut line)?;
        budget -= read as u64;
        Ok(if line.ends_with(b"\n") {
            Line::Full(line)
        } else if budget == 0 {
            Line::TooLong
        } else {
            Line::Closed
        })
    };
    let mut first = next_line(reader)?;
    if matches!(&first, Line::Full(line) if line == b"\r\n" || line == b"\n") {
        // RFC 9112 §2.2: a server SHOULD ignore one empty line before a request.
        first = next_line(reader)?;
    }
    let first = match first {
        Line::Full(line) => line,
        Line::Closed => return Ok(None),
        Line::TooLong => return Ok(Some(Err(431))),
    };
    let Ok(first) = String::from_utf8(first) else {
        return Ok(Some(Err(400)));
    };
    let parts: Vec<&str> = first.trim_end().split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Ok(Some(Err(400)));
    };
    if !version.starts_with("HTTP/1.") {
        return Ok(Some(Err(505)));
    }
    let mut keep_alive = version == "HTTP/1.1";
    loop {
        let line = match next_line(reader)? {
            Line::Full(line) => line,
            Line::Closed => return Ok(None),
            Line::TooLong => return Ok(Some(Err(431))),
        };
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Ok(Some(Err(400)));
        };
        let (name, value) = (name.trim(), value.trim().to_ascii_lowercase());
        if name.eq_ignore_ascii_case("connection") && value.contains("close") {
            keep_alive = false;
        }
        // A body is never read, so the connection cannot carry another request.
        let has_body = (name.eq_ignore_ascii_case("content-length") && value != "0")
            || name.eq_ignore_ascii_case("transfer-encoding");
        keep_alive &= !has_body;
    }
    Ok(Some(Ok(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        keep_alive,
    })))
}

/// Answers one request; returns the status and the body bytes sent.
fn respond(out: &mut TcpStream, root: &Path, request: &Request) -> io::Result<(u16, u64)> {
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => return write_error(out, 405, false, request.keep_alive).map(|()| (405, 0)),
    };
    let opened = resolve(root, &request.target).and_then(|(path, site_path)| {
        let file = File::open(path).map_err(|_| 404u16)?;
        match file.metadata() {
            Ok(meta) if meta.is_file() => Ok((file, meta.len(), site_path)),
            _ => Err(404),
        }
    });
    let (file, length, site_path) = match opened {
        Ok(opened) => opened,
        Err(status) => {
            return write_error(out, status, head_only, request.keep_alive).map(|()| (status, 0))
        }
    };
    let mut head = format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n");
    for (name, value) in hosting::headers(&site_path) {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str(connection(request.keep_alive));
    out.write_all(head.as_bytes())?;
    if head_only {
        return Ok((200, 0));
    }
    let sent = io::copy(&mut file.take(length), out)?;
    if sent != length {
        // The file shrank while being sent: the length promised is a lie
        // now, so the connection must end here.
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank"));
    }
    Ok((200, sent))
}

fn connection(keep_alive: bool) -> &'static str {
    if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    }
}

fn write_error(
    out: &mut TcpStream,
    status: u16,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
    let body = format!("{status} {reason}\n");
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-cache\r\n",
        body.len()
    );
    for (name, value) in hosting::common_headers() {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    if status == 405 {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    head.push_str(connection(keep_alive));
    if !head_only {
        head.push_str(&body);
    }
    out.write_all(head.as_bytes())
}

/// The file a request target names, and its site-relative path; or the
/// status to answer with. See the module documentation for the rules.
fn resolve(root: &Path, target: &str) -> Result<(PathBuf, String), u16> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    // Only origin-form ("/…"): not "*", "host:port" or "http://…".
    let path = path.strip_prefix('/').ok_or(400u16)?;
    let mut segments = Vec::new();
    if !path.is_empty() {
        for raw in path.split('/') {
            let segment = percent_decode(raw).ok_or(400u16)?;
            if segment == "." || segment == ".." || segment.contains(['/', '\\', ':', '\0']) {
                return Err(403);
            }
            if segment.is_empty() {
                // "/b/" (a listing) or "//x": no such file in a site.
                return Err(404);
            }
            segments.push(segment);
        }
    }
    let site_path = if segments.is_empty() {
        "index.html".to_owned()
    } else {
        segments.join("/")
    };
    if !hosting::is_served(&site_path) {
        return Err(404);
    }
    let file = root.join(&site_path).canonicalize().map_err(|_| 404u16)?;
    if !file.starts_with(root) {
        return Err(403);
    }
    Ok((file, site_path))
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not
/// UTF-8 (no file of a site has such a name).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `text` with control and non-ASCII characters escaped, safe for a terminal.
fn printable(text: &str) -> String {
    text.chars().flat_map(char::escape_default).collect()
}

/// Opens `url` in the default browser without waiting for it; a failure
/// (no browser, no desktop) goes to `warn` and the server carries on.
pub fn open_browser(url: &str, warn: fn(&str)) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("cmd");
        // `start`'s first quoted argument is a window title.
        command.args(["/C", "start", ""]);
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let program = command.get_program().to_string_lossy().into_owned();
    match command.spawn() {
        Err(error) => warn(&format!(
            "could not open a browser ({program}: {error}); open {url} yourself"
        )),
        Ok(mut child) => {
            let url = url.to_owned();
            std::thread::spawn(move || match child.wait() {
                Ok(status) if status.success() => {}
                _ => warn(&format!(
                    "could not open a browser ({program} failed); open {url} yourself"
                )),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("b")).unwrap();
        for name in ["index.html", "b/abc", ".lightproof", "_headers"] {
            std::fs::write(root.join(name), name).unwrap();
        }
        std::fs::write(dir.path().join("secret"), "outside").unwrap();
        let root = root.canonicalize().unwrap();
        (dir, root)
    }

    #[test]
    #[cfg(unix)]
    fn urls_map_to_files_inside_the_site_only() {
        let (dir, root) = site();
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("b/link")).unwrap();
        let ok = |target: &str| resolve(&root, target).map(|(_, path)| path);
        assert_eq!(ok("/"), Ok("index.html".to_owned()));
        assert_eq!(ok("/index.html?x=1"), Ok("index.html".to_owned()));
        assert_eq!(ok("/%62/ab%63"), Ok("b/abc".to_owned()));
        for (target, status) in [
            ("/../secret", 403),
            ("/b/../../secret", 403),
            ("/%2e%2e/secret", 403),
            ("/%2E%2E/secret", 403),
            ("/b/%2e%2e%2f%2e%2e%2fsecret", 403),
            ("/..%5csecret", 403),
            ("/%2Fetc%2Fpasswd", 403),
            ("/C:/Windows", 403),
            ("/b/link", 403),
            ("/./index.html", 403),
            ("/b/", 404),
            ("//etc/passwd", 404),
            ("/.lightproof", 404),
            ("/_headers", 404),
            ("/missing", 404),
            ("/%zz", 400),
            ("/%ff", 400),
            ("/%", 400),
            ("/%+f", 400),
            ("*", 400),
            ("http://127.0.0.1/index.html", 400),
        ] {
            assert_eq!(ok(target), Err(status), "{target}");
        }
    }

    #[test]
    fn request_heads_are_parsed_and_bounded() {
        let parse = |text: &[u8]| read_request(&mut &text[..]).unwrap();
        let request = parse(b"GET /b/x HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("GET", "/b/x")
        );
        assert!(request.keep_alive);
        let request = parse(b"\r\nHEAD / HTTP/1.1\r\nConnection: Close\r\n\r\n");
        assert!(!request.unwrap().unwrap().keep_alive);
        assert!(
            !parse(b"GET / HTTP/1.0\r\n\r\n")
                .unwrap()
                .unwrap()
                .keep_alive
        );
        assert!(parse(b"").is_none());
        assert_eq!(parse(b"GET /\r\n\r\n").unwrap().err(), Some(400));
        assert_eq!(parse(b"GET / HTTP/2\r\n\r\n").unwrap().err(), Some(505));
        assert!(
            parse(b"GET / HTTP/1.1\r\nHost: a\r\n").is_none(),
            "closed mid-head"
        );
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_HEAD as usize));
        assert_eq!(parse(&long).unwrap().err(), Some(431));
    }

    #[test]
    fn logged_targets_cannot_drive_the_terminal() {
        assert_eq!(printable("/a\x1b[2Jb"), "/a\\u{1b}[2Jb");
    }
}
