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
