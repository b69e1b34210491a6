//! Run results as plain data: owns [`CaseOutcome`], [`StepOutcome`], [`Failure`] and the
//! classification of every failure into a [`FailureClass`], which every report shares; and
//! [`CheckKey`], what identifies a failing check across runs (for expectations and rankings).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check::{Endpoint, Tally};
use crate::compare::{DiffKind, Difference};
use crate::normalize::Snapshot;
use crate::validate::Violation;

/// What kind of deviation or error made a step (or a case) fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The case file could not be read or parsed.
    Load,
    /// The golden file is missing or broken.
    Golden,
    /// A `${...}` template in a request could not be resolved.
    Template,
    /// No HTTP answer: refused, timed out, oversized.
    Transport,
    /// The answer was not JSON.
    NotJson,
    /// The status code differs from the golden file.
    Status,
    /// A response body breaks its schema.
    Schema,
    /// The golden file has a value the answer lacks.
    Missing,
    /// The answer has a value the golden file lacks.
    Added,
    /// A value differs.
    Changed,
    /// An id maps to a different symbol than in the golden file.
    IdIntegrity,
    /// A list holds the expected items in another order.
    ListOrder,
}

impl FailureClass {
    pub const ALL: [FailureClass; 12] = [
        FailureClass::Load,
        FailureClass::Golden,
        FailureClass::Template,
        FailureClass::Transport,
        FailureClass::NotJson,
        FailureClass::Status,
        FailureClass::Schema,
        FailureClass::Missing,
        FailureClass::Added,
        FailureClass::Changed,
        FailureClass::IdIntegrity,
        FailureClass::ListOrder,
    ];

    /// The stable name used in reports (`id_integrity`).
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Load => "load",
            FailureClass::Golden => "golden",
            FailureClass::Template => "template",
            FailureClass::Transport => "transport",
            FailureClass::NotJson => "not_json",
            FailureClass::Status => "status",
            FailureClass::Schema => "schema",
            FailureClass::Missing => "missing",
            FailureClass::Added => "added",
            FailureClass::Changed => "changed",
            FailureClass::IdIntegrity => "id_integrity",
            FailureClass::ListOrder => "list_order",
        }
    }

    /// A short human description (`status changed`).
    pub fn describe(self) -> &'static str {
        match self {
            FailureClass::Load => "case file error",
            FailureClass::Golden => "golden file problem",
            FailureClass::Template => "template error",
            FailureClass::Transport => "transport error",
            FailureClass::NotJson => "not JSON",
            FailureClass::Status => "status changed",
            FailureClass::Schema => "schema violation",
            FailureClass::Missing => "field missing",
            FailureClass::Added => "field added",
            FailureClass::Changed => "value changed",
            FailureClass::IdIntegrity => "id integrity broken",
            FailureClass::ListOrder => "list order differs",
        }
    }

    /// Which differences to fix first when they reach as far: the run could not happen, then
    /// behaviour (status, values, ids, order), then shape (schema, missing, added).
    pub fn rank(self) -> u8 {
        match self {
            FailureClass::Load | FailureClass::Golden | FailureClass::Template => 0,
            FailureClass::Transport | FailureClass::NotJson => 1,
            FailureClass::Status => 2,
            FailureClass::Changed => 3,
            FailureClass::IdIntegrity => 4,
            FailureClass::ListOrder => 5,
            FailureClass::Schema => 6,
            FailureClass::Missing => 7,
            FailureClass::Added => 8,
        }
    }

    /// The class named `name` (as [`FailureClass::name`] spells it).
    pub fn from_name(name: &str) -> Option<FailureClass> {
        FailureClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The class of one comparison difference.
    pub fn of_difference(difference: &Difference) -> FailureClass {
        if difference.pointer == "/status" {
            FailureClass::Status
        } else if difference.is_id_mismatch() {
            FailureClass::IdIntegrity
        } else {
            match difference.kind {
                DiffKind::Order => FailureClass::ListOrder,
                DiffKind::Missing => FailureClass::Missing,
                DiffKind::Added => FailureClass::Added,
                DiffKind::Changed => FailureClass::Changed,
            }
        }
    }
}

/// One reason a step or case failed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Failure {
    pub class: FailureClass,
    /// JSON pointer of the offending value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub message: String,
}

impl Failure {
    pub fn new(class: FailureClass, message: impl Into<String>) -> Failure {
        Failure {
            class,
            pointer: None,
            message: message.into(),
        }
    }

    pub fn at(
        class: FailureClass,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Failure {
        Failure {
            class,
            pointer: Some(pointer.into()),
            message: message.into(),
        }
    }

    /// A failure for one comparison difference.
    pub fn from_difference(difference: &Difference) -> Failure {
        let class = FailureClass::of_difference(difference);
        let message = match (&difference.expected, &difference.actual) {
            (Some(e), Some(a)) if difference.kind == DiffKind::Order => {
                format!("expected items in the order {e}, got {a}")
            }
            (Some(e), Some(a)) => format!("expected {e}, got {a}"),
            (Some(e), None) => format!("expected {e}, got nothing"),
            (None, Some(a)) => format!("unexpected {a}"),
            (None, None) => String::new(),
        };
        Failure::at(class, difference.pointer.clone(), message)
    }

    /// A failure for one schema violation of the `side` ("recorded" or "target") response.
    pub fn from_violation(side: &str, violation: &Violation) -> Failure {
        Failure::at(
            FailureClass::Schema,
            format!("/body{}", violation.pointer),
            format!(
                "{side} {}: {} ({})",
                violation.object, violation.message, violation.rule
            ),
        )
    }
}

/// Whether a step ran and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    Failed,
    /// Not run because an earlier step could not get an answer.
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
    /// Whether the step's checks count for its endpoint (not when an earlier setup step
    /// failed).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// The endpoint of the setup step that failed, when the case is blocked.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

    /// The keys of every failing check of the case and its charged steps (not the steps after
    /// a failed setup step), each once, sorted.
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
