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

/// Starts serving `index` on `addr`; `log` prints one line per request (method, path, status,
/// recording) to stderr, never headers.
pub fn start(index: Arc<Index>, addr: &str, log: bool, limits: Limits) -> Result<Running, String> {
    let server = listen_with(
        addr,
        Arc::new(move |request| handle(&index, request, log)),
        limits,
    )?;
    Ok(Running {
        addr: server.addr,
        server,
    })
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
        if let Some(steps) = cases.last_mut().and_then(|c| c["steps"].as_array_mut()) {
            steps.push(json!({"name": r.step_name, "method": r.method, "path": r.path, "status": r.response.status}));
        }
    }
    json!({"object": "list", "count": cases.len(), "data": cases})
}

/// Answers one request.
pub fn handle(index: &Index, request: Request, log: bool) -> Response {
    let path = request.url.split('?').next().unwrap_or("").to_owned();
    let (response, note) = if request.method == "GET" && path == "/__conform/cases" {
        (Response::json(200, &listing(index)), String::new())
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
                    "over the form limits".to_owned(),
                )
            }
        }
    };
    if log {
        eprintln!("{} {path} -> {} {note}", request.method, response.status);
    }
    response
}

/// The recorded answer to a decoded request, or the error the API would give.
fn answer(index: &Index, incoming: &Incoming) -> (Response, String) {
    {
        match index.answer(incoming) {
            Decision::Answer(recording) => {
                let mut headers: Vec<(String, String)> = recording
                    .response
                    .headers
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect();
                if !headers.iter().any(|(k, _)| k == "content-type") {
                    headers.push(("content-type".to_owned(), "application/json".to_owned()));
                }
                let note = format!("{} step {}", recording.case, recording.step_name);
                (
                    Response {
                        status: recording.response.status,
                        headers,
                        // Serialized once at start-up; sending it copies no bytes.
                        body: recording.prepared.clone(),
                    },
                    note,
                )
            }
            Decision::Unauthorized => (
                Response::json(
                    401,
                    &error_body("You did not provide an API key. Provide it in the Authorization header, using Bearer auth.", None),
                ),
                "no API key".to_owned(),
            ),
            Decision::NoMatch => (
                Response::json(404, &error_body(&explain(index, incoming), Some("resource_missing"))),
                "no recording".to_owned(),
            ),
        }
    }
}
