//! The HTTP target: owns [`HttpTarget`], the only code that opens connections and the only
//! holder of the API key. One pooled keep-alive agent is shared by every worker.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use super::{Answer, Exchange, Outgoing, Payload, Sent, Target, TransportError};
use crate::case::Auth;

/// Settings of an HTTP target.
#[derive(Clone)]
pub struct HttpOptions {
    pub base_url: String,
    pub api_key: Option<String>,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    /// Largest body read; a larger one is an error.
    pub max_body: u64,
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("base_url", &without_credentials(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "<hidden>"))
            .field("headers", &self.headers)
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .finish()
    }
}

/// The key sent when none is given: test-mode shaped, so fakes that check the prefix accept it.
pub const PLACEHOLDER_KEY: &str = concat!("sk_", "test_", "conform");

impl HttpOptions {
    pub fn new(base_url: &str) -> HttpOptions {
        HttpOptions {
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: None,
            headers: Vec::new(),
            timeout: Duration::from_secs_f64(super::config::DEFAULT_TIMEOUT_SECS),
            max_body: super::config::DEFAULT_MAX_BODY,
        }
    }
}

pub struct HttpTarget {
    options: HttpOptions,
    /// The base URL without credentials: what reproduction lines and errors show.
    shown_base: String,
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTarget")
            .field("options", &self.options)
            .finish()
    }
}

impl HttpTarget {
    pub fn new(options: HttpOptions) -> HttpTarget {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .max_redirects(0)
            .max_idle_connections(64)
            .max_idle_connections_per_host(64)
            .allow_non_standard_methods(true)
            .build();
        HttpTarget {
            agent: super::resolve::agent(config),
            shown_base: without_credentials(&options.base_url),
            options,
        }
    }

    fn authorization(&self, auth: Auth) -> Option<String> {
        match auth {
            Auth::None => None,
            Auth::Malformed => Some("Bearer not-a-valid-key".to_owned()),
            Auth::Default => Some(format!(
                "Bearer {}",
                self.options.api_key.as_deref().unwrap_or(PLACEHOLDER_KEY)
            )),
        }
    }

    fn error(&self, url: &str, err: ureq::Error) -> TransportError {
        let url = without_credentials(url);
        match err {
            ureq::Error::Timeout(_) => TransportError::Timeout {
                url,
                seconds: self.options.timeout.as_secs_f64(),
            },
            ureq::Error::BodyExceedsLimit(limit) => TransportError::TooLarge { url, limit },
            ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => TransportError::Refused {
                url,
                message: err.to_string(),
            },
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset => {
                    TransportError::Refused {
                        url,
                        message: io.to_string(),
                    }
                }
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    TransportError::Timeout {
                        url,
                        seconds: self.options.timeout.as_secs_f64(),
                    }
                }
                _ => TransportError::Other {
                    url,
                    message: io.to_string(),
                },
            },
            other => TransportError::Other {
                url,
                message: other.to_string(),
            },
        }
    }
}

impl Target for HttpTarget {
    fn send<'c>(&self, _exchange: Exchange<'c>, request: &Outgoing) -> Sent<'c> {
        let url = format!("{}{}", self.options.base_url, request.path);
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&url);
        for (name, value) in self.options.headers.iter().chain(&request.headers) {
            builder = builder.header(name, value);
        }
        if let Some(authorization) = self.authorization(request.auth) {
            builder = builder.header("Authorization", authorization);
        }
        let result = match &request.body {
            Some(body) => builder
                .header("Content-Type", &body.content_type)
                .body(body.text.clone().into_bytes())
                .map(|r| self.agent.run(r)),
            // A body-less POST is sent with `Content-Length: 0`, as the official clients do,
            // never as an empty chunked body.
            None if matches!(request.method.as_str(), "POST" | "PUT" | "PATCH") => builder
                .header("Content-Length", "0")
                .body(Vec::new())
                .map(|r| self.agent.run(r)),
            None => builder.body(()).map(|r| self.agent.run(r)),
        };
        let mut response = match result {
            Ok(Ok(response)) => response,
            Ok(Err(err)) => return Err(self.error(&url, err)),
            Err(err) => {
                return Err(TransportError::Other {
                    url: without_credentials(&url),
                    message: format!("cannot build the request: {err}"),
                })
            }
        };
        let status = response.status().as_u16();
        let headers = lowercase_headers(response.headers());
        let mut body = Vec::new();
        let limit = self.options.max_body;
        let reader = response.body_mut().with_config().limit(limit + 1).reader();
        match reader.take(limit + 1).read_to_end(&mut body) {
            Ok(_) if body.len() as u64 > limit => {
                return Err(TransportError::TooLarge {
                    url: without_credentials(&url),
                    limit,
                })
            }
            Ok(_) => {}
            Err(err) => {
                let err = match err.into_inner().map(|e| e.downcast::<ureq::Error>()) {
                    Some(Ok(ureq_err)) => *ureq_err,
                    Some(Err(other)) => ureq::Error::Io(std::io::Error::other(other)),
                    None => ureq::Error::Io(std::io::Error::other("read failed")),
                };
                return Err(self.error(&url, err));
            }
        }
        Ok(Answer {
            status,
            headers,
            body: Payload::Bytes(body),
        })
    }

    fn base_url(&self) -> Option<&str> {
        Some(&self.shown_base)
    }
}

pub use crate::secrets::without_credentials;

/// Response headers with lower-case names (later duplicates win).
pub fn lowercase_headers(headers: &ureq::http::HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}
