//! One run from start to finish, as every front end needs it: owns [`RunPlan`] (what to run,
//! against what, how strictly, with which expectations) and [`execute`], which runs it and
//! returns the sorted outcomes with the [`RunEnd`] that decides the exit code. Nothing here
//! prints; progress goes to a callback.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::check::Level;
use crate::engine::Context;
use crate::expect::Expectations;
use crate::outcome::{CaseOutcome, FailureClass, Summary};
use crate::report::RunInfo;
use crate::suite::{run, RunOptions, Suite};
use crate::target::Target;
use crate::validate::SchemaSet;

/// Everything a run needs.
pub struct RunPlan<'a> {
    pub suite: &'a Suite,
    pub schemas: &'a SchemaSet,
    pub target: &'a dyn Target,
    /// Shown in reports: a base URL without credentials, or `replay`.
    pub target_name: String,
    pub level: Level,
    pub options: RunOptions,
    pub expectations: Option<&'a Expectations>,
}

/// How a finished run ends, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunEnd {
    /// Everything is as expected.
    Passed,
    /// Something deviates (failures, blocked cases, regressions, cases passing against the list).
    Deviations,
    /// The target could not be used: no request got an answer.
    TargetUnusable,
}

/// A finished run.
pub struct Finished {
    pub outcomes: Vec<CaseOutcome>,
    pub info: RunInfo,
    /// Names the expectations file lists that no case has.
    pub stale: Vec<String>,
}

impl Finished {
    pub fn summary(&self) -> Summary {
        Summary::of(&self.outcomes)
    }

    /// The verdict of the run. An unusable target wins over everything, expectations included.
    pub fn end(&self) -> RunEnd {
        if target_unusable(&self.outcomes) {
            RunEnd::TargetUnusable
        } else if self.summary().ok() {
            RunEnd::Passed
        } else {
            RunEnd::Deviations
        }
    }
}

/// Whether requests were sent and none got an HTTP answer (refused, timed out, TLS failure).
pub fn target_unusable(outcomes: &[CaseOutcome]) -> bool {
    let steps = || outcomes.iter().flat_map(|o| o.steps.iter());
    let transport = steps().any(|s| {
        s.failures
            .iter()
            .any(|f| f.class == FailureClass::Transport)
    });
    let answered = steps().any(|s| s.reached);
    transport && !answered
}

/// Runs the plan; `on_done` sees each case as it completes.
pub fn execute(plan: &RunPlan<'_>, on_done: &(dyn Fn(&CaseOutcome) + Sync)) -> Finished {
    let ctx = Context {
        target: plan.target,
        schemas: plan.schemas,
        level: plan.level,
        keep_answers: false,
    };
    let started = Instant::now();
    let mut outcomes = run(plan.suite, ctx, &plan.options, on_done);
    let duration: Duration = started.elapsed();
    let stale = match plan.expectations {
        Some(expectations) => expectations.apply(&mut outcomes),
        None => Vec::new(),
    };
    Finished {
        outcomes,
        info: RunInfo {
            target: plan.target_name.clone(),
            duration,
            level: plan.level,
        },
        stale,
    }
}

/// The default level: `strict` for the built-in target, `contract` for any other.
pub fn default_level(remote: bool) -> Level {
    if remote {
        Level::Contract
    } else {
        Level::Strict
    }
}

/// Options with `jobs` threads (the number of CPUs when `None`).
pub fn options(golden_root: PathBuf, jobs: Option<usize>, fail_fast: bool) -> RunOptions {
    RunOptions {
        golden_root,
        jobs: jobs.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        fail_fast,
        no_golden: false,
    }
}
