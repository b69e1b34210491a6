//! Blessing: owns [`golden_from_recording`] and [`golden_from_run`], which build a case's golden
//! file from its recordings or from a target's answers, and [`bless`], which writes it under
//! the golden root (atomically, only when it changed) and says what changed.

use std::path::{Path, PathBuf};

use crate::case::Case;
use crate::compare::unified_between;
use crate::engine::expected;
use crate::golden::{relative_path, GoldenFile, GoldenStep};
use crate::outcome::CaseOutcome;
use crate::write::{write_atomic, WriteError};

/// What blessing did to one golden file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct Blessed {
    pub name: String,
    pub path: PathBuf,
    pub change: Change,
    /// Unified diff of the old and new file (empty unless updated).
    pub diff: String,
}

/// The golden file of `case` from its recordings, keeping the rules of `existing`.
pub fn golden_from_recording(case: &Case, existing: Option<&GoldenFile>) -> GoldenFile {
    let rules = existing.map(|g| g.normalize.clone()).unwrap_or_default();
    let expected = expected(case, &rules);
    GoldenFile {
        case: case.name.to_string(),
        steps: case
            .steps
            .iter()
            .zip(expected.steps)
            .map(|(step, e)| GoldenStep::new(&step.name, e.snapshot))
            .collect(),
        normalize: rules,
    }
}

/// The golden file of `case` from a run against a target; `None` when a step got no answer.
pub fn golden_from_run(
    case: &Case,
    outcome: &CaseOutcome,
    existing: Option<&GoldenFile>,
) -> Option<GoldenFile> {
    let steps = outcome
        .steps
        .iter()
        .map(|step| {
            step.actual()
                .cloned()
                .map(|snapshot| GoldenStep::new(&step.name, snapshot))
        })
        .collect::<Option<Vec<_>>>()?;
    (steps.len() == case.steps.len()).then(|| GoldenFile {
        case: case.name.to_string(),
        normalize: existing.map(|g| g.normalize.clone()).unwrap_or_default(),
        steps,
    })
}

/// Writes `golden` under `root` unless the file already holds exactly that.
pub fn bless(root: &Path, golden: &GoldenFile) -> Result<Blessed, WriteError> {
    let relative = relative_path(&golden.case);
    let path = root.join(&relative);
    let new = golden.render();
    let old = std::fs::read_to_string(&path).ok();
    let (change, diff) = match &old {
        Some(old) if *old == new => (Change::Unchanged, String::new()),
        Some(old) => (
            Change::Updated,
            unified_between(
                old,
                &new,
                &format!("old {}", relative.display()),
                &format!("new {}", relative.display()),
            ),
        ),
        None => (Change::Created, String::new()),
    };
    if change != Change::Unchanged {
        write_atomic(root, &relative, new.as_bytes())?;
    }
    Ok(Blessed {
        name: golden.case.clone(),
        path,
        change,
        diff,
    })
}

/// Where golden files come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// The recordings of each case.
    Recordings,
    /// A target's answers, run at `strict` with the answers kept.
    Target(crate::engine::Context<'a>),
}

/// What blessing one case did, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// A golden file written (or, checking, that would be) with its change and diff.
    Blessed {
        case: &'a str,
        change: Change,
        path: Option<std::path::PathBuf>,
        diff: String,
    },
    /// An existing golden file could not be read; it is replaced.
    Replacing { error: String },
    /// A case could not be blessed.
    Problem { message: String },
}

/// How many golden files each change touched, and the cases that could not be blessed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: usize,
}

/// Blesses every case of `suite` from `source` into `golden_root` (or, with `check`, only
/// compares), telling `on_event` about each case as it goes.
pub fn bless_suite(
    suite: &crate::suite::Suite,
    golden_root: &Path,
    source: Source<'_>,
    check: bool,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Summary {
    let mut summary = Summary::default();
    for item in &suite.items {
        let loaded = match item.case() {
            Ok(case) => case,
            Err(error) => {
                summary.problems += 1;
                on_event(Event::Problem {
                    message: error.to_string(),
                });
                continue;
            }
        };
        let case = loaded.as_ref();
        let existing = match GoldenFile::read(golden_root, &case.name) {
            Ok(existing) => existing,
            Err(error) => {
                on_event(Event::Replacing {
                    error: error.to_string(),
                });
                None
            }
        };
        let golden = match source {
            Source::Recordings => golden_from_recording(case, existing.as_ref()),
            Source::Target(ctx) => {
                let outcome = crate::suite::run_one(case, existing.as_ref(), ctx);
                match golden_from_run(case, &outcome, existing.as_ref()) {
                    Some(golden) => golden,
                    None => {
                        summary.problems += 1;
                        on_event(Event::Problem {
                            message: format!(
                                "{}: the target did not answer every step; not blessed",
                                case.name
                            ),
                        });
                        continue;
                    }
                }
            }
        };
        let (change, path, diff) = if check {
            let change = match existing.map(|g| g.render()) {
                None => Change::Created,
                Some(text) if text == golden.render() => Change::Unchanged,
                Some(_) => Change::Updated,
            };
            (change, None, String::new())
        } else {
            match bless(golden_root, &golden) {
                Ok(blessed) => (blessed.change, Some(blessed.path), blessed.diff),
                Err(error) => {
                    summary.problems += 1;
                    on_event(Event::Problem {
                        message: error.to_string(),
                    });
                    continue;
                }
            }
        };
        match change {
            Change::Created => summary.created += 1,
            Change::Updated => summary.updated += 1,
            Change::Unchanged => summary.unchanged += 1,
        }
        on_event(Event::Blessed {
            case: &case.name,
            change,
            path,
            diff,
        });
    }
    summary
}
