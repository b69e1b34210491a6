//! Run results as plain data: owns [`CaseOutcome`], [`StepOutcome`], [`Failure`] and the
//! classification of every failure into a [`FailureClass`], which every report shares.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::compare::{DiffKind, Difference};
use crate::normalize::Snapshot;
use crate::validate::Violation;

/// What kind of deviation or error made a step (or a case) fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
}

impl FailureClass {
    pub const ALL: [FailureClass; 11] = [
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
        }
    }

    /// The class of one comparison difference.
    pub fn of_difference(difference: &Difference) -> FailureClass {
        if difference.pointer == "/status" {
            FailureClass::Status
        } else if difference.is_id_mismatch() {
            FailureClass::IdIntegrity
        } else {
            match difference.kind {
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

/// The result of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub name: String,
    pub method: String,
    /// The path actually sent, query string included.
    pub path: String,
    pub status: StepStatus,
    /// The HTTP status the target answered, if it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    pub failures: Vec<Failure>,
    /// Schema warnings (undocumented attributes) that do not fail the step.
    pub warnings: Vec<Violation>,
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
        StepOutcome {
            name: name.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            http_status: None,
            duration: Duration::ZERO,
            failures: Vec::new(),
            warnings: Vec::new(),
            diff: String::new(),
            curl: None,
            actual: None,
        }
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
    /// Not run (`--fail-fast` stopped the run first).
    Skipped,
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    pub name: String,
    pub file: PathBuf,
    pub tags: Vec<String>,
    pub status: CaseStatus,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    /// Failures that belong to no step (the case file or golden file is broken).
    pub failures: Vec<Failure>,
    pub steps: Vec<StepOutcome>,
    /// Set when an expectations file lists this case as a known failure (with its reason, or
    /// an empty string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_failure: Option<String>,
}

/// A case's result once expectations are taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    Skipped,
    /// Failed, and listed as a known failure.
    ExpectedFailure,
    /// Passed, but listed as a known failure: the list can shrink.
    UnexpectedlyPassing,
}

impl Verdict {
    /// Whether this verdict fails the run.
    pub fn is_bad(self) -> bool {
        matches!(self, Verdict::Failed | Verdict::UnexpectedlyPassing)
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Skipped => "skipped",
            Verdict::ExpectedFailure => "expected_failure",
            Verdict::UnexpectedlyPassing => "unexpectedly_passing",
        }
    }
}

impl CaseOutcome {
    pub fn verdict(&self) -> Verdict {
        match (self.status, self.expected_failure.is_some()) {
            (CaseStatus::Skipped, _) => Verdict::Skipped,
            (CaseStatus::Passed, false) => Verdict::Passed,
            (CaseStatus::Passed, true) => Verdict::UnexpectedlyPassing,
            (CaseStatus::Failed, false) => Verdict::Failed,
            (CaseStatus::Failed, true) => Verdict::ExpectedFailure,
        }
    }

    /// An outcome for a case that never ran its steps.
    pub fn broken(name: &str, file: PathBuf, failure: Failure) -> CaseOutcome {
        CaseOutcome {
            name: name.to_owned(),
            file,
            tags: Vec::new(),
            status: CaseStatus::Failed,
            duration: Duration::ZERO,
            failures: vec![failure],
            steps: Vec::new(),
            expected_failure: None,
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
    pub skipped: usize,
    /// Failed as the expectations file says (counted in neither `passed` nor `failed`).
    pub expected_failures: usize,
    /// Passed although listed as known failures (counted in `failed`: they fail the run).
    pub unexpectedly_passing: usize,
    /// Failing steps (or cases, for case-level failures) per class.
    pub classes: BTreeMap<&'static str, usize>,
}

impl Summary {
    pub fn of(outcomes: &[CaseOutcome]) -> Summary {
        let mut summary = Summary::default();
        for outcome in outcomes {
            match outcome.verdict() {
                Verdict::Passed => summary.passed += 1,
                Verdict::Failed => summary.failed += 1,
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
        }
        summary
    }

    /// `N passed, N failed`, then `, N skipped`, `, N expected failures` and
    /// `, N unexpectedly passing` when there are any.
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
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

    /// Whether the run passes: nothing failed and nothing passed unexpectedly.
    pub fn ok(&self) -> bool {
        self.failed == 0
    }
}
