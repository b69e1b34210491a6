//! Run results as plain data: owns [`CaseOutcome`] and [`StepOutcome`], assembled from a
//! transcript and the records its checks returned ([`CaseOutcome::assemble`]), which every
//! report shares; and [`CheckKey`], what identifies a failing check across runs (for
//! expectations and rankings).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::{CheckVerdict, Endpoint, Record, Tally};
pub use crate::check::{Failure, FailureClass};
use crate::normalize::Snapshot;
use crate::target::{curl_command, TransportError};
use crate::transcript::{Answer, Transcript};

/// Whether a step ran and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    Failed,
    /// Not run because an earlier step left it nothing to run on.
    NotRun,
}

/// What identifies a failing check across runs: the endpoint it belongs to (none for a
/// failure of the case file or golden file), the JSON pointer (or `-`) and the kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CheckKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    pub pointer: String,
    pub kind: FailureClass,
}

impl CheckKey {
    pub fn new(endpoint: Option<&Endpoint>, failure: &Failure) -> CheckKey {
        CheckKey {
            endpoint: endpoint.cloned(),
            pointer: crate::pointer::pattern(failure.pointer.as_deref()),
            kind: failure.class,
        }
    }
}

impl std::fmt::Display for CheckKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.endpoint {
            Some(endpoint) => write!(f, "{endpoint}  {}  {}", self.pointer, self.kind.name()),
            None => write!(f, "case  {}  {}", self.pointer, self.kind.name()),
        }
    }
}

/// The result of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub name: Arc<str>,
    pub method: Arc<str>,
    /// The path actually sent, query string included.
    pub path: String,
    /// The endpoint the step's checks count for.
    pub endpoint: Endpoint,
    /// The line of the case file where the step starts (0 when unknown).
    pub line: usize,
    /// Whether the step is what the case tests (rather than setup for it).
    pub subject: bool,
    /// Whether the step ran, so its failures are its own (a step not run fails its checks
    /// because of the step that stopped the case).
    pub charged: bool,
    pub status: StepStatus,
    pub checks: Tally,
    /// Whether the target answered at all (a status line, even when the body was unusable).
    #[serde(skip)]
    pub reached: bool,
    /// The HTTP status the target answered, if it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    pub failures: Vec<Failure>,
    /// Differences the level does not count as failures, and schema warnings (undocumented
    /// attributes).
    pub warnings: Vec<Failure>,
    /// What a failing step (or a step run to bless) carries beyond its checks; boxed, since a
    /// passing step has none and a run holds every outcome.
    #[serde(flatten)]
    pub evidence: Option<Box<Evidence>>,
}

/// A step's diff, reproduction command and normalized answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// Unified diff against the golden file; empty when equal.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub diff: String,
    /// A command that reproduces the request by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// The target's normalized answer (what `bless --target` writes).
    #[serde(skip)]
    pub actual: Option<Snapshot>,
}

impl StepOutcome {
    /// A step with no result yet, as the request was written in the case.
    pub fn start(name: &str, method: &str, path: &str, status: StepStatus) -> StepOutcome {
        let endpoint = Endpoint::of(method, path);
        StepOutcome {
            name: crate::check::intern(name),
            method: Arc::clone(&endpoint.method),
            path: path.to_owned(),
            endpoint,
            line: 0,
            subject: true,
            charged: true,
            status,
            checks: Tally::default(),
            reached: false,
            http_status: None,
            duration: Duration::ZERO,
            failures: Vec::new(),
            warnings: Vec::new(),
            evidence: None,
        }
    }

    /// Step `i` of a transcript as it ran, before its checks are counted.
    pub fn of_run(transcript: &Transcript<'_>, i: usize, keep_answers: bool) -> StepOutcome {
        let named = &transcript.case.steps[i];
        let run = &transcript.steps[i];
        let request = &named.step.request;
        let mut step = StepOutcome::start(
            &named.name,
            &request.method,
            &request.path,
            StepStatus::Passed,
        );
        step.line = named.line;
        step.subject = transcript.case.is_subject(i);
        step.duration = run.duration;
        if let Some(sent) = &run.sent {
            step.path = sent.path.clone();
        }
        match &run.answer {
            Answer::NotRun { .. } => {
                step.status = StepStatus::NotRun;
                step.charged = false;
            }
            Answer::Transport(err) => {
                step.reached = matches!(err, TransportError::TooLarge { .. });
            }
            Answer::NotJson { status, .. } => {
                step.reached = true;
                step.http_status = Some(*status);
            }
            Answer::Json(json) => {
                step.reached = true;
                step.http_status = Some(json.status);
            }
            Answer::Unsent { .. } => {}
        }
        if keep_answers {
            if let Some(actual) = transcript.actual(i) {
                step.evidence_mut().actual = Some(actual.to_snapshot());
            }
        }
        step
    }

    /// Counts one record of this step: its weight by verdict, an added attribute apart, and its
    /// failure as a failure (which fails the step) or a warning.
    pub fn count(&mut self, record: Record) {
        match record.verdict {
            CheckVerdict::Passed => self.checks.passed += record.weight,
            CheckVerdict::Failed => self.checks.failed += record.weight,
            CheckVerdict::Warned => self.checks.warned += record.weight,
        }
        self.checks.added += usize::from(record.added);
        if let Some(diff) = record.diff {
            self.evidence_mut().diff = diff;
        }
        match (record.verdict, record.failure) {
            (CheckVerdict::Failed, Some(failure)) => {
                if self.status == StepStatus::Passed {
                    self.status = StepStatus::Failed;
                }
                self.failures.push(failure);
            }
            (_, Some(failure)) => self.warnings.push(failure),
            (_, None) => {}
        }
    }

    /// The step's evidence, created on first use.
    pub fn evidence_mut(&mut self) -> &mut Evidence {
        self.evidence.get_or_insert_with(Box::default)
    }

    /// Unified diff against the golden file; empty when equal.
    pub fn diff(&self) -> &str {
        self.evidence.as_deref().map_or("", |e| e.diff.as_str())
    }

    /// A command that reproduces the request by hand.
    pub fn curl(&self) -> Option<&str> {
        self.evidence.as_deref().and_then(|e| e.curl.as_deref())
    }

    /// The target's normalized answer, when the run kept it.
    pub fn actual(&self) -> Option<&Snapshot> {
        self.evidence.as_deref().and_then(|e| e.actual.as_ref())
    }
}

fn millis<S: serde::Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((duration.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0)
}

/// Whether a case passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Passed,
    Failed,
    /// A setup step failed, so the subject steps could not be judged.
    Blocked,
    /// Not run (`--fail-fast` stopped the run first).
    Skipped,
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    pub name: Arc<str>,
    pub file: Arc<Path>,
    pub tags: Vec<String>,
    pub status: CaseStatus,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    /// Failures that belong to no step (the case file or golden file is broken).
    pub failures: Vec<Failure>,
    pub steps: Vec<StepOutcome>,
    /// The endpoint of the setup step that stopped the case, when it is blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<Endpoint>,
    /// Set when an expectations file lists this case as a known failure; boxed, since most
    /// cases are not listed and a run holds every outcome.
    #[serde(flatten)]
    pub listed: Option<Box<Listed>>,
}

/// What an expectations file says about a case it lists, set against the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Listed {
    /// The reason given (or an empty string).
    #[serde(rename = "expected_failure")]
    pub reason: String,
    /// Failing checks the expectations file does not list for this case.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regressions: Vec<CheckKey>,
    /// Checks the expectations file lists for this case that no longer fail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<CheckKey>,
}

/// A case's result once expectations are taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    /// A setup step failed (see [`CaseStatus::Blocked`]); fails the run like a failure.
    Blocked,
    Skipped,
    /// Failed, and listed as a known failure.
    ExpectedFailure,
    /// Passed, but listed as a known failure: the list can shrink.
    UnexpectedlyPassing,
}

impl Verdict {
    /// Whether this verdict fails the run.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Verdict::Failed | Verdict::Blocked | Verdict::UnexpectedlyPassing
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Blocked => "blocked",
            Verdict::Skipped => "skipped",
            Verdict::ExpectedFailure => "expected_failure",
            Verdict::UnexpectedlyPassing => "unexpectedly_passing",
        }
    }
}

impl CaseOutcome {
    /// The outcome of a case from its transcript and the records its checks returned: each
    /// record counts for its step (or the case) by its weight and verdict, failed and warned
    /// records become the step's failures and warnings, and a failing step gets a reproduction
    /// command. `keep_answers` keeps each normalized answer (to bless from a target).
    pub fn assemble(
        transcript: &Transcript<'_>,
        records: Vec<Record>,
        keep_answers: bool,
    ) -> CaseOutcome {
        let case = transcript.case;
        let mut steps: Vec<StepOutcome> = (0..case.steps.len())
            .map(|i| StepOutcome::of_run(transcript, i, keep_answers))
            .collect();
        let mut failures = Vec::new();
        for record in records {
            match record.step.and_then(|i| steps.get_mut(i)) {
                Some(step) => step.count(record),
                None => failures.extend(record.failure),
            }
        }
        for (step, run) in steps.iter_mut().zip(&transcript.steps) {
            if step.status == StepStatus::Failed {
                if let Some(sent) = &run.sent {
                    step.evidence_mut().curl =
                        Some(curl_command(transcript.base_url.as_deref(), sent));
                }
            }
        }
        let blocked_by = transcript.blocked_by().map(|i| steps[i].endpoint.clone());
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
            duration: transcript.duration,
            failures,
            steps,
            blocked_by,
            listed: None,
        }
    }

    /// The reason of an expectations file that lists this case.
    pub fn expected_failure(&self) -> Option<&str> {
        self.listed.as_deref().map(|l| l.reason.as_str())
    }

    /// Failing checks the expectations file does not list for this case.
    pub fn regressions(&self) -> &[CheckKey] {
        self.listed.as_deref().map_or(&[], |l| &l.regressions)
    }

    /// Listed checks that no longer fail.
    pub fn fixed(&self) -> &[CheckKey] {
        self.listed.as_deref().map_or(&[], |l| &l.fixed)
    }

    pub fn verdict(&self) -> Verdict {
        let listed = self.listed.is_some();
        let regressed = !self.regressions().is_empty();
        match self.status {
            CaseStatus::Skipped => Verdict::Skipped,
            CaseStatus::Passed if listed => Verdict::UnexpectedlyPassing,
            CaseStatus::Passed => Verdict::Passed,
            _ if listed && !regressed => Verdict::ExpectedFailure,
            CaseStatus::Blocked => Verdict::Blocked,
            CaseStatus::Failed => Verdict::Failed,
        }
    }

    /// An outcome for a case that never ran its steps.
    pub fn broken(name: &str, file: PathBuf, failure: Failure) -> CaseOutcome {
        CaseOutcome {
            name: name.into(),
            file: file.into(),
            tags: Vec::new(),
            status: CaseStatus::Failed,
            duration: Duration::ZERO,
            failures: vec![failure],
            steps: Vec::new(),
            blocked_by: None,
            listed: None,
        }
    }

    pub fn skipped(name: &str, file: PathBuf) -> CaseOutcome {
        CaseOutcome {
            status: CaseStatus::Skipped,
            failures: Vec::new(),
            ..CaseOutcome::broken(name, file, Failure::new(FailureClass::Load, ""))
        }
    }

    pub fn passed(&self) -> bool {
        self.status == CaseStatus::Passed
    }

    /// Every failure of the case and its steps.
    pub fn all_failures(&self) -> impl Iterator<Item = &Failure> {
        self.failures
            .iter()
            .chain(self.steps.iter().flat_map(|s| s.failures.iter()))
    }

    /// The keys of every failing check of the case and its steps that ran (a step not run
    /// fails because of the one that stopped the case), each once, sorted.
    pub fn failing_checks(&self) -> Vec<CheckKey> {
        let mut keys: Vec<CheckKey> = self
            .failures
            .iter()
            .map(|f| CheckKey::new(None, f))
            .chain(self.steps.iter().filter(|s| s.charged).flat_map(|s| {
                s.failures
                    .iter()
                    .map(move |f| CheckKey::new(Some(&s.endpoint), f))
            }))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Checks over every step of the case (case-level failures count as failed checks).
    pub fn checks(&self) -> Tally {
        let mut tally = Tally {
            failed: self.failures.len(),
            ..Tally::default()
        };
        for step in &self.steps {
            tally.add(step.checks);
        }
        tally
    }

    /// The failure classes of this case, each once, sorted.
    pub fn classes(&self) -> Vec<FailureClass> {
        let mut classes: Vec<FailureClass> = self.all_failures().map(|f| f.class).collect();
        classes.sort();
        classes.dedup();
        classes
    }

    /// The resource group (`checkout/sessions` of `checkout/sessions/create`).
    pub fn group(&self) -> &str {
        crate::case::group_of(&self.name)
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    /// Blocked by a failing setup step (not counted in `failed`, but failing the run).
    pub blocked: usize,
    pub skipped: usize,
    /// Failed as the expectations file says (counted in neither `passed` nor `failed`).
    pub expected_failures: usize,
    /// Passed although listed as known failures (counted in `failed`: they fail the run).
    pub unexpectedly_passing: usize,
    /// Failing cases per class.
    pub classes: BTreeMap<&'static str, usize>,
    /// Checks over every step that ran.
    pub checks: Tally,
}

impl Summary {
    pub fn of(outcomes: &[CaseOutcome]) -> Summary {
        let mut summary = Summary::default();
        for outcome in outcomes {
            match outcome.verdict() {
                Verdict::Passed => summary.passed += 1,
                Verdict::Failed => summary.failed += 1,
                Verdict::Blocked => summary.blocked += 1,
                Verdict::Skipped => summary.skipped += 1,
                Verdict::ExpectedFailure => summary.expected_failures += 1,
                Verdict::UnexpectedlyPassing => {
                    summary.failed += 1;
                    summary.unexpectedly_passing += 1;
                }
            }
            for class in outcome.classes() {
                *summary.classes.entry(class.name()).or_default() += 1;
            }
            summary.checks.add(outcome.checks());
        }
        summary
    }

    /// `N passed, N failed`, then `, N skipped`, `, N expected failures` and
    /// `, N unexpectedly passing` when there are any.
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.blocked > 0 {
            line.push_str(&format!(", {} blocked", self.blocked));
        }
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped", self.skipped));
        }
        if self.expected_failures > 0 {
            line.push_str(&format!(", {} expected failures", self.expected_failures));
        }
        if self.unexpectedly_passing > 0 {
            line.push_str(&format!(
                ", {} unexpectedly passing",
                self.unexpectedly_passing
            ));
        }
        line
    }

    /// Whether the run passes: nothing failed or was blocked, and nothing passed unexpectedly.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.blocked == 0
    }
}
