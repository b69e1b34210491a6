//! Exploring a target: owns [`explore`], which generates flows from a seed, runs each as a
//! case without golden file through the engine and the checks, and shrinks every flow that
//! shows something new (a check and endpoint no earlier finding has) to a minimal one.
//!
//! Flows run in rounds of [`ROUND`], in parallel within a round; what counts as new is fixed
//! at the start of each round, so the findings are the same at any thread count.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use proptest_state_machine::ReferenceStateMachine;
use rayon::prelude::*;

use super::flow::{case_text, Flows, Op};
use crate::check::{FailureClass, Level};
use crate::engine::Context;
use crate::outcome::CaseOutcome;
use crate::suite::judge_one;

/// Flows that run between two updates of what is known.
const ROUND: usize = 4;

/// How an exploration goes.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Flows to generate.
    pub flows: usize,
    /// Most steps in one flow.
    pub steps: usize,
    /// No round starts after this long.
    pub time: Duration,
    /// Worker threads.
    pub jobs: usize,
    /// Most shrinking steps for one flow.
    pub shrink_iters: u32,
}

/// A flow that showed something new, shrunk.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The flow's number (from 0) under the seed.
    pub flow: usize,
    /// What it shows: `invariant-id METHOD /route`, `status METHOD /route`, ...
    pub keys: Vec<String>,
    /// The minimal flow as a case file.
    pub case_text: String,
    /// The minimal flow's outcome.
    pub outcome: CaseOutcome,
}

/// What an exploration did.
#[derive(Debug, Default)]
pub struct Explored {
    pub findings: Vec<Finding>,
    /// Outcomes of the flows as generated (before shrinking), in flow order.
    pub outcomes: Vec<CaseOutcome>,
    pub flows_run: usize,
    /// Requests sent, shrinking included.
    pub requests: usize,
    pub duration: Duration,
}

/// The name a flow's case has.
fn flow_name(seed: u64, flow: usize) -> String {
    format!("explore-{seed}-{flow}")
}

/// What each failure of `outcome` shows: its check (the invariant, or the class) and endpoint.
fn keys_of(outcome: &CaseOutcome) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for step in &outcome.steps {
        for failure in &step.failures {
            let what = match failure.class {
                // A step not run, or a relation not judged, follows from another failure.
                FailureClass::Blocked => continue,
                FailureClass::Invariant => failure.subject.clone().unwrap_or_default(),
                FailureClass::Status => String::from("prediction"),
                class => class.name().to_owned(),
            };
            keys.insert(format!("{what} {}", step.endpoint));
        }
    }
    for failure in &outcome.failures {
        keys.insert(failure.class.name().to_owned());
    }
    keys
}

/// Runs the flow `ops` as a case: its outcome judged by status, schema and invariants.
fn judge(
    ops: &[Op],
    name: &str,
    ctx: Context<'_>,
    requests: &AtomicUsize,
) -> Result<CaseOutcome, String> {
    let text = case_text(
        ops,
        &format!("A flow `conform explore` generated ({name})."),
    );
    let file = std::path::PathBuf::from(format!("{name}.json"));
    let case = crate::load::parse(name, &file, &text).map_err(|e| e.to_string())?;
    requests.fetch_add(case.steps.len(), Ordering::Relaxed);
    Ok(judge_one(&case, None, ctx, false))
}

/// The random source of flow `flow` under `seed`.
fn rng(seed: u64, flow: usize) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&(flow as u64).to_le_bytes());
    bytes[16..20].copy_from_slice(b"conf");
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// The operations of flow `flow` under `seed`, as first generated (before any shrinking).
pub fn generated(seed: u64, flow: usize, steps: usize) -> Vec<Op> {
    let mut runner = TestRunner::new_with_rng(Config::default(), rng(seed, flow));
    Flows::sequential_strategy(1..=steps.max(1))
        .new_tree(&mut runner)
        .map(|tree| tree.current().1)
        .unwrap_or_default()
}

/// The outcome of one flow: as generated, and its minimal form when it showed something new.
fn one_flow(
    flow: usize,
    options: &Options,
    ctx: Context<'_>,
    known: &BTreeSet<String>,
    requests: &AtomicUsize,
) -> (CaseOutcome, Option<Finding>) {
    let name = flow_name(options.seed, flow);
    let config = Config {
        cases: 1,
        max_shrink_iters: options.shrink_iters,
        failure_persistence: None,
        max_global_rejects: 100_000,
        max_shrink_time: u32::try_from(options.time.as_millis()).unwrap_or(u32::MAX),
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng(options.seed, flow));
    let strategy = Flows::sequential_strategy(1..=options.steps.max(1));
    let first = std::sync::Mutex::new(None);
    let result = runner.run(&strategy, |(_, ops, seen)| {
        // Every transition is sent (the state machine deletes unseen ones first when it
        // shrinks).
        if let Some(seen) = seen {
            seen.store(ops.len(), Ordering::SeqCst);
        }
        // A flow that no longer makes a case (shrunk to nothing) shows nothing.
        let Ok(outcome) = judge(&ops, &name, ctx, requests) else {
            return Ok(());
        };
        let new: Vec<String> = keys_of(&outcome).difference(known).cloned().collect();
        first
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(outcome);
        if new.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(new.join("; ")))
        }
    });
    let generated = first
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .unwrap_or_else(|| CaseOutcome::skipped(&name, std::path::PathBuf::from(&name)));
    let finding = match result {
        Err(TestError::Fail(_, (_, ops, _))) => {
            let text = case_text(
                &ops,
                &format!(
                    "A minimal flow `conform explore --seed {}` found (flow {flow}).",
                    options.seed
                ),
            );
            judge(&ops, &name, ctx, requests).ok().map(|outcome| {
                let keys: Vec<String> = keys_of(&outcome).difference(known).cloned().collect();
                Finding {
                    flow,
                    keys,
                    case_text: text,
                    outcome,
                }
            })
        }
        _ => None,
    };
    (generated, finding)
}

/// Explores the context's target.
pub fn explore(ctx: Context<'_>, options: &Options) -> Explored {
    let started = Instant::now();
    let requests = AtomicUsize::new(0);
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut explored = Explored::default();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
        .ok();
    let mut next = 0;
    while next < options.flows && started.elapsed() < options.time {
        let round: Vec<usize> = (next..(next + ROUND).min(options.flows)).collect();
        next += round.len();
        let run = |flow: &usize| one_flow(*flow, options, ctx, &known, &requests);
        let done: Vec<(CaseOutcome, Option<Finding>)> = match &pool {
            Some(pool) => pool.install(|| round.par_iter().map(run).collect()),
            None => round.iter().map(run).collect(),
        };
        for (outcome, finding) in done {
            explored.flows_run += 1;
            explored.outcomes.push(outcome);
            if let Some(mut finding) = finding {
                finding.keys.retain(|k| !known.contains(k));
                if finding.keys.is_empty() {
                    continue;
                }
                known.extend(finding.keys.iter().cloned());
                explored.findings.push(finding);
            }
        }
    }
    explored.requests = requests.load(Ordering::Relaxed);
    explored.duration = started.elapsed();
    explored
}

/// The level explore judges at unless told otherwise.
pub const DEFAULT_LEVEL: Level = Level::Contract;
