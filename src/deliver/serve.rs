//! `lightproof serve`: a preview server for a built site on 127.0.0.1.
//!
//! Hand-written on `std::net` (400 lines, no dependency): it needs GET
//! and HEAD of static files with the headers of [`crate::site::hosting`], nothing
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
//! Folders are never listed (404); `/` is `index.html`. Only regular
//! files are served: a FIFO or a device in the folder is never opened (404).
//!
//! Only this computer's names for the server are answered: a request whose
//! `Host` is not `127.0.0.1`, `localhost` or `[::1]` with the bound port gets
//! a 421 (a web page that re-points its own domain at 127.0.0.1, "DNS
//! rebinding", cannot read the gallery through the visitor's browser); one
//! without `Host` gets a 400.
//!
//! A slow client cannot hold a connection: a request head must arrive whole
//! within [`HEAD_DEADLINE`] of the moment the server starts waiting for it,
//! and a response must be sent within [`RESPONSE_DEADLINE`] plus its length
//! at [`MIN_RATE`], however slowly the bytes trickle. When all
//! [`MAX_CONNECTIONS`] are taken, a new connection closes the one that has
//! waited longest for a request head (an idle keep-alive connection, or a
//! client still sending one); only when every connection is busy sending a
//! response does it get a 503.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::site::hosting;

/// Connections served at once. Browsers open about six.
pub const MAX_CONNECTIONS: usize = 64;
/// Request line and headers together.
const MAX_HEAD: u64 = 16 * 1024;
/// A request head must arrive whole within this of the connection opening
/// (or of the previous response on it): an idle keep-alive connection, or a
/// client trickling its head, is closed then. Browsers send a head at once.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// A response must be sent within this, plus its length at [`MIN_RATE`].
pub const RESPONSE_DEADLINE: Duration = Duration::from_secs(10);
/// Bytes per second: far below any local connection.
pub const MIN_RATE: u64 = 1 << 20;
/// How long a new connection waits for the one it closed to give back its slot.
const EVICTION_WAIT: Duration = Duration::from_secs(2);

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
        if !root.is_dir() || !crate::site::writer::is_site(&root) {
            return Err(ServeError::NotASite(site.to_owned()));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .map_err(|source| ServeError::Bind { port, source })?;
        Ok(Self { listener, root })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port())
    }

    fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// Serves until the process ends; `log` gets one line per request.
    pub fn run(self, log: fn(&str)) -> io::Result<()> {
        let site = Arc::new(Site {
            port: self.port(),
            root: self.root,
        });
        let slots = Arc::new(Slots::default());
        for stream in self.listener.incoming() {
            let mut stream = match stream {
                Ok(stream) => stream,
                // Out of file descriptors, say: wait rather than spin.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            let Some(slot) = Slots::take(&slots) else {
                let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = write_error(&mut stream, 503, false, false);
                continue;
            };
            let site = Arc::clone(&site);
            std::thread::spawn(move || {
                let _ = serve_connection(stream, &site, &slot, log);
            });
        }
        Ok(())
    }
}

/// What every connection needs to know about the server.
struct Site {
    /// The canonical site folder.
    root: PathBuf,
    /// The port bound, which a request's `Host` must name.
    port: u16,
}

/// The connections being served, and those of them waiting for a request
/// head, which a new connection may close when all slots are taken.
#[derive(Default)]
struct Slots {
    state: Mutex<SlotState>,
    freed: Condvar,
}

#[derive(Default)]
struct SlotState {
    active: usize,
    next_id: u64,
    waiting: Vec<Waiting>,
}

/// A connection waiting for a request head since `since`.
struct Waiting {
    id: u64,
    since: Instant,
    stream: TcpStream,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for a new connection; when all are taken, the connection that
    /// has waited longest for a request head is closed to make room.
    /// `None` when every connection is busy answering a request.
    fn take(slots: &Arc<Self>) -> Option<Slot> {
        let mut state = slots.lock();
        if state.active >= MAX_CONNECTIONS {
            let oldest = (0..state.waiting.len()).min_by_key(|&i| state.waiting[i].since)?;
            let evicted = state.waiting.swap_remove(oldest);
            // Its read returns at once, its thread ends and gives the slot back.
            let _ = evicted.stream.shutdown(Shutdown::Both);
            state = slots
                .freed
                .wait_timeout_while(state, EVICTION_WAIT, |s| s.active >= MAX_CONNECTIONS)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if state.active >= MAX_CONNECTIONS {
                return None;
            }
        }
        state.active += 1;
        state.next_id += 1;
        Some(Slot {
            slots: Arc::clone(slots),
            id: state.next_id,
        })
    }
}

/// One of the [`MAX_CONNECTIONS`], given back when dropped (even on panic).
struct Slot {
    slots: Arc<Slots>,
    id: u64,
}

impl Slot {
    /// The connection starts waiting for a request head: it may be closed
    /// to make room for a new one.
    fn waiting(&self, stream: &TcpStream) {
        let Ok(stream) = stream.try_clone() else {
            return;
        };
        self.slots.lock().waiting.push(Waiting {
            id: self.id,
            since: Instant::now(),
            stream,
        });
    }

    /// The head has arrived: the connection is busy until its response is
    /// sent. `false` if it was closed to make room in the meantime.
    fn busy(&self) -> bool {
        let mut state = self.slots.lock();
        let before = state.waiting.len();
        state.waiting.retain(|w| w.id != self.id);
        state.waiting.len() < before
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        state.waiting.retain(|w| w.id != self.id);
        state.active -= 1;
        drop(state);
        self.slots.freed.notify_all();
    }
}

/// A connection whose reads and writes fail once `deadline` has passed,
/// however slowly the bytes come and go: each read or write may wait only
/// for what is left.
struct Deadlined {
    stream: TcpStream,
    deadline: Instant,
}

impl Deadlined {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            deadline: Instant::now(),
        }
    }

    fn time_left(&self) -> io::Result<Duration> {
        self.deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, "past the deadline"))
    }
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.time_left()?))?;
        self.stream.read(buf)
    }
}

impl Write for Deadlined {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.time_left()?))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

struct Request {
    method: String,
    target: String,
    /// The `Host` header; `None` when absent.
    host: Option<String>,
    keep_alive: bool,
}

fn serve_connection(stream: TcpStream, site: &Site, slot: &Slot, log: fn(&str)) -> io::Result<()> {
    let mut reader = BufReader::new(Deadlined::new(stream.try_clone()?));
    let mut out = Deadlined::new(stream);
    loop {
        slot.waiting(&out.stream);
        reader.get_mut().deadline = Instant::now() + HEAD_DEADLINE;
        let head = read_request(&mut reader);
        if !slot.busy() {
            return Ok(());
        }
        out.deadline = Instant::now() + RESPONSE_DEADLINE;
        let request = match head? {
            None => return Ok(()),
            Some(Ok(request)) => request,
            Some(Err(status)) => {
                log(&format!("lightproof: {status} (malformed request)"));
                return write_error(&mut out, status, false, false);
            }
        };
        if let Some((status, reason)) = refused_host(request.host.as_deref(), site.port) {
            log(&format!(
                "lightproof: {status} {} {} (Host {})",
                printable(&request.method),
                printable(&request.target),
                printable(request.host.as_deref().unwrap_or("missing"))
            ));
            return write_refusal(&mut out, status, &reason, false);
        }
        let (status, bytes) = respond(&mut out, &site.root, &request)?;
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
    let mut host = None;
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
        if name.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return Ok(Some(Err(400)));
            }
            host = Some(value.clone());
        }
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
        host,
        keep_alive,
    })))
}

/// The status and reason for a request whose `Host` is not this server as
/// this computer names it; `None` when it is.
fn refused_host(host: Option<&str>, port: u16) -> Option<(u16, String)> {
    let Some(host) = host else {
        return Some((400, "a Host header is required".to_owned()));
    };
    let (name, given_port) = match host.rsplit_once(':') {
        Some((name, given)) if !host.ends_with(']') => (name, given.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    let local = ["127.0.0.1", "localhost", "[::1]"].contains(&name);
    if local && given_port == Some(port) {
        return None;
    }
    Some((
        421,
        format!(
            "this preview server answers only to http://127.0.0.1:{port}/, http://localhost:{port}/ \
or http://[::1]:{port}/, not to the name this request used"
        ),
    ))
}

/// Answers one request; returns the status and the body bytes sent.
fn respond(out: &mut Deadlined, root: &Path, request: &Request) -> io::Result<(u16, u64)> {
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => return write_error(out, 405, false, request.keep_alive).map(|()| (405, 0)),
    };
    let opened = resolve(root, &request.target).and_then(|(path, site_path)| {
        let (file, length) = open_regular_file(&path).ok_or(404u16)?;
        Ok((file, length, site_path))
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
    out.deadline += Duration::from_secs(length / MIN_RATE);
    let sent = io::copy(&mut file.take(length), out)?;
    if sent != length {
        // The file shrank while being sent: the length promised is a lie
        // now, so the connection must end here.
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank"));
    }
    Ok((200, sent))
}

/// `path` opened for reading, with its length, if it is a regular file. A
/// FIFO or a device is never opened (opening a FIFO waits for a writer):
/// the type is checked before opening, and again on what was opened, which
/// is opened without waiting in case it was swapped in between.
fn open_regular_file(path: &Path) -> Option<(File, u64)> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).ok()?;
    let meta = file.metadata().ok()?;
    meta.is_file().then_some((file, meta.len()))
}

fn connection(keep_alive: bool) -> &'static str {
    if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

fn write_error(
    out: &mut impl Write,
    status: u16,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let body = format!("{status} {}\n", status_text(status));
    write_body(out, status, &body, head_only, keep_alive)
}

/// An error whose body says why, in a sentence.
fn write_refusal(out: &mut impl Write, status: u16, why: &str, keep_alive: bool) -> io::Result<()> {
    let body = format!("{status} {}: {why}\n", status_text(status));
    write_body(out, status, &body, false, keep_alive)
}

fn write_body(
    out: &mut impl Write,
    status: u16,
    body: &str,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let reason = status_text(status);
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
        head.push_str(body);
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
    fn only_this_computers_names_with_the_port_are_answered() {
        for host in ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"] {
            assert_eq!(refused_host(Some(host), 8000), None, "{host}");
        }
        assert_eq!(refused_host(Some("localhost"), 80), None);
        for host in [
            "localhost",
            "[::1]",
            "127.0.0.1:8001",
            "rebind.example:8000",
            "127.0.0.1.nip.io:8000",
            "localhost:8000:8000",
            "[::1]:x",
        ] {
            assert_eq!(
                refused_host(Some(host), 8000).map(|r| r.0),
                Some(421),
                "{host}"
            );
        }
        assert_eq!(refused_host(None, 8000).map(|r| r.0), Some(400));
    }

    #[test]
    fn logged_targets_cannot_drive_the_terminal() {
        assert_eq!(printable("/a\x1b[2Jb"), "/a\\u{1b}[2Jb");
    }
}
