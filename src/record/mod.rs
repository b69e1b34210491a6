//! The recording proxy: forwards requests to an upstream, answers with its response unchanged,
//! and turns the exchanges into a case file. `redact` owns what never reaches disk; `proxy`
//! owns forwarding; `journal` owns the session on disk (each exchange journaled as it
//! completes, then turned into case files); [`to_case`] turns exchanges into the case format.

pub mod journal;
pub mod proxy;
pub mod redact;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

pub use redact::{redact, REDACTED};

use crate::case::Auth;
use crate::form;

/// One forwarded request and the upstream's answer, as received (secrets still inside; they
/// are removed by [`to_case`] before anything is written).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path with query string.
    pub url: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Request headers worth recording (`Idempotency-Key`, `Stripe-Version`).
    pub headers: BTreeMap<String, String>,
    /// Whether the request carried a key, and a well-formed one (never the key).
    pub auth: Auth,
    pub status: u16,
    pub response_headers: BTreeMap<String, String>,
    pub response_body: Vec<u8>,
    /// Why this exchange cannot be recorded (transport failure, truncated or oversized body,
    /// not JSON where JSON was declared); `None` when it is sound.
    pub problem: Option<String>,
}

/// Response headers a recorded case keeps.
pub const KEPT_RESPONSE_HEADERS: &[&str] =
    &["content-type", "idempotent-replayed", "stripe-version"];

/// The request headers a recorded case keeps.
pub const KEPT_REQUEST_HEADERS: &[&str] = &["idempotency-key", "stripe-version"];

/// One exchange as a case step (redacted), without its name.
pub fn step_of(exchange: &Exchange) -> Value {
    let (path, query) = exchange.url.split_once('?').unwrap_or((&exchange.url, ""));
    let mut request = Map::new();
    request.insert("method".into(), json!(exchange.method));
    request.insert("path".into(), json!(crate::secrets::redact_text(path)));
    if !query.is_empty() {
        let mut q = form::decode_lenient(query);
        redact(&mut q);
        request.insert("query".into(), q);
    }
    if !exchange.headers.is_empty() {
        let headers: BTreeMap<&String, String> = exchange
            .headers
            .iter()
            .map(|(k, v)| (k, crate::secrets::redact_text(v)))
            .collect();
        request.insert("headers".into(), json!(headers));
    }
    let text = String::from_utf8_lossy(&exchange.body);
    if !text.trim().is_empty() {
        if exchange
            .content_type
            .as_deref()
            .is_some_and(|c| c.contains("json"))
        {
            let mut body = serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()));
            redact(&mut body);
            request.insert("json".into(), body);
        } else {
            let mut body = form::decode_lenient(&text);
            redact(&mut body);
            request.insert("form".into(), body);
        }
    }
    if !exchange.auth.is_default() {
        request.insert("auth".into(), json!(exchange.auth));
    }
    let mut body = if exchange.response_body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&exchange.response_body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&exchange.response_body).into_owned())
        })
    };
    redact(&mut body);
    let headers: BTreeMap<&String, String> = exchange
        .response_headers
        .iter()
        .filter(|(k, _)| KEPT_RESPONSE_HEADERS.contains(&k.as_str()))
        .map(|(k, v)| (k, crate::secrets::redact_text(v)))
        .collect();
    json!({
        "request": Value::Object(request),
        "response": {"status": exchange.status, "headers": headers, "body": body},
    })
}

/// A case file (pretty JSON) holding `exchanges` as steps; secrets are redacted.
pub fn to_case(exchanges: &[Exchange], upstream: &str) -> String {
    let steps: Vec<Value> = exchanges.iter().map(step_of).collect();
    case_text(steps, upstream)
}

/// A case file (pretty JSON) of `steps` (as [`step_of`] makes them), named `step1`, ... in order.
pub fn case_text(steps: Vec<Value>, upstream: &str) -> String {
    let steps: Vec<Value> = steps
        .into_iter()
        .enumerate()
        .map(|(i, mut step)| {
            if let Value::Object(map) = &mut step {
                map.insert("name".into(), json!(format!("step{}", i + 1)));
            }
            step
        })
        .collect();
    let case = json!({
        "description": format!(
            "Recorded through `conform record` from {}.",
            crate::secrets::without_credentials(upstream)
        ),
        "source": "recorded",
        "tags": ["recorded"],
        "steps": steps,
    });
    let mut text = serde_json::to_string_pretty(&case).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchanges_become_steps_without_secrets() {
        let key = concat!("sk_", "test_", "Zz9");
        let exchange = Exchange {
            method: "POST".into(),
            url: "/v1/customers?expand[0]=x".into(),
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: b"email=a%40example.com&metadata[n]=1".to_vec(),
            headers: [("idempotency-key".to_owned(), "k1".to_owned())].into(),
            auth: Auth::Default,
            status: 200,
            response_headers: [
                ("content-type".to_owned(), "application/json".to_owned()),
                ("request-id".to_owned(), "req_1".to_owned()),
            ]
            .into(),
            response_body: format!("{{\"id\":\"cus_1\",\"note\":\"{key}\"}}").into_bytes(),
            problem: None,
        };
        let text = to_case(&[exchange], "http://127.0.0.1:1");
        assert!(!text.contains("Zz9"), "{text}");
        let case = crate::load::parse("r", std::path::Path::new("r.json"), &text).unwrap();
        let step = &case.steps[0].step;
        assert_eq!(step.request.form.as_ref().unwrap()["metadata"]["n"], "1");
        assert_eq!(step.request.query.as_ref().unwrap()["expand"][0], "x");
        assert_eq!(step.response.headers.len(), 1);
        assert_eq!(step.response.body["note"], REDACTED);
    }

    #[test]
    fn secrets_in_every_channel_stay_out_of_the_case() {
        let live = concat!("sk_", "live_", "Q7w8E9");
        let exchange = Exchange {
            method: "POST".into(),
            url: format!(
                "/v1/customers/{live}?k={}&{live}=1",
                live.replace('_', "%5F")
            ),
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: format!("{live}=1&items[0][client_secret]=7&email=a%40b.c").into_bytes(),
            headers: [("idempotency-key".to_owned(), live.to_owned())].into(),
            auth: Auth::Default,
            status: 200,
            response_headers: [("content-type".to_owned(), "application/json".to_owned())].into(),
            response_body: format!("{{\"{live}\":[{{\"client_secret\":{{\"a\":1}}}}]}}")
                .into_bytes(),
            problem: None,
        };
        let text = to_case(&[exchange], "https://user:Pa55word@api.example");
        assert!(!text.contains("Q7w8E9"), "{text}");
        assert!(!text.contains("Pa55word"), "{text}");
        assert!(!text.contains("\"a\": 1"), "{text}");
    }
}
