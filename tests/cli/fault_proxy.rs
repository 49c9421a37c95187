//! A small HTTP proxy that stands between a client and a server and
//! misbehaves on purpose: per request it passes it on, drops the connection
//! before or after the server saw it, answers 500 or 503 itself, or stalls.
//! One request per connection (it asks both sides to close), seeded, and
//! it keeps a log of what it did.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Closed before anything reaches the server.
    DropBefore,
    /// The server did the work; its answer never comes back.
    DropAfter,
    Status500,
    Status503,
    /// Nothing for `stall`, then closed.
    Stall,
}

/// Which fault a request gets: from its method and path, and a random
/// number (for mixes).
pub type Rule = dyn Fn(&str, &str, u64) -> Fault + Send + Sync;

pub struct FaultProxy {
    pub addr: String,
    stop: Arc<AtomicBool>,
    /// `(method path, fault)` of every request, in order.
    pub log: Arc<Mutex<Vec<(String, Fault)>>>,
}

impl FaultProxy {
    pub fn start(upstream: &str, seed: u64, stall: Duration, rule: Box<Rule>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let random = Arc::new(Mutex::new(seed | 1));
        let rule: Arc<Rule> = Arc::from(rule);
        let upstream = upstream.to_owned();
        let (stop_flag, log_of) = (stop.clone(), log.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop_flag.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(client) = client else { continue };
                let (upstream, log, random, rule) = (
                    upstream.clone(),
                    log_of.clone(),
                    random.clone(),
                    rule.clone(),
                );
                std::thread::spawn(move || {
                    let draw = {
                        let mut state = random.lock().unwrap();
                        *state ^= *state << 13;
                        *state ^= *state >> 7;
                        *state ^= *state << 17;
                        *state
                    };
                    let _ = handle(client, &upstream, stall, &*rule, draw, &log);
                });
            }
        });
        Self { addr, stop, log }
    }

    pub fn faults(&self) -> Vec<(String, Fault)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, fault)| *fault != Fault::Pass)
            .cloned()
            .collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn handle(
    mut client: TcpStream,
    upstream: &str,
    stall: Duration,
    rule: &Rule,
    draw: u64,
    log: &Mutex<Vec<(String, Fault)>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let Some((head, body)) = read_request(&mut client)? else {
        return Ok(());
    };
    let request_line = head.lines().next().unwrap_or("").to_owned();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let fault = rule(method, target, draw);
    log.lock()
        .unwrap()
        .push((format!("{method} {target}"), fault));
    let status =
        |code: &str| format!("HTTP/1.1 {code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    match fault {
        Fault::DropBefore => return client.shutdown(Shutdown::Both),
        Fault::Status500 => {
            return client.write_all(status("500 Internal Server Error").as_bytes())
        }
        Fault::Status503 => return client.write_all(status("503 Slow Down").as_bytes()),
        Fault::Stall => {
            std::thread::sleep(stall);
            return client.shutdown(Shutdown::Both);
        }
        Fault::Pass | Fault::DropAfter => {}
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(closing(&head).as_bytes())?;
    server.write_all(&body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    if fault == Fault::DropAfter {
        return client.shutdown(Shutdown::Both);
    }
    client.write_all(&answer)
}

/// The head with `Connection: close` in place of any connection header.
fn closing(head: &str) -> String {
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .filter(|line| !line.is_empty())
        .collect();
    lines.push("Connection: close");
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

/// One request: its head (up to the blank line) and its body (by
/// Content-Length). `None` when the client closed without one.
fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 65536];
    let end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            return Ok(None);
        }
        bytes.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = bytes[end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    Ok(Some((head, body)))
}
