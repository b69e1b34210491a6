//! Matching a request to a recording: owns [`Index`], built once from the loaded cases, and
//! [`Index::answer`], which picks the recording that answers an incoming request.
//!
//! Rules (documented for users in `docs/serve.md`):
//! - method and path (without query) must be equal; the query and the body are decoded (form or
//!   JSON) and compared as structures with every leaf as a string, so order and encoding do not
//!   matter; a recorded value holding a `${...}` template matches any value;
//! - a recording made with a given `auth` (`default`, `none`, `malformed`) is preferred for a
//!   request of the same kind; a request without a key for a recording that had one gets a 401;
//! - when one case recorded the same request several times, the answers come in recorded order
//!   (the last one repeats); a request matching the first step of a case once all its recordings
//!   were answered starts that case over (so a flow can be replayed again);
//! - when several cases recorded the same request, the case the previous request matched wins,
//!   otherwise the first case by name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::case::{Auth, Case};
use crate::form;

/// One recorded exchange.
#[derive(Debug, Clone)]
pub struct Recording {
    pub case: String,
    /// Position of the case among the served cases, by name.
    pub case_index: usize,
    /// The replay cursor of this recording's request within its case.
    slot: usize,
    pub step: usize,
    pub step_name: String,
    pub method: String,
    pub path: String,
    pub query: Value,
    pub body: Value,
    pub auth: Auth,
    /// The recorded status; the body is kept only as the prepared bytes below.
    pub status: u16,
    /// The response body as sent, serialized once when the index is built (empty for `null`).
    pub prepared: bytes::Bytes,
    /// The response headers as sent: names lower-cased, a JSON content type when none was
    /// recorded.
    pub prepared_headers: Vec<(String, String)>,
}

/// An incoming request, decoded.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub method: String,
    pub path: String,
    pub query: Value,
    pub body: Value,
    pub auth: Auth,
}

impl Incoming {
    /// Decodes a raw request: `url` with its query string, the body and its content type, and
    /// the `Authorization` header value (never stored).
    pub fn decode(
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
        authorization: Option<&str>,
    ) -> Result<Incoming, form::FormError> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let text = String::from_utf8_lossy(body);
        let body = if text.trim().is_empty() {
            empty()
        } else if content_type.is_some_and(|c| c.contains("json")) {
            serde_json::from_str(&text)
                .map(|v| form::stringify_leaves(&v))
                .unwrap_or_else(|_| Value::String(text.into_owned()))
        } else {
            form::decode(&text)?
        };
        let auth = Auth::classify(authorization);
        Ok(Incoming {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            query: form::decode(query)?,
            body,
            auth,
        })
    }
}

fn empty() -> Value {
    Value::Object(Map::new())
}

/// Whether `actual` matches the recorded structure `recorded` (templates match anything).
pub fn same(recorded: &Value, actual: &Value) -> bool {
    match (recorded, actual) {
        (Value::String(r), _) if r.contains("${") => true,
        (Value::Object(r), Value::Object(a)) => {
            r.len() == a.len() && r.iter().all(|(k, v)| a.get(k).is_some_and(|x| same(v, x)))
        }
        (Value::Array(r), Value::Array(a)) => {
            r.len() == a.len() && r.iter().zip(a).all(|(x, y)| same(x, y))
        }
        // An empty array or object is sent as an empty string.
        (Value::Array(r), Value::String(s)) | (Value::String(s), Value::Array(r)) => {
            r.is_empty() && s.is_empty()
        }
        (Value::Object(r), Value::String(s)) => r.is_empty() && s.is_empty(),
        (r, a) => r == a,
    }
}

/// What the index decided for a request.
#[derive(Debug, Clone)]
pub enum Decision {
    Answer(Arc<Recording>),
    /// The recording needs an API key and the request has none.
    Unauthorized,
    NoMatch,
}

/// Every recording of the served cases, with the replay cursors.
#[derive(Debug, Default)]
pub struct Index {
    pub recordings: Vec<Arc<Recording>>,
    /// method -> path -> the recordings of that request, in order: no request scans them all,
    /// and a lookup borrows the request's strings.
    by_route: HashMap<String, HashMap<String, Vec<usize>>>,
    /// The cursor slots of each case (a case's slots are numbered consecutively).
    case_slots: Vec<std::ops::Range<usize>>,
    state: Mutex<State>,
}

/// The replay state: plain integers, so answering allocates nothing under the lock.
#[derive(Debug, Default)]
struct State {
    /// Per slot (a case and one of its distinct requests): how many times answered.
    cursors: Vec<usize>,
    last_case: Option<usize>,
}

fn request_key(method: &str, path: &str, query: &Value, body: &Value) -> String {
    format!("{method} {path} {query} {body}")
}

/// What the index keeps of one case: its recordings, answers prepared, with cursor slots
/// numbered from 0 within the case, and the number of slots. Made per case, in any order or
/// thread; [`Index::from_prepared`] puts them together.
#[derive(Debug)]
pub struct Prepared {
    recordings: Vec<Recording>,
    slots: usize,
}

impl Prepared {
    pub fn of(case: &Case) -> Prepared {
        let mut recordings = Vec::with_capacity(case.steps.len());
        let mut slots: HashMap<String, usize> = HashMap::new();
        for (i, named) in case.steps.iter().enumerate() {
            let request = &named.step.request;
            let (path, inline) = request.path.split_once('?').unwrap_or((&request.path, ""));
            let mut query = form::decode_lenient(inline);
            if let (Some(Value::Object(extra)), Value::Object(map)) = (
                request.query.as_ref().map(form::stringify_leaves),
                &mut query,
            ) {
                map.extend(extra);
            }
            let body = match (&request.form, &request.json) {
                (Some(f), _) => form::stringify_leaves(f),
                (None, Some(j)) => form::stringify_leaves(j),
                (None, None) => empty(),
            };
            let prepared = if named.step.response.body.is_null() {
                bytes::Bytes::new()
            } else {
                bytes::Bytes::from(named.step.response.body.to_string())
            };
            let method = request.method.to_ascii_uppercase();
            let key = request_key(&method, path, &query, &body);
            let next = slots.len();
            let slot = *slots.entry(key).or_insert(next);
            let mut prepared_headers: Vec<(String, String)> = named
                .step
                .response
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect();
            if !prepared_headers.iter().any(|(k, _)| k == "content-type") {
                prepared_headers.push(("content-type".to_owned(), "application/json".to_owned()));
            }
            recordings.push(Recording {
                case: case.name.to_string(),
                case_index: 0,
                slot,
                step: i,
                step_name: named.name.clone(),
                method,
                path: path.to_owned(),
                query,
                body,
                auth: request.auth,
                status: named.step.response.status,
                prepared,
                prepared_headers,
            });
        }
        Prepared {
            recordings,
            slots: slots.len(),
        }
    }
}

impl Index {
    pub fn new(cases: &[&Case]) -> Index {
        Index::build(cases.iter().copied())
    }

    /// Builds the index from cases handed over one at a time: each case can be dropped as
    /// soon as its recordings are made, so only the prepared answers stay in memory.
    pub fn build<C: std::borrow::Borrow<Case>>(cases: impl IntoIterator<Item = C>) -> Index {
        Index::from_prepared(cases.into_iter().map(|case| Prepared::of(case.borrow())))
    }

    /// The index of cases prepared one by one ([`Prepared::of`]); the order they come in does
    /// not matter.
    pub fn from_prepared(prepared: impl IntoIterator<Item = Prepared>) -> Index {
        let mut groups: Vec<Prepared> = prepared
            .into_iter()
            .filter(|p| !p.recordings.is_empty())
            .collect();
        groups.sort_by(|a, b| a.recordings[0].case.cmp(&b.recordings[0].case));
        let mut recordings = Vec::new();
        let mut case_slots = Vec::with_capacity(groups.len());
        for (case_index, prepared) in groups.into_iter().enumerate() {
            let Prepared {
                recordings: group,
                slots,
            } = prepared;
            let first_slot = case_slots
                .last()
                .map_or(0, |r: &std::ops::Range<usize>| r.end);
            for mut recording in group {
                recording.case_index = case_index;
                recording.slot += first_slot;
                recordings.push(recording);
            }
            case_slots.push(first_slot..first_slot + slots);
        }
        let mut by_route: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, r) in recordings.iter().enumerate() {
            by_route
                .entry(r.method.clone())
                .or_default()
                .entry(r.path.clone())
                .or_default()
                .push(i);
        }
        Index {
            recordings: recordings.into_iter().map(Arc::new).collect(),
            by_route,
            state: Mutex::new(State {
                cursors: vec![0; case_slots.last().map_or(0, |r| r.end)],
                last_case: None,
            }),
            case_slots,
        }
    }

    fn matches<'a>(
        &'a self,
        incoming: &'a Incoming,
    ) -> impl Iterator<Item = &'a Arc<Recording>> + 'a {
        self.by_route
            .get(&incoming.method)
            .and_then(|paths| paths.get(&incoming.path))
            .into_iter()
            .flatten()
            .map(|&i| &self.recordings[i])
            .filter(move |r| same(&r.query, &incoming.query) && same(&r.body, &incoming.body))
    }

    /// Picks the answer to `incoming` and advances the cursors.
    pub fn answer(&self, incoming: &Incoming) -> Decision {
        let candidates: Vec<&Arc<Recording>> = self.matches(incoming).collect();
        if candidates.is_empty() {
            return Decision::NoMatch;
        }
        let same_auth: Vec<&Arc<Recording>> = candidates
            .iter()
            .copied()
            .filter(|r| r.auth == incoming.auth)
            .collect();
        let pool = if same_auth.is_empty() {
            if incoming.auth == Auth::None && candidates.iter().all(|r| r.auth == Auth::Default) {
                return Decision::Unauthorized;
            }
            candidates
        } else {
            same_auth
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let case = state
            .last_case
            .filter(|last| pool.iter().any(|r| r.case_index == *last))
            .unwrap_or(pool[0].case_index);
        let in_case: Vec<&Arc<Recording>> = pool
            .iter()
            .copied()
            .filter(|r| r.case_index == case)
            .collect();
        let slot = in_case[0].slot;
        if state.cursors[slot] >= in_case.len() && in_case.iter().any(|r| r.step == 0) {
            // Every recording of this first request was answered: the case starts over.
            let slots = self.case_slots[case].clone();
            state.cursors[slots].fill(0);
        }
        let cursor = &mut state.cursors[slot];
        let chosen = in_case[(*cursor).min(in_case.len() - 1)];
        *cursor += 1;
        state.last_case = Some(case);
        Decision::Answer(Arc::clone(chosen))
    }
}
