//! A small HTTP/1.1 server for the replayer and the recording proxy: owns [`listen`], which
//! accepts connections on a thread, serves each connection on its own thread with keep-alive,
//! and hands every parsed request to a handler. Bodies need a `Content-Length` (chunked request
//! bodies get a 411); heads and bodies are size-limited; idle connections close after a timeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest request head (request line and headers).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Open connections at most; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 512;
/// An idle keep-alive connection closes after this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query string.
    pub url: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        }
    }
}

pub type Handler = dyn Fn(Request) -> Response + Send + Sync;

/// A running listener; dropping it does not stop it, [`Server::shutdown`] does.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Stops accepting; connections finish the request they are serving.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Listens on `addr` and serves requests with `handler`.
pub fn listen(addr: &str, handler: Arc<Handler>) -> Result<Server, String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let stop_flag = Arc::clone(&stop);
    let accept = std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stop_flag.load(Ordering::SeqCst) {
                break;
            }
            let Ok(mut stream) = stream else { continue };
            if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                let _ = write_response(
                    &mut stream,
                    &Response::json(
                        503,
                        &serde_json::json!({"error": {"type": "api_error", "message": "Too many open connections."}}),
                    ),
                    false,
                );
                continue;
            }
            open.fetch_add(1, Ordering::SeqCst);
            let handler = Arc::clone(&handler);
            let open = Arc::clone(&open);
            let stop = Arc::clone(&stop_flag);
            std::thread::spawn(move || {
                connection(stream, handler.as_ref(), &stop);
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Ok(Server {
        addr: bound,
        stop,
        accept: Some(accept),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        404 => "Not Found",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    keep_alive: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            continue;
        }
        if name.contains(['\r', '\n']) || value.contains(['\r', '\n']) {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    stream.write_all(&bytes)?;
    stream.flush()
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &serde_json::json!({"error": {"type": "invalid_request_error", "message": message}}),
    )
}

/// Reads one request head (up to the blank line); `None` when the connection closed.
fn read_head(reader: &mut BufReader<TcpStream>) -> Result<Option<Vec<u8>>, Response> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        // A line is read at most up to the head limit, however long the client makes it.
        let room = (MAX_HEAD_BYTES + 1).saturating_sub(head.len()) as u64;
        match reader.by_ref().take(room).read_until(b'\n', &mut head) {
            Ok(0) if head.len() > MAX_HEAD_BYTES => {
                return Err(error(431, "The request head is too large."))
            }
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(_) => return Ok(None),
        }
        if head.len() > MAX_HEAD_BYTES {
            return Err(error(431, "The request head is too large."));
        }
        let line = &head[before..];
        if (line == b"\r\n" || line == b"\n") && before > 0 {
            return Ok(Some(head));
        }
        if (line == b"\r\n" || line == b"\n") && before == 0 {
            head.clear();
        }
    }
}

/// Reads a chunked body (sizes in hex, then the data, until a zero-size chunk and trailers).
/// Longest chunk-size or trailer line read.
const MAX_CHUNK_LINE: u64 = 8 * 1024;

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, Response> {
    let broken = || error(400, "The chunked request body is malformed.");
    let mut body = Vec::new();
    // Bounded: every round consumes a chunk, and the total is limited.
    loop {
        let mut line = String::new();
        reader
            .by_ref()
            .take(MAX_CHUNK_LINE)
            .read_line(&mut line)
            .map_err(|_| broken())?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        if size_text.is_empty() || !size_text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(broken());
        }
        // Too many digits for a size is too large a body, never an overflow.
        let size = usize::from_str_radix(size_text, 16).unwrap_or(usize::MAX);
        if size == 0 {
            // Trailers up to the blank line.
            for _ in 0..100 {
                let mut trailer = String::new();
                if reader
                    .by_ref()
                    .take(MAX_CHUNK_LINE)
                    .read_line(&mut trailer)
                    .map_err(|_| broken())?
                    == 0
                    || trailer.trim().is_empty()
                {
                    return Ok(body);
                }
            }
            return Err(broken());
        }
        if size > MAX_BODY_BYTES.saturating_sub(body.len()) {
            return Err(error(413, "The request body is too large."));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|_| broken())?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).map_err(|_| broken())?;
    }
}

fn connection(stream: TcpStream, handler: &Handler, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    // Bounded by the idle timeout: a silent client is dropped.
    while !stop.load(Ordering::SeqCst) {
        let head = match read_head(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(response) => {
                let _ = write_response(&mut writer, &response, false);
                return;
            }
        };
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut parsed = httparse::Request::new(&mut headers);
        let (method, url, version, headers) = match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => (
                parsed.method.unwrap_or("GET").to_owned(),
                parsed.path.unwrap_or("/").to_owned(),
                parsed.version.unwrap_or(1),
                parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => {
                let _ = write_response(
                    &mut writer,
                    &error(400, "The request could not be parsed."),
                    false,
                );
                return;
            }
        };
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let chunked =
            find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let body = if chunked {
            match read_chunked(&mut reader) {
                Ok(body) => body,
                Err(response) => {
                    let _ = write_response(&mut writer, &response, false);
                    return;
                }
            }
        } else {
            let length: usize = match find("content-length").map(|v| v.trim().parse::<usize>()) {
                None => 0,
                Some(Ok(n)) if n <= MAX_BODY_BYTES => n,
                Some(Ok(_)) => {
                    let _ = write_response(
                        &mut writer,
                        &error(413, "The request body is too large."),
                        false,
                    );
                    return;
                }
                Some(Err(_)) => {
                    let _ =
                        write_response(&mut writer, &error(400, "Invalid Content-Length."), false);
                    return;
                }
            };
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            body
        };
        let keep_alive = match find("connection").map(|v| v.to_ascii_lowercase()) {
            Some(v) if v.contains("close") => false,
            Some(v) if v.contains("keep-alive") => true,
            _ => version == 1,
        };
        let response = handler(Request {
            method,
            url,
            headers,
            body,
        });
        if write_response(&mut writer, &response, keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}
