//! Forwarding: owns [`run_proxy`], which listens on a local address, forwards each request to
//! the upstream one at a time (so the recorded order is the order of arrival), hands each
//! exchange to a sink before answering with the upstream's response unchanged, and returns how
//! many it handled when it stops.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Exchange, KEPT_REQUEST_HEADERS};
use crate::case::Auth;
use crate::listener::{listen_with, Limits, Request, Response};

/// How the proxy runs and when it stops.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    pub upstream: String,
    pub listen: String,
    pub timeout: Duration,
    /// Stop after this many exchanges.
    pub max_requests: Option<usize>,
    /// Stop after this long without hearing from a client: counted from the start and from
    /// every request received, refused ones included.
    pub idle: Option<Duration>,
    /// Largest request body forwarded (413 above it), as `serve --max-body`.
    pub max_body: usize,
}

const MAX_BODY: u64 = 64 * 1024 * 1024;
const SKIPPED_REQUEST_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "accept-encoding",
];
const SKIPPED_RESPONSE_HEADERS: &[&str] = &["content-length", "connection", "transfer-encoding"];

/// Runs until `stop` is set or a limit of `options` is reached; `listening` hears the bound
/// address first, and `sink` each exchange before its client gets the answer. Requests are
/// forwarded one at a time, so the recorded order is the order in which they were answered.
pub fn run_proxy(
    options: &ProxyOptions,
    stop: &AtomicBool,
    listening: impl FnOnce(SocketAddr),
    sink: impl FnMut(Exchange) + Send + 'static,
) -> Result<usize, crate::listener::ListenError> {
    let agent = crate::target::resolve::agent(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .max_redirects(0)
            .allow_non_standard_methods(true)
            .build(),
    );
    let upstream = options.upstream.trim_end_matches('/').to_owned();
    let state = Arc::new(Mutex::new((sink, 0usize, Instant::now())));
    let shared = Arc::clone(&state);
    let limit = options.max_requests;
    let limits = Limits {
        max_body: options.max_body,
        ..Limits::default()
    };
    let server = listen_with(
        &options.listen,
        Arc::new(move |request: Request| {
            let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
            if limit.is_some_and(|n| guard.1 >= n) {
                return Response::json(
                    503,
                    &serde_json::json!({"error": {"type": "api_error", "message": "conform record has stopped recording."}}),
                );
            }
            let (exchange, response) = forward(&agent, &upstream, request);
            (guard.0)(exchange);
            guard.1 += 1;
            guard.2 = Instant::now();
            response
        }),
        limits,
    )?;
    listening(server.addr);
    // Bounded by the stop conditions; checked every 50 ms.
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let (count, last) = {
            let guard = state.lock().unwrap_or_else(|e| e.into_inner());
            (guard.1, guard.2)
        };
        // Idle since the last request answered, and since a client was last heard from.
        let quiet = last.elapsed().min(server.idle_for());
        if stop.load(Ordering::SeqCst)
            || limit.is_some_and(|n| count >= n)
            || options.idle.is_some_and(|idle| quiet >= idle)
        {
            break;
        }
    }
    server.shutdown();
    let handled = state.lock().unwrap_or_else(|e| e.into_inner()).1;
    Ok(handled)
}

/// A query or form body over the decoding limits would be stored incomplete: the exchange is
/// refused instead. The message names the limit, never the parameter (a key may be a secret).
fn over_form_limits(request: &Request) -> Option<String> {
    let query = request.url.split_once('?').map_or("", |(_, q)| q);
    let json = request
        .header("content-type")
        .is_some_and(|c| c.contains("json"));
    let body = (!json).then(|| String::from_utf8_lossy(&request.body));
    let (part, error) = match crate::form::decode(query) {
        Err(error) => ("query", error),
        Ok(_) => ("body", crate::form::decode(body.as_deref()?).err()?),
    };
    Some(format!(
        "the request's {part} is over the form limits ({}); it cannot be recorded whole",
        error.message
    ))
}

fn forward(agent: &ureq::Agent, upstream: &str, request: Request) -> (Exchange, Response) {
    // Only origin-form targets (`/path?query`) are forwarded: an absolute or authority form
    // (`http://other/`, `@host:port/`) would send the request, key included, elsewhere.
    if !request.url.starts_with('/') || request.url.starts_with("//") {
        let body = serde_json::json!({"error": {"type": "invalid_request_error", "message": "conform record forwards only paths such as /v1/customers to its upstream."}});
        let exchange = Exchange {
            method: request.method.clone(),
            url: crate::secrets::redact_text(&request.url),
            content_type: None,
            auth: Auth::classify(request.header("authorization")),
            body: Vec::new(),
            headers: BTreeMap::new(),
            status: 400,
            response_headers: BTreeMap::new(),
            response_body: Vec::new(),
            problem: Some("the request target is not a path; it was not forwarded".to_owned()),
        };
        return (exchange, Response::json(400, &body));
    }
    let mut forwarded = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(format!("{upstream}{}", request.url));
    let mut kept = BTreeMap::new();
    for (name, value) in &request.headers {
        if KEPT_REQUEST_HEADERS.contains(&name.as_str()) {
            kept.insert(name.clone(), value.clone());
        }
        if !SKIPPED_REQUEST_HEADERS.contains(&name.as_str()) {
            forwarded = forwarded.header(name.as_str(), value.as_str());
        }
    }
    let result = forwarded
        .body(request.body.clone())
        .map_err(|e| e.to_string())
        .and_then(|r| agent.run(r).map_err(|e| e.to_string()));
    let shown = crate::secrets::without_credentials(upstream);
    let mut problem = None;
    let (status, response_headers, response_body) = match result {
        Ok(mut response) => {
            let headers = crate::target::http::lowercase_headers(response.headers());
            let mut bytes = Vec::new();
            let read = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .reader()
                .read_to_end(&mut bytes);
            if let Err(err) = read {
                problem = Some(format!(
                    "the answer body could not be read whole (over {MAX_BODY} bytes, cut short or stalled): {err}"
                ));
            } else if headers
                .get("content-type")
                .is_some_and(|c| c.contains("json"))
                && !bytes.iter().all(u8::is_ascii_whitespace)
                && serde_json::from_slice::<serde_json::Value>(&bytes).is_err()
            {
                problem = Some("the answer declares JSON but is not JSON".to_owned());
            }
            (response.status().as_u16(), headers, bytes)
        }
        Err(message) => {
            problem = Some(format!("{shown} could not be reached: {message}"));
            let body = serde_json::json!({"error": {"type": "api_error", "message": format!("conform record could not reach {shown}.")}});
            let headers = [("content-type".to_owned(), "application/json".to_owned())].into();
            (502, headers, body.to_string().into_bytes())
        }
    };
    if problem.is_none() {
        problem = over_form_limits(&request);
    }
    let response = Response {
        status,
        headers: response_headers
            .iter()
            .filter(|(k, _)| !SKIPPED_RESPONSE_HEADERS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        body: response_body.clone().into(),
    };
    let exchange = Exchange {
        method: request.method.clone(),
        url: request.url.clone(),
        content_type: request.header("content-type").map(str::to_owned),
        auth: Auth::classify(request.header("authorization")),
        body: request.body,
        headers: kept,
        status,
        response_headers,
        response_body,
        problem,
    };
    (exchange, response)
}
