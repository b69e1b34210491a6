//! Serving recordings over HTTP: owns [`start`], which runs the replay server on a fixed pool of
//! worker threads (each connection keeps alive), and [`Running`], the handle that stops it.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

use super::explain::explain;
use super::matcher::{Decision, Incoming, Index};

/// Largest request body read; larger requests get a 413.
pub const MAX_REQUEST_BYTES: u64 = 16 * 1024 * 1024;

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets workers finish their current request, and joins them.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Starts serving `index` on `addr` with `workers` threads; `log` prints one line per request
/// (method, path, status, recording) to stderr, never headers.
pub fn start(index: Arc<Index>, addr: &str, workers: usize, log: bool) -> Result<Running, String> {
    let server =
        tiny_http::Server::http(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| "the server has no IP address".to_owned())?;
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    let workers = (0..workers.max(1))
        .map(|_| {
            let server = Arc::clone(&server);
            let stop = Arc::clone(&stop);
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match server.recv_timeout(Duration::from_millis(200)) {
                        Ok(Some(request)) => handle(&index, request, log),
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    Ok(Running {
        addr: bound,
        server,
        stop,
        workers,
    })
}

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn json_response(status: u16, body: &Value) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut response =
        tiny_http::Response::from_data(body.to_string().into_bytes()).with_status_code(status);
    if let Some(h) = header("Content-Type", "application/json") {
        response.add_header(h);
    }
    response
}

fn error_body(message: &str, code: Option<&str>) -> Value {
    let mut error = json!({"type": "invalid_request_error", "message": message});
    if let Some(code) = code {
        error["code"] = json!(code);
    }
    json!({"error": error})
}

fn listing(index: &Index) -> Value {
    let mut cases: Vec<Value> = Vec::new();
    for r in &index.recordings {
        if r.step == 0 {
            cases.push(json!({"case": r.case, "steps": []}));
        }
        if let Some(last) = cases.last_mut() {
            if let Some(steps) = last["steps"].as_array_mut() {
                steps.push(json!({"name": r.step_name, "method": r.method, "path": r.path, "status": r.response.status}));
            }
        }
    }
    json!({"object": "list", "count": cases.len(), "data": cases})
}

fn handle(index: &Index, mut request: tiny_http::Request, log: bool) {
    let method = request.method().to_string();
    let url = request.url().to_owned();
    let header_value = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_owned())
    };
    let content_type = header_value("Content-Type");
    let authorization = header_value("Authorization");
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut body);
    let (status, response, note) = if read.is_err() {
        (
            400,
            json_response(
                400,
                &error_body("The request body could not be read.", None),
            ),
            String::new(),
        )
    } else if body.len() as u64 > MAX_REQUEST_BYTES {
        (
            413,
            json_response(413, &error_body("The request body is too large.", None)),
            String::new(),
        )
    } else if method == "GET" && url.split('?').next() == Some("/__conform/cases") {
        (200, json_response(200, &listing(index)), String::new())
    } else {
        let incoming = Incoming::decode(
            &method,
            &url,
            content_type.as_deref(),
            &body,
            authorization.as_deref(),
        );
        match index.answer(&incoming) {
            Decision::Answer(recording) => {
                let bytes = if recording.response.body.is_null() {
                    Vec::new()
                } else {
                    recording.response.body.to_string().into_bytes()
                };
                let mut response = tiny_http::Response::from_data(bytes).with_status_code(recording.response.status);
                let mut has_type = false;
                for (name, value) in &recording.response.headers {
                    has_type |= name.eq_ignore_ascii_case("content-type");
                    if let Some(h) = header(name, value) {
                        response.add_header(h);
                    }
                }
                if !has_type {
                    if let Some(h) = header("Content-Type", "application/json") {
                        response.add_header(h);
                    }
                }
                let note = format!("{} step {}", recording.case, recording.step_name);
                (recording.response.status, response, note)
            }
            Decision::Unauthorized => (
                401,
                json_response(
                    401,
                    &error_body(
                        "You did not provide an API key. Provide it in the Authorization header, using Bearer auth.",
                        None,
                    ),
                ),
                "no API key".to_owned(),
            ),
            Decision::NoMatch => {
                let message = explain(index, &incoming);
                (404, json_response(404, &error_body(&message, Some("resource_missing"))), "no recording".to_owned())
            }
        }
    };
    if log {
        eprintln!(
            "{method} {} -> {status} {note}",
            url.split('?').next().unwrap_or("")
        );
    }
    let _ = request.respond(response);
}
