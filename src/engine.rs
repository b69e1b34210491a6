//! Running one case: owns [`run_case`], which takes a case through its steps in order (resolve
//! ids and templates, send to the target, validate, normalize, compare with the golden file) and
//! returns a [`CaseOutcome`]; and [`expected`], the normalized recordings a golden file holds.
//! Nothing here prints or reads the environment.
//!
//! # List steps in `contains` mode
//!
//! Both the recorded and the target's list keep only the items of `data` that mention an id the
//! case already knows (from an earlier response or from this step's request) and drop
//! `has_more`, so items other cases created on a shared target do not count.

use std::borrow::Cow;
use std::collections::HashSet;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::case::{Case, ListMode, Request, Response};
use crate::check::{judge, CheckVerdict, Endpoint, Level};
use crate::compare::compare_step;
use crate::correlate::{Answers, Correlation, Kept};
use crate::form;
use crate::golden::GoldenFile;
use crate::ids;
use crate::normalize::{number, snapshot, snapshot_owned, Rule, Snapshot, SnapshotRef, Symbols};
use crate::outcome::{CaseOutcome, CaseStatus, Failure, FailureClass, StepOutcome, StepStatus};
use crate::target::{curl_command, Body, Exchange, Outgoing, Payload, Target};
use crate::validate::{SchemaSet, Severity};

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

/// The recordings of a case as compared, plus the symbol table their ids produced. `S` is what
/// is kept of each: its normalized [`Snapshot`] ([`expected`]), or in a run, that snapshot only
/// when it was made up front.
#[derive(Debug, Clone)]
pub struct Expected<'c, S = Snapshot> {
    pub symbols: Symbols,
    pub steps: Vec<ExpectedStep<'c, S>>,
}

#[derive(Debug, Clone)]
pub struct ExpectedStep<'c, S = Snapshot> {
    /// The recorded body as compared: borrowed from the case, or a filtered copy in
    /// `contains` mode.
    pub body: Cow<'c, Value>,
    pub snapshot: S,
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

/// Runs `case` against the context's target and compares with `golden` (a missing golden file
/// is a failure, but the steps still run so every other problem shows too).
pub fn run_case(case: &Case, golden: Option<&GoldenFile>, ctx: Context<'_>) -> CaseOutcome {
    let started = Instant::now();
    let extra = golden.map_or(&[][..], |g| g.normalize.as_slice());
    // A recording's snapshot is made up front when the target answers with the recordings
    // themselves, or when rules apply; otherwise only the symbols it would add are taken, and
    // it is made if a step is answered with its recording after all.
    let up_front = ctx.target.answers_with_recordings();
    let recorded = recordings(case, extra, |response, body, rules, symbols| {
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
        symbols: recorded.symbols.clone(),
        recorded: &recorded.symbols,
        known: tracks_ids(case).then(HashSet::new),
    };
    let mut failures = Vec::new();
    if golden.is_none() {
        failures.push(Failure::new(
            FailureClass::Golden,
            format!(
                "no golden file for this case; write it with `conform bless {}`",
                case.name
            ),
        ));
    } else if let Some(golden) = golden {
        for extra_step in golden
            .steps
            .iter()
            .filter(|g| !case.steps.iter().any(|s| s.name == g.name))
        {
            failures.push(Failure::new(
                FailureClass::Golden,
                format!(
                    "golden file has a step `{}` the case does not have; re-bless it",
                    extra_step.name
                ),
            ));
        }
    }
    let mut steps = Vec::with_capacity(case.steps.len());
    let mut stopped = false;
    for (i, recorded_step) in recorded.steps.iter().enumerate() {
        if stopped {
            let named = &case.steps[i];
            let request = &named.step.request;
            steps.push(StepOutcome::start(
                &named.name,
                &request.method,
                &request.path,
                StepStatus::NotRun,
            ));
            continue;
        }
        let golden_step = golden.map(|g| g.step(&case.steps[i].name));
        let (mut outcome, fatal) = run.step(i, recorded_step, golden_step, extra);
        outcome.checks.failed = outcome.failures.len();
        outcome.checks.warned = outcome.warnings.len();
        stopped = fatal;
        steps.push(outcome);
    }
    for (step, named) in steps.iter_mut().zip(&case.steps) {
        step.line = named.line;
    }
    let blocked_by = charge(case, &mut steps);
    let failed = !failures.is_empty() || steps.iter().any(|s| s.status != StepStatus::Passed);
    CaseOutcome {
        name: case.name.clone(),
        file: case.file.clone(),
        tags: case.tags.clone(),
        status: match (&blocked_by, failed) {
            (Some(_), _) => CaseStatus::Blocked,
            (None, true) => CaseStatus::Failed,
            (None, false) => CaseStatus::Passed,
        },
        duration: started.elapsed(),
        failures,
        steps,
        blocked_by,
        listed: None,
    }
}

/// Marks subject steps, and which steps count for their endpoints: once a setup step fails,
/// the steps after it ran on a broken premise and are not charged. Returns the endpoint of the
/// failing setup step, when there is one.
fn charge(case: &Case, steps: &mut [StepOutcome]) -> Option<Endpoint> {
    let mut blocked_by: Option<Endpoint> = None;
    for (i, step) in steps.iter_mut().enumerate() {
        step.subject = case.is_subject(i);
        step.charged = blocked_by.is_none();
        if blocked_by.is_none() && !step.subject && step.status != StepStatus::Passed {
            blocked_by = Some(step.endpoint.clone());
        }
    }
    blocked_by
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

struct CaseRun<'a> {
    case: &'a Case,
    ctx: Context<'a>,
    correlation: Correlation,
    answers: Answers<'a>,
    symbols: Symbols,
    /// The symbols of the recorded ids.
    recorded: &'a Symbols,
    /// Ids the target has shown this case so far; kept only when a step lists in `contains`
    /// mode, the one use of them.
    known: Option<HashSet<String>>,
}

impl<'a> CaseRun<'a> {
    /// Gives each id the target used for a recorded one the recorded id's symbol.
    fn assign_paired_symbols(&mut self) {
        for (recorded, actual) in self.correlation.pairs() {
            if let Some(symbol) = self.recorded.get(recorded) {
                self.symbols.assign(actual, symbol);
            }
        }
    }

    /// Runs step `i`; the flag says whether later steps cannot run.
    fn step(
        &mut self,
        i: usize,
        expected: &ExpectedStep<'_, Option<Snapshot>>,
        golden: Option<Option<&crate::golden::GoldenStep>>,
        extra: &[Rule],
    ) -> (StepOutcome, bool) {
        let started = Instant::now();
        let case: &'a Case = self.case;
        let named = &case.steps[i];
        let step = &named.step;
        let mut outcome = StepOutcome::start(
            &named.name,
            &step.request.method,
            &step.request.path,
            StepStatus::Failed,
        );
        let request = match self.correlation.rewrite(&step.request, &self.answers) {
            Ok(request) => request,
            Err(err) => {
                outcome
                    .failures
                    .push(Failure::new(FailureClass::Template, err.to_string()));
                outcome.duration = started.elapsed();
                return (outcome, true);
            }
        };
        let outgoing = outgoing(&request, self.case.stripe_version.as_deref());
        outcome.path = outgoing.path.clone();
        let level = self.ctx.level;
        let curl = || curl_command(self.ctx.target.base_url(), &outgoing);
        let mut answer = match self.ctx.target.send(
            Exchange {
                case: self.case,
                step: i,
            },
            &outgoing,
        ) {
            Ok(answer) => answer,
            Err(err) => {
                outcome.reached = matches!(err, crate::target::TransportError::TooLarge { .. });
                outcome
                    .failures
                    .push(Failure::new(FailureClass::Transport, err.to_string()));
                outcome.evidence_mut().curl = Some(curl());
                outcome.duration = started.elapsed();
                return (outcome, true);
            }
        };
        outcome.reached = true;
        outcome.http_status = Some(answer.status);
        let body: Cow<'_, Value> = match &answer.body {
            Payload::Value(value) => Cow::Borrowed(*value),
            Payload::Bytes(bytes) => match parse_body(bytes, answer.headers.get("content-type")) {
                Ok(body) => Cow::Owned(body),
                Err(message) => {
                    outcome
                        .failures
                        .push(Failure::new(FailureClass::NotJson, message));
                    outcome.evidence_mut().curl = Some(curl());
                    outcome.duration = started.elapsed();
                    return (outcome, true);
                }
            },
        };

        // Schema validation of both sides (once when they are equal): one passing check when
        // the target's body breaks no rule, else a check per broken rule.
        let mut schema_errors = 0;
        let recorded = &step.response.body;
        let mut sides = vec![("recorded", recorded)];
        if !std::ptr::eq(body.as_ref(), recorded) && body.as_ref() != recorded {
            sides.push(("target", body.as_ref()));
        }
        for (side, value) in sides {
            for violation in self.ctx.schemas.validate(value) {
                let failure = Failure::from_violation(side, &violation);
                match violation.severity {
                    Severity::Error => {
                        schema_errors += 1;
                        outcome.failures.push(failure);
                    }
                    Severity::Warning => outcome.warnings.push(failure),
                }
            }
        }
        if schema_errors == 0 {
            outcome.checks.passed += 1;
        }

        // Correlate ids, then normalize the target's answer with the recorded symbols.
        // Only `contains` lists need the ids seen so far. The answer's own ids count for later
        // steps, not for filtering this one.
        let mut fresh = HashSet::new();
        if let Some(known) = self.known.as_mut() {
            request_ids(&request, known);
            collect_ids(&body, &mut fresh);
        }
        // Later steps' templates may read this answer; the last step's is never read. The
        // answer is normalized in place, never copied: what later steps keep is the recording
        // itself, or the bytes the target sent.
        let last = i + 1 == self.case.steps.len();
        // An answer that is the recording itself (the built-in target) normalizes to the
        // expected snapshot already made: its body is neither copied nor normalized again (only
        // its few headers are). A `contains` list is filtered by what the target showed, so it
        // takes the general path.
        let identical = std::ptr::eq(body.as_ref(), recorded) && step.list != ListMode::Contains;
        let (mut compared, kept) = match (identical, last) {
            (true, _) => (
                None,
                (!last).then_some(Kept::Value(Cow::Borrowed(recorded))),
            ),
            (false, true) => (Some(body.into_owned()), None),
            (false, false) => {
                let kept = match std::mem::replace(&mut answer.body, Payload::Bytes(Vec::new())) {
                    Payload::Bytes(bytes) => Kept::bytes(bytes),
                    Payload::Value(_) => Kept::Value(Cow::Owned(body.as_ref().clone())),
                };
                (Some(body.into_owned()), Some(kept))
            }
        };
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
        let rules = rules(self.case, i, extra);
        let normalized = compared.map(|compared| {
            snapshot_owned(
                answer.status,
                &answer.headers,
                compared,
                &rules,
                &mut self.symbols,
            )
        });
        let (identical_headers, made);
        let actual = match &normalized {
            Some(snapshot) => snapshot.view(),
            None => {
                identical_headers =
                    crate::normalize::normalize_headers(&answer.headers, &mut self.symbols);
                // Every recorded id has its symbol by now, so a snapshot made late is the one
                // that would have been made up front.
                let recorded_snapshot = match &expected.snapshot {
                    Some(snapshot) => snapshot,
                    None => {
                        made = snapshot(
                            step.response.status,
                            &step.response.headers,
                            &expected.body,
                            &rules,
                            &mut self.recorded.clone(),
                        );
                        &made
                    }
                };
                SnapshotRef {
                    status: answer.status,
                    headers: &identical_headers,
                    body: &recorded_snapshot.body,
                }
            }
        };
        match golden {
            Some(Some(golden)) => {
                let label = || format!("{} step {}", self.case.name, named.name);
                match compare_step(golden, actual, label) {
                    Ok(comparison) => {
                        outcome.checks.passed += comparison.passed;
                        let mut failed = false;
                        for difference in &comparison.differences {
                            let failure = Failure::from_difference(difference);
                            match judge(difference, level) {
                                CheckVerdict::Failed => {
                                    failed = true;
                                    outcome.failures.push(failure);
                                }
                                _ => outcome.warnings.push(failure),
                            }
                        }
                        if failed {
                            outcome.evidence_mut().diff = comparison.diff;
                        }
                    }
                    Err(message) => outcome.failures.push(Failure::new(
                        FailureClass::Golden,
                        format!(
                            "golden file step `{}`: its body cannot be read: {message}",
                            named.name
                        ),
                    )),
                }
            }
            Some(None) => outcome.failures.push(Failure::new(
                FailureClass::Golden,
                format!(
                    "golden file has no step `{}`; re-bless the case",
                    named.name
                ),
            )),
            None => {}
        }
        if self.ctx.keep_answers {
            outcome.evidence_mut().actual = Some(actual.to_snapshot());
        }
        if let Some(body) = kept {
            self.answers
                .steps
                .insert(named.name.clone(), (answer.status, body));
        }
        if !outcome.failures.is_empty() {
            outcome.evidence_mut().curl = Some(curl());
        } else {
            outcome.status = StepStatus::Passed;
        }
        outcome.duration = started.elapsed();
        (outcome, false)
    }
}

/// The request as sent: query appended to the path, body encoded, `Stripe-Version` added.
pub fn outgoing(request: &Request, stripe_version: Option<&str>) -> Outgoing {
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

/// Parses an answer body: empty is `null`; anything that is not JSON is an error that shows
/// the content type and the first characters.
pub fn parse_body(bytes: &[u8], content_type: Option<&String>) -> Result<Value, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|err| {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]);
        let snippet: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "the answer is not JSON ({err}); content-type {}, {} bytes starting `{}`",
            content_type.map_or("missing", |c| c.as_str()),
            bytes.len(),
            snippet.trim()
        )
    })
}

/// Adds every id found in a request (path, query, headers, body) to `known`.
fn request_ids(request: &Request, known: &mut HashSet<String>) {
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
fn collect_ids(value: &Value, known: &mut HashSet<String>) {
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
