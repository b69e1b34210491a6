//! Running one case: owns [`run_case`], which takes a case through its steps in order (resolve
//! ids and templates, send to the target, keep the answer, normalize) into a [`Transcript`] that
//! the checks judge; and [`expected`], the normalized recordings a golden file holds. Nothing
//! here judges, prints or reads the environment.
//!
//! # List steps in `contains` mode
//!
//! Both the recorded and the target's list keep only the items of `data` that mention an id the
//! case already knows (from an earlier response or from this step's request) and drop
//! `has_more`, so items other cases created on a shared target do not count.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::case::{Case, ListMode, Request, Response};
use crate::check::Level;
use crate::correlate::{Answers, Correlation, Kept};
use crate::golden::GoldenFile;
use crate::ids;
use crate::normalize::{number, snapshot, snapshot_owned, Rule, Snapshot, Symbols};
use crate::target::{Exchange, Outgoing, Payload, Target};
use crate::transcript::{Answer, Json, Normalized, StepRun, Transcript};
pub use crate::transcript::{Expected, ExpectedStep};
use crate::validate::SchemaSet;

/// What a case runs against.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub target: &'a dyn Target,
    pub schemas: &'a SchemaSet,
    pub level: Level,
    /// Keep each step's normalized answer in its outcome (blessing from a target needs them;
    /// a run does not, and dropping them keeps memory flat).
    pub keep_answers: bool,
}

fn rules<'r>(case: &'r Case, step: usize, extra: &'r [Rule]) -> Vec<&'r Rule> {
    case.normalize
        .iter()
        .chain(&case.steps[step].step.normalize)
        .chain(extra)
        .collect()
}

/// Whether `case` needs the ids seen so far: only `contains` lists read them.
fn tracks_ids(case: &Case) -> bool {
    case.steps.iter().any(|s| s.step.list == ListMode::Contains)
}

/// Normalizes every recorded response of `case`, with `extra` rules (the golden file's).
pub fn expected<'c>(case: &'c Case, extra: &[Rule]) -> Expected<'c> {
    recordings(case, extra, |response, body, rules, symbols| {
        snapshot(response.status, &response.headers, body, rules, symbols)
    })
}

/// Takes the recordings of `case` in order, each body as compared (filtered in `contains`
/// mode), and `make`s what is kept of each with its rules and the case's symbol table.
fn recordings<'c, S>(
    case: &'c Case,
    extra: &[Rule],
    mut make: impl FnMut(&Response, &Value, &[&Rule], &mut Symbols) -> S,
) -> Expected<'c, S> {
    let mut symbols = Symbols::default();
    let tracking = tracks_ids(case);
    let mut known = HashSet::new();
    let mut steps = Vec::with_capacity(case.steps.len());
    for (i, named) in case.steps.iter().enumerate() {
        let step = &named.step;
        let mut body = Cow::Borrowed(&step.response.body);
        if tracking {
            request_ids(&step.request, &mut known);
            if step.list == ListMode::Contains {
                keep_related(body.to_mut(), &known);
            }
            collect_ids(&step.response.body, &mut known);
        }
        let snapshot = make(&step.response, &body, &rules(case, i, extra), &mut symbols);
        steps.push(ExpectedStep { body, snapshot });
    }
    Expected { symbols, steps }
}

/// Runs `case` against the context's target into its [`Transcript`]: each step's request is
/// built (templates and ids of earlier answers), sent, and its answer kept and normalized.
/// Nothing is judged here; a step whose answer leaves later steps nothing to run on (no answer,
/// not JSON, a setup step answered with another status than recorded, an id a later request
/// needs missing) stops the case, and the steps after it are [`Answer::NotRun`].
pub fn run_case<'c>(
    case: &'c Case,
    golden: Option<&'c GoldenFile>,
    ctx: Context<'_>,
) -> Transcript<'c> {
    let started = Instant::now();
    let extra = golden.map_or(&[][..], |g| g.normalize.as_slice());
    // A recording's snapshot is made up front when the target answers with the recordings
    // themselves, or when rules apply; otherwise only the symbols it would add are taken, and
    // it is made if a step is answered with its recording after all.
    let up_front = ctx.target.answers_with_recordings();
    let Expected {
        symbols,
        steps: mut recorded,
    } = recordings(case, extra, |response, body, rules, symbols| {
        if up_front || !rules.is_empty() {
            Some(snapshot(
                response.status,
                &response.headers,
                body,
                rules,
                symbols,
            ))
        } else {
            number(&response.headers, body, symbols);
            None
        }
    });
    let mut run = CaseRun {
        case,
        ctx,
        correlation: Correlation::default(),
        answers: Answers {
            steps: Default::default(),
            now: unix_now(),
        },
        // Ids the target echoes unchanged (sent as recorded) keep their recorded symbols.
        symbols: symbols.clone(),
        recorded: symbols,
        known: tracks_ids(case).then(HashSet::new),
        origins: (!up_front).then(std::cell::OnceCell::new),
    };
    let mut steps = Vec::with_capacity(case.steps.len());
    let mut stop = None;
    for (i, expected) in recorded.iter_mut().enumerate() {
        if let Some(by) = stop {
            steps.push(StepRun {
                sent: None,
                answer: Answer::NotRun { by },
                duration: Duration::ZERO,
            });
            continue;
        }
        let step_started = Instant::now();
        let (answer, sent, stops) = run.step(i, expected, extra);
        stop = stops;
        steps.push(StepRun {
            sent,
            answer,
            duration: step_started.elapsed(),
        });
    }
    Transcript {
        case,
        golden,
        base_url: ctx.target.base_url().map(str::to_owned),
        recorded,
        steps,
        duration: started.elapsed(),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// For each id a recorded response shows first (no request at or before it had it), the step
/// whose answer must bring it.
fn origins_of(case: &Case) -> HashMap<String, usize> {
    let mut seen = HashSet::new();
    let mut origins = HashMap::new();
    for (i, named) in case.steps.iter().enumerate() {
        request_ids(&named.step.request, &mut seen);
        let mut shown = HashSet::new();
        collect_ids(&named.step.response.body, &mut shown);
        for id in shown {
            if seen.insert(id.clone()) {
                origins.insert(id, i);
            }
        }
    }
    origins
}

struct CaseRun<'c, 'x> {
    case: &'c Case,
    ctx: Context<'x>,
    correlation: Correlation,
    answers: Answers<'c>,
    symbols: Symbols,
    /// The symbols of the recorded ids.
    recorded: Symbols,
    /// Ids the target has shown this case so far; kept only when a step lists in `contains`
    /// mode, the one use of them.
    known: Option<HashSet<String>>,
    /// Which step brings each recorded id, worked out the first time a request holds an id
    /// the target has not paired (never for the built-in target, which answers every id as
    /// recorded).
    origins: Option<std::cell::OnceCell<HashMap<String, usize>>>,
}

/// Why a request could not be built, and the step whose answer lacked what it needed.
type Unbuilt = (String, Option<usize>);

impl<'c> CaseRun<'c, '_> {
    /// Gives each id the target used for a recorded one the recorded id's symbol.
    fn assign_paired_symbols(&mut self) {
        for (recorded, actual) in self.correlation.pairs() {
            if let Some(symbol) = self.recorded.get(recorded) {
                self.symbols.assign(actual, symbol);
            }
        }
    }

    /// Runs step `i`: its answer, the request sent, and the step that stops the case, if any.
    fn step(
        &mut self,
        i: usize,
        expected: &mut ExpectedStep<'c, Option<Snapshot>>,
        extra: &[Rule],
    ) -> (Answer<'c>, Option<Outgoing>, Option<usize>) {
        let case = self.case;
        let request = match self.build(i) {
            Ok(request) => request,
            Err((reason, from)) => {
                return (
                    Answer::Unsent { reason, from },
                    None,
                    Some(from.unwrap_or(i)),
                );
            }
        };
        let sent = Outgoing::of(&request, case.stripe_version.as_deref());
        let exchange = Exchange { case, step: i };
        let answer = match self.ctx.target.send(exchange, &sent) {
            Ok(answer) => answer,
            Err(err) => return (Answer::Transport(err), Some(sent), Some(i)),
        };
        let body: Cow<'c, Value> = match &answer.body {
            Payload::Value(value) => Cow::Borrowed(*value),
            Payload::Bytes(bytes) => match parse_body(bytes, answer.headers.get("content-type")) {
                Ok(body) => Cow::Owned(body),
                Err(err) => {
                    let (status, message) = (answer.status, err.to_string());
                    return (Answer::NotJson { status, message }, Some(sent), Some(i));
                }
            },
        };
        let status = answer.status;
        let json = self.keep(i, &request, answer, body, expected, extra);
        // A setup step answered otherwise than recorded leaves its subject no premise.
        let recorded_status = case.steps[i].step.response.status;
        let stops = (!case.is_subject(i) && status != recorded_status).then_some(i);
        (Answer::Json(json), Some(sent), stops)
    }

    /// The request of step `i` with templates resolved and recorded ids replaced; an error when
    /// a template cannot be resolved or an id an earlier answer should have brought is missing.
    fn build(&self, i: usize) -> Result<Request, Unbuilt> {
        let case = self.case;
        let written = &case.steps[i].step.request;
        let request = self
            .correlation
            .rewrite(written, &self.answers)
            .map_err(|err| {
                let named = err.template.trim_start_matches("${");
                let name = named.split(['.', '}']).next().unwrap_or("");
                let from = case.steps[..i].iter().position(|s| &*s.name == name);
                (err.to_string(), from)
            })?;
        if let Some(origins) = &self.origins {
            let mut needed = HashSet::new();
            request_ids(written, &mut needed);
            needed.retain(|id| self.correlation.actual(id).is_none());
            if needed.is_empty() {
                return Ok(request);
            }
            let origins = origins.get_or_init(|| origins_of(case));
            let mut missing: Vec<(usize, &String)> = needed
                .iter()
                .filter_map(|id| origins.get(id).map(|&from| (from, id)))
                .filter(|&(from, _)| from < i)
                .collect();
            missing.sort();
            if let Some(&(from, id)) = missing.first() {
                return Err((
                    format!(
                        "the request needs the id recorded as `{id}`, which the answer of step `{}` did not return where the recording has it",
                        case.steps[from].name
                    ),
                    Some(from),
                ));
            }
        }
        Ok(request)
    }

    /// Keeps a JSON answer: learns the ids it pairs with the recording, keeps it for later
    /// templates and normalizes it with the case's symbols.
    fn keep(
        &mut self,
        i: usize,
        request: &Request,
        mut answer: crate::target::Answer<'c>,
        body: Cow<'c, Value>,
        expected: &mut ExpectedStep<'c, Option<Snapshot>>,
        extra: &[Rule],
    ) -> Json<'c> {
        let step = &self.case.steps[i].step;
        let recorded = &step.response.body;
        // Only `contains` lists need the ids seen so far. The answer's own ids count for later
        // steps, not for filtering this one.
        let mut fresh = HashSet::new();
        if let Some(known) = self.known.as_mut() {
            request_ids(request, known);
            collect_ids(&body, &mut fresh);
        }
        let last = i + 1 == self.case.steps.len();
        // An answer that is the recording itself (the built-in target) normalizes to the
        // expected snapshot: its body is neither copied nor normalized again (only its few
        // headers are). A `contains` list is filtered by what the target showed, so it takes
        // the general path.
        let identical = std::ptr::eq(body.as_ref(), recorded) && step.list != ListMode::Contains;
        let mut compared = (!identical).then(|| body.as_ref().clone());
        if !last {
            // Later steps' templates may read this answer: the recording itself, or the bytes
            // the target sent.
            let kept = match (
                &body,
                std::mem::replace(&mut answer.body, Payload::Bytes(Vec::new())),
            ) {
                (Cow::Borrowed(value), _) => Kept::Value(Cow::Borrowed(*value)),
                (Cow::Owned(_), Payload::Bytes(bytes)) => Kept::bytes(bytes),
                (Cow::Owned(value), Payload::Value(_)) => Kept::Value(Cow::Owned(value.clone())),
            };
            let name = self.case.steps[i].name.to_string();
            self.answers.steps.insert(name, (answer.status, kept));
        }
        if let Some(known) = self.known.as_mut() {
            if let (Some(compared), ListMode::Contains) = (compared.as_mut(), step.list) {
                keep_related(compared, known);
            }
            known.extend(fresh);
        }
        // The recording paired with itself on the last step teaches nothing anyone reads.
        if !(identical && last) {
            self.correlation
                .learn(&expected.body, compared.as_ref().unwrap_or(recorded));
            self.assign_paired_symbols();
        }
        let normalized = self.normalize(i, &answer, compared, expected, extra);
        Json {
            status: answer.status,
            body,
            normalized,
        }
    }

    /// Normalizes an answer with the case's symbols: `compared` when the answer is not the
    /// recording itself, else only its headers (the body is the recorded snapshot, made here
    /// if it was not made up front).
    fn normalize(
        &mut self,
        i: usize,
        answer: &crate::target::Answer<'c>,
        compared: Option<Value>,
        expected: &mut ExpectedStep<'c, Option<Snapshot>>,
        extra: &[Rule],
    ) -> Normalized {
        let step = &self.case.steps[i].step;
        let rules = rules(self.case, i, extra);
        match compared {
            Some(compared) => Normalized::Own(snapshot_owned(
                answer.status,
                &answer.headers,
                compared,
                &rules,
                &mut self.symbols,
            )),
            None => {
                let headers =
                    crate::normalize::normalize_headers(&answer.headers, &mut self.symbols);
                // Every recorded id has its symbol by now, so a snapshot made late is the one
                // that would have been made up front.
                if expected.snapshot.is_none() {
                    expected.snapshot = Some(snapshot(
                        step.response.status,
                        &step.response.headers,
                        &expected.body,
                        &rules,
                        &mut self.recorded.clone(),
                    ));
                }
                Normalized::Recording { headers }
            }
        }
    }
}

/// An answer body that is not JSON: what it says shows the content type and its first
/// characters.
#[derive(Debug, thiserror::Error)]
#[error("the answer is not JSON ({source}); content-type {content_type}, {bytes} bytes starting `{start}`")]
pub struct NotJson {
    pub source: serde_json::Error,
    pub content_type: String,
    pub bytes: usize,
    pub start: String,
}

/// Parses an answer body: empty is `null`; anything that is not JSON is a [`NotJson`].
pub fn parse_body(bytes: &[u8], content_type: Option<&String>) -> Result<Value, NotJson> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|source| {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]);
        let start: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        NotJson {
            source,
            content_type: content_type.map_or("missing", |c| c.as_str()).to_owned(),
            bytes: bytes.len(),
            start: start.trim().to_owned(),
        }
    })
}

/// Adds every id found in a request (path, query, headers, body) to `known`.
pub fn request_ids(request: &Request, known: &mut HashSet<String>) {
    ids_in_text(&request.path, known);
    for value in request.headers.values() {
        ids_in_text(value, known);
    }
    for value in [&request.query, &request.form, &request.json]
        .into_iter()
        .flatten()
    {
        collect_ids(value, known);
    }
}

fn ids_in_text(text: &str, known: &mut HashSet<String>) {
    ids::replace_ids(text, |id| {
        known.insert(id.to_owned());
        None
    });
}

/// Adds every id string inside `value` to `known`.
pub fn collect_ids(value: &Value, known: &mut HashSet<String>) {
    match value {
        Value::String(text) if ids::is_id(text) => {
            known.insert(text.clone());
        }
        Value::Object(map) => map.values().for_each(|v| collect_ids(v, known)),
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, known)),
        _ => {}
    }
}

fn mentions(value: &Value, known: &HashSet<String>) -> bool {
    match value {
        Value::String(text) => known.contains(text),
        Value::Object(map) => map.values().any(|v| mentions(v, known)),
        Value::Array(items) => items.iter().any(|v| mentions(v, known)),
        _ => false,
    }
}

/// In a list body, keeps the `data` items that mention a known id and drops `has_more`.
fn keep_related(body: &mut Value, known: &HashSet<String>) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(items)) = map.get_mut("data") {
        items.retain(|item| mentions(item, known));
        map.remove("has_more");
    }
}

#[cfg(test)]
mod tests;
