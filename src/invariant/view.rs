//! The exchanges of one flow as invariants read them: owns [`Seen`] (one JSON answer with the
//! request that brought it, its parameters decoded) and [`View`] (a flow's answers in order).

use serde_json::{Map, Value};

use crate::case::{Case, Request, Response};
use crate::form;
use crate::target::Outgoing;

/// Path segments a `*` in a route pattern never stands for: they name operations, not objects.
const OPERATIONS: &[&str] = &["preview", "search", "lines", "line_items"];

/// One answered request.
#[derive(Debug)]
pub struct Seen<'a> {
    /// The step's index in its case.
    pub step: usize,
    pub method: String,
    /// The path without its query.
    pub path: String,
    /// The query and the body's parameters, decoded into one object (form values are text).
    pub params: Value,
    pub idempotency_key: Option<String>,
    pub status: u16,
    pub body: &'a Value,
}

impl<'a> Seen<'a> {
    /// The answer `body` with `status` to `request`, step `step` of its flow.
    pub fn new(step: usize, request: &Outgoing, status: u16, body: &'a Value) -> Seen<'a> {
        let (path, query) = request
            .path
            .split_once('?')
            .unwrap_or((request.path.as_str(), ""));
        let mut params = Map::new();
        if let Value::Object(map) = form::decode_lenient(query) {
            params.extend(map);
        }
        if let Some(body) = &request.body {
            let decoded = if body.content_type.contains("json") {
                serde_json::from_str(&body.text).unwrap_or(Value::Null)
            } else {
                form::decode_lenient(&body.text)
            };
            if let Value::Object(map) = decoded {
                params.extend(map);
            }
        }
        let idempotency_key = request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"))
            .map(|(_, value)| value.clone());
        Seen {
            step,
            method: request.method.to_ascii_uppercase(),
            path: path.to_owned(),
            params: Value::Object(params),
            idempotency_key,
            status,
            body,
        }
    }

    /// A recorded step: `request` as the engine would send it, answered with `response`.
    pub fn recorded(step: usize, request: &Request, response: &'a Response) -> Seen<'a> {
        Seen::new(
            step,
            &Outgoing::of(request, None),
            response.status,
            &response.body,
        )
    }

    /// Answered with success.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A successful request that may change state.
    pub fn writes(&self) -> bool {
        self.ok() && self.method != "GET"
    }

    /// Whether this is `method` on a path of `pattern`, where `*` stands for one object id.
    pub fn is(&self, method: &str, pattern: &str) -> bool {
        self.method == method && self.ids(pattern).is_some()
    }

    /// A successful `method` on `pattern`.
    pub fn ok_on(&self, method: &str, pattern: &str) -> bool {
        self.ok() && self.is(method, pattern)
    }

    /// The ids the `*`s of `pattern` stand for in this path, when it matches.
    pub fn ids(&self, pattern: &str) -> Option<Vec<&str>> {
        let mut path = self.path.trim_end_matches('/').split('/');
        let mut ids = Vec::new();
        for wanted in pattern.split('/') {
            let segment = path.next()?;
            if wanted == "*" {
                if segment.is_empty() || OPERATIONS.contains(&segment) {
                    return None;
                }
                ids.push(segment);
            } else if wanted != segment {
                return None;
            }
        }
        path.next().is_none().then_some(ids)
    }

    /// The first id of `pattern` in this path.
    pub fn id(&self, pattern: &str) -> Option<&str> {
        self.ids(pattern)?.first().copied()
    }

    /// The parameter at `pointer` (`/amount`, `/filter/credit_grant`).
    pub fn param(&self, pointer: &str) -> Option<&Value> {
        self.params.pointer(pointer)
    }

    /// The text parameter at `pointer`.
    pub fn param_text(&self, pointer: &str) -> Option<&str> {
        self.param(pointer)?.as_str()
    }

    /// The integer parameter at `pointer`.
    pub fn param_int(&self, pointer: &str) -> Option<i64> {
        super::int(&self.params, pointer)
    }

    /// The answer's `id`.
    pub fn body_id(&self) -> Option<&'a str> {
        self.body.get("id")?.as_str()
    }
}

/// A flow's JSON answers, in the order they came.
#[derive(Debug, Default)]
pub struct View<'a> {
    pub seen: Vec<Seen<'a>>,
}

impl<'a> View<'a> {
    pub fn new(seen: Vec<Seen<'a>>) -> View<'a> {
        View { seen }
    }

    /// The recordings of `case` as a flow (steps recorded without a body left out).
    pub fn of_recordings(case: &'a Case) -> View<'a> {
        let seen = case
            .steps
            .iter()
            .enumerate()
            .filter(|(_, named)| !named.step.response.body.is_null());
        View::new(
            seen.map(|(i, named)| Seen::recorded(i, &named.step.request, &named.step.response))
                .collect(),
        )
    }

    /// The successful answers to `method` on `pattern`.
    pub fn ok_on<'v>(
        &'v self,
        method: &'v str,
        pattern: &'v str,
    ) -> impl Iterator<Item = &'v Seen<'a>> + 'v {
        self.seen.iter().filter(move |s| s.ok_on(method, pattern))
    }

    /// Whether any request between positions `from` and `to` of [`View::seen`] (both left out)
    /// succeeded in changing state.
    pub fn writes_between(&self, from: usize, to: usize) -> bool {
        self.seen
            .get(from + 1..to)
            .is_some_and(|between| between.iter().any(Seen::writes))
    }
}
