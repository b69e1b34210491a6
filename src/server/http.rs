//! Serving recordings over HTTP: owns [`start`], which answers requests from the [`Index`]
//! through the project's listener (a thread per keep-alive connection), and [`Running`].

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{json, Value};

use super::explain::explain;
use crate::listener::{listen_with, Limits, Request, Response, Server};
use crate::matcher::{Decision, Incoming, Index};

/// A running replay server.
pub struct Running {
    pub addr: SocketAddr,
    server: Server,
}

impl Running {
    /// Stops accepting connections.
    pub fn shutdown(self) {
        self.server.shutdown();
    }
}

/// Starts serving `index` on `addr`; `log` hears one line per request (method, path, status,
/// recording) to stderr, never headers.
pub fn start(
    index: Arc<Index>,
    addr: &str,
    log: Option<Log>,
    limits: Limits,
) -> Result<Running, crate::listener::ListenError> {
    let server = listen_with(
        addr,
        Arc::new(move |request| handle(&index, request, log.as_ref())),
        limits,
    )?;
    Ok(Running {
        addr: server.addr,
        server,
    })
}

/// Where the one line per request goes, when the front end asks for it (`serve -v`).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

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
        if let Some(steps) = cases.last_mut().and_then(|c| c["steps"].as_array_mut()) {
            steps.push(json!({"name": r.step_name, "method": r.method, "path": r.path, "status": r.status}));
        }
    }
    json!({"object": "list", "count": cases.len(), "data": cases})
}

/// Answers one request.
pub fn handle(index: &Index, request: Request, log: Option<&Log>) -> Response {
    let path = request.url.split('?').next().unwrap_or("");
    let (response, note) = if request.method == "GET" && path == "/__conform/cases" {
        (Response::json(200, &listing(index)), Note::Text(""))
    } else {
        // HEAD is answered as GET would be; the server sends the head without the body.
        let method = if request.method == "HEAD" {
            "GET"
        } else {
            request.method.as_str()
        };
        let decoded = Incoming::decode(
            method,
            &request.url,
            request.header("content-type"),
            &request.body,
            request.header("authorization"),
        );
        match decoded {
            Ok(incoming) => answer(index, &incoming),
            Err(err) => {
                let mut body = error_body(&err.message, Some("parameter_invalid"));
                body["error"]["param"] = json!(err.param);
                (
                    Response::json(400, &body),
                    Note::Text("over the form limits"),
                )
            }
        }
    };
    if let Some(log) = log {
        log(&format!(
            "{} {path} -> {} {note}",
            request.method, response.status
        ));
    }
    response
}

/// What the log line says about an answer; formatted only when logging.
enum Note {
    Text(&'static str),
    Recording(Arc<crate::matcher::Recording>),
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Text(text) => f.write_str(text),
            Note::Recording(r) => write!(f, "{} step {}", r.case, r.step_name),
        }
    }
}

/// The recorded answer to a decoded request, or the error the API would give.
fn answer(index: &Index, incoming: &Incoming) -> (Response, Note) {
    {
        match index.answer(incoming) {
            Decision::Answer(recording) => (
                Response {
                    status: recording.status,
                    headers: recording.prepared_headers.clone(),
                    // Serialized once at start-up; sending it copies no bytes.
                    body: recording.prepared.clone(),
                },
                Note::Recording(recording),
            ),
            Decision::Unauthorized => (
                Response::json(
                    401,
                    &error_body("You did not provide an API key. Provide it in the Authorization header, using Bearer auth.", None),
                ),
                Note::Text("no API key"),
            ),
            Decision::NoMatch => (
                Response::json(404, &error_body(&explain(index, incoming), Some("resource_missing"))),
                Note::Text("no recording"),
            ),
        }
    }
}
