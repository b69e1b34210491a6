//! Targets: owns the [`Target`] trait, the plain request/answer types every target speaks, and
//! [`TransportError`]. The replay target answers in process from the recordings; the HTTP target
//! is the only code that opens connections or sees the API key.

pub mod config;
mod curl;
pub mod http;
mod replay;
pub mod resolve;

pub use config::TargetConfig;
pub use curl::curl_command;
pub use http::{HttpOptions, HttpTarget};
pub use replay::ReplayTarget;

use std::collections::BTreeMap;
use std::fmt;

use crate::case::{Auth, Case, Request};
use crate::form;

/// A request ready to send: ids rewritten, query and body encoded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outgoing {
    pub method: String,
    /// Path with its query string, relative to the target's base URL.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub auth: Auth,
}

impl Outgoing {
    /// The request as sent: query appended to the path, body encoded, `Stripe-Version` added.
    pub fn of(request: &Request, stripe_version: Option<&str>) -> Outgoing {
        let mut path = request.path.clone();
        if let Some(query) = &request.query {
            let encoded = form::encode(query);
            if !encoded.is_empty() {
                path.push(if path.contains('?') { '&' } else { '?' });
                path.push_str(&encoded);
            }
        }
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(version) = stripe_version {
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("stripe-version"))
            {
                headers.push(("Stripe-Version".to_owned(), version.to_owned()));
            }
        }
        let body = if let Some(form_body) = &request.form {
            Some(Body {
                content_type: "application/x-www-form-urlencoded".to_owned(),
                text: form::encode(form_body),
            })
        } else {
            request.json.as_ref().map(|json| Body {
                content_type: "application/json".to_owned(),
                text: json.to_string(),
            })
        };
        Outgoing {
            method: request.method.clone(),
            path,
            headers,
            body,
            auth: request.auth,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Body {
    pub content_type: String,
    pub text: String,
}

/// The result of sending one request: the answer, or why none came.
pub type Sent<'c> = Result<Answer<'c>, TransportError>;

/// What a target answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<'a> {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: Payload<'a>,
}

/// An answer's body: bytes to parse, or a value the target already holds (the built-in target
/// answers with its recordings, so there is nothing to encode and parse again).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload<'a> {
    Bytes(Vec<u8>),
    Value(&'a serde_json::Value),
}

/// Which step of which case a request belongs to (the replay target answers from it).
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    pub case: &'a Case,
    pub step: usize,
}

/// A request that got no HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    Refused { url: String, message: String },
    Timeout { url: String, seconds: f64 },
    TooLarge { url: String, limit: u64 },
    Other { url: String, message: String },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Refused { url, message } => {
                write!(f, "connection to {url} failed: {message}")
            }
            TransportError::Timeout { url, seconds } => {
                write!(f, "{url} did not answer within {seconds:.1} s")
            }
            TransportError::TooLarge { url, limit } => {
                write!(
                    f,
                    "the body from {url} is larger than the limit of {limit} bytes"
                )
            }
            TransportError::Other { url, message } => {
                write!(f, "request to {url} failed: {message}")
            }
        }
    }
}

/// Something that answers requests like the API does.
pub trait Target: Send + Sync {
    fn send<'c>(&self, exchange: Exchange<'c>, request: &Outgoing) -> Sent<'c>;

    /// The base URL, for reproduction commands; `None` for in-process targets.
    fn base_url(&self) -> Option<&str>;

    /// Whether every answer is the step's own recording ([`Payload::Value`] of it): the engine
    /// then normalizes the recordings up front, since each will be compared.
    fn answers_with_recordings(&self) -> bool {
        false
    }
}
