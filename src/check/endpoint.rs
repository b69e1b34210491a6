//! Endpoints: owns [`Endpoint`], the method and route template a step's checks are charged to,
//! and [`route_template`], how a written path becomes one.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::ids;

/// A method and the route template of a path: `POST /v1/customers/{customer}`. The strings are
/// shared: every step of a run charged to one endpoint points at the same two.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    pub method: Arc<str>,
    pub path: Arc<str>,
}

/// The one shared copy of `text`: endpoint strings and step names repeat across thousands of
/// steps, and the table holds one entry per distinct string.
pub fn intern(text: &str) -> Arc<str> {
    static TABLE: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(shared) = table.get(text) {
        return Arc::clone(shared);
    }
    let shared: Arc<str> = Arc::from(text);
    table.insert(Arc::clone(&shared));
    shared
}

impl Endpoint {
    /// The endpoint of a request as written in a case (ids and `${...}` templates in the path
    /// become parameters).
    pub fn of(method: &str, path: &str) -> Endpoint {
        Endpoint {
            method: intern(&method.to_ascii_uppercase()),
            path: intern(&route_template(path)),
        }
    }

    /// Parses `METHOD /path`.
    pub fn parse(text: &str) -> Option<Endpoint> {
        let (method, path) = text.trim().split_once(' ')?;
        let path = path.trim();
        (!method.is_empty() && path.starts_with('/')).then(|| Endpoint {
            method: method.into(),
            path: path.into(),
        })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// The route template of a path: the query is dropped, and every id or `${...}` segment becomes
/// a parameter named after the collection before it, in the singular
/// (`/v1/customers/cus_X1/balance_transactions/cbtxn_Y2` ->
/// `/v1/customers/{customer}/balance_transactions/{balance_transaction}`).
pub fn route_template(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out = String::with_capacity(path.len());
    let mut previous = "";
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if is_parameter(segment) {
            out.push('{');
            out.push_str(&singular(previous));
            out.push('}');
        } else {
            out.push_str(segment);
        }
        previous = segment;
    }
    out
}

fn is_parameter(segment: &str) -> bool {
    segment.contains("${") || ids::is_id(segment)
}

fn singular(collection: &str) -> String {
    if collection.is_empty() || collection.starts_with('{') {
        return "id".to_owned();
    }
    if let Some(stem) = collection.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = collection.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = collection.strip_suffix('s') {
        stem.to_owned()
    } else {
        collection.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_their_parameters() {
        assert_eq!(
            route_template("/v1/customers/cus_Q1w2E3r4T5/balance_transactions/cbtxn_1A2b3C4d?x=1"),
            "/v1/customers/{customer}/balance_transactions/{balance_transaction}"
        );
        assert_eq!(
            route_template("/v1/checkout/sessions/${create.body.id}/expire"),
            "/v1/checkout/sessions/{session}/expire"
        );
        assert_eq!(
            route_template("/v1/credit_notes/preview"),
            "/v1/credit_notes/preview"
        );
        assert_eq!(
            route_template("/v1/invoices/in_1Abcdefgh"),
            "/v1/invoices/{invoice}"
        );
        assert_eq!(
            Endpoint::parse("POST /v1/x/{y}").unwrap().to_string(),
            "POST /v1/x/{y}"
        );
    }
}
