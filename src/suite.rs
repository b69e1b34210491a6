//! Running many cases: owns [`Suite`] (the selected cases of a run, loaded up front or read as
//! they run) and [`run`], which runs them in parallel on a bounded thread pool, exclusive cases
//! afterwards one at a time, and returns the outcomes sorted by case name whatever the thread
//! count. A suite made with [`Suite::discover`] holds only paths: each case is read by the
//! worker that runs it and dropped when it is done, so memory does not grow with the corpus.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::case::Case;
use crate::check::Judge;
use crate::discover::{discover, DiscoverError, Entry, Filter};
use crate::engine::{run_case, Context};
use crate::golden::GoldenFile;
use crate::load::{load, LoadError};
use crate::outcome::{CaseOutcome, Failure, FailureClass};

/// One discovered case: loaded, not read yet, or the error that stopped it from loading.
#[derive(Debug, Clone)]
pub enum Item {
    Case(Box<Case>),
    /// Found on disk and read when needed ([`Item::case`]).
    Pending(Entry),
    Broken {
        name: String,
        error: Box<LoadError>,
    },
}

impl Item {
    /// Reads `entry` into a loaded or broken item.
    pub fn read(entry: &Entry) -> Item {
        match load(entry) {
            Ok(case) => Item::Case(Box::new(case)),
            Err(error) => Item::Broken {
                name: entry.name.to_string(),
                error: Box::new(error),
            },
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Item::Case(case) => &case.name,
            Item::Pending(entry) => &entry.name,
            Item::Broken { name, .. } => name,
        }
    }

    pub fn file(&self) -> &Path {
        match self {
            Item::Case(case) => &case.file,
            Item::Pending(entry) => &entry.file,
            Item::Broken { error, .. } => &error.file,
        }
    }

    /// The case's tags; none until it is read.
    pub fn tags(&self) -> &[String] {
        match self {
            Item::Case(case) => &case.tags,
            Item::Pending(_) | Item::Broken { .. } => &[],
        }
    }

    /// The case, reading it from disk when it is still pending.
    pub fn case(&self) -> Result<Cow<'_, Case>, LoadError> {
        match self {
            Item::Case(case) => Ok(Cow::Borrowed(case.as_ref())),
            Item::Pending(entry) => load(entry).map(Cow::Owned),
            Item::Broken { error, .. } => Err((**error).clone()),
        }
    }

    fn exclusive(&self) -> bool {
        matches!(self, Item::Case(case) if case.exclusive)
    }
}

/// The cases of a run, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    pub items: Vec<Item>,
}

impl Suite {
    /// Discovers and loads every case under `root` (loading in parallel).
    pub fn load(root: &Path) -> Result<Suite, DiscoverError> {
        let entries = discover(root)?;
        let items = entries.par_iter().map(Item::read).collect();
        Ok(Suite { items })
    }

    /// The cases under `root`, not read yet: a run reads each one as it starts it.
    pub fn discover(root: &Path) -> Result<Suite, DiscoverError> {
        let items = discover(root)?.into_iter().map(Item::Pending).collect();
        Ok(Suite { items })
    }

    /// Keeps the cases the filter selects; returns the patterns that matched nothing.
    /// A pending case the name alone does not select is read to see its tags (in parallel);
    /// one the name selects stays unread.
    pub fn select(&mut self, filter: &Filter) -> Vec<String> {
        if filter.is_empty() {
            return Vec::new();
        }
        self.items = std::mem::take(&mut self.items)
            .into_par_iter()
            .map(|item| match item {
                Item::Pending(entry) if !filter.matches(&entry.name, &[]) => Item::read(&entry),
                other => other,
            })
            .collect();
        let names: Vec<(&str, &[String])> =
            self.items.iter().map(|i| (i.name(), i.tags())).collect();
        let unmatched = filter
            .unmatched(&names)
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.items.retain(|i| filter.matches(i.name(), i.tags()));
        unmatched
    }

    /// Keeps share `k` of `n` (1-based): a case belongs to the share its name hashes to, so
    /// `n` machines together run every case exactly once.
    pub fn partition(&mut self, k: usize, n: usize) {
        self.items
            .retain(|item| (stable_hash(item.name()) % n as u64) as usize == k - 1);
    }

    /// The loaded cases (of a suite made with [`Suite::discover`], only those read so far).
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.items.iter().filter_map(|i| match i {
            Item::Case(case) => Some(case.as_ref()),
            Item::Pending(_) | Item::Broken { .. } => None,
        })
    }
}

/// A `--partition` that is not `K/N` with 1 <= K <= N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartitionError {
    #[error("expected K/N such as 1/3, got `{0}`")]
    Shape(String),
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("need 1 <= K <= N, got {0}/{1}")]
    OutOfRange(usize, usize),
}

/// Parses `K/N` (1 <= K <= N).
pub fn parse_partition(text: &str) -> Result<(usize, usize), PartitionError> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| PartitionError::Shape(text.to_owned()))?;
    let number = |part: &str| {
        part.trim()
            .parse::<usize>()
            .map_err(|_| PartitionError::NotANumber(part.to_owned()))
    };
    let (k, n) = (number(k)?, number(n)?);
    if n == 0 || k == 0 || k > n {
        return Err(PartitionError::OutOfRange(k, n));
    }
    Ok((k, n))
}

/// FNV-1a: stable across platforms, releases and runs (unlike the std hasher).
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How a run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub golden_root: PathBuf,
    /// Worker threads; at least 1.
    pub jobs: usize,
    /// Stop starting cases after the first failure (the rest are reported skipped).
    pub fail_fast: bool,
    /// Judge by status, schema and invariants alone: golden files are neither read nor
    /// required.
    pub no_golden: bool,
}

/// Runs every case of `suite`; `on_done` sees each outcome as it completes (for progress).
pub fn run(
    suite: &Suite,
    ctx: Context<'_>,
    options: &RunOptions,
    on_done: &(dyn Fn(&CaseOutcome) + Sync),
) -> Vec<CaseOutcome> {
    let stop = AtomicBool::new(false);
    let finish = |outcome: CaseOutcome| -> CaseOutcome {
        if options.fail_fast && !outcome.passed() {
            stop.store(true, Ordering::Relaxed);
        }
        on_done(&outcome);
        outcome
    };
    let skipped = |name: &str, file: &Path| -> Option<CaseOutcome> {
        stop.load(Ordering::Relaxed).then(|| {
            let outcome = CaseOutcome::skipped(name, file.to_path_buf());
            on_done(&outcome);
            outcome
        })
    };
    // Parallel phase. A pending case is read by the worker that runs it; one that turns out to
    // be exclusive keeps its place with a placeholder and runs in the second phase. The indexed
    // collect writes each outcome straight into one vector.
    let later = Mutex::new(Vec::new());
    let parallel_one = |(slot, item): (usize, &&Item)| -> CaseOutcome {
        if let Some(outcome) = skipped(item.name(), item.file()) {
            return outcome;
        }
        match item.case() {
            Err(error) => finish(broken(item.name(), &error)),
            Ok(case) if case.exclusive => {
                let placeholder = CaseOutcome::skipped(&case.name, case.file.to_path_buf());
                later
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((Some(slot), case.into_owned()));
                placeholder
            }
            Ok(case) => finish(run_loaded(&case, ctx, options)),
        }
    };
    let (exclusive, parallel): (Vec<&Item>, Vec<&Item>) =
        suite.items.iter().partition(|i| i.exclusive());
    let mut outcomes: Vec<CaseOutcome> = match rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
    {
        Ok(pool) => pool.install(|| parallel.par_iter().enumerate().map(parallel_one).collect()),
        Err(_) => parallel.iter().enumerate().map(parallel_one).collect(),
    };
    let mut alone: Vec<(Option<usize>, Cow<'_, Case>)> = exclusive
        .iter()
        .filter_map(|item| item.case().ok())
        .map(|case| (None, case))
        .collect();
    alone.extend(
        later
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|(slot, case)| (slot, Cow::Owned(case))),
    );
    // Exclusive cases, one at a time in name order.
    alone.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    for (slot, case) in alone {
        let outcome = skipped(&case.name, &case.file)
            .unwrap_or_else(|| finish(run_loaded(&case, ctx, options)));
        match slot {
            Some(slot) => outcomes[slot] = outcome,
            None => outcomes.push(outcome),
        }
    }
    // Case names are unique, so an unstable sort (which needs no buffer) orders them fully.
    outcomes.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    outcomes
}

/// Runs one item: a broken case file or golden file becomes a failing outcome.
pub fn run_item(item: &Item, ctx: Context<'_>, options: &RunOptions) -> CaseOutcome {
    match item.case() {
        Ok(case) => run_loaded(&case, ctx, options),
        Err(error) => broken(item.name(), &error),
    }
}

/// The outcome of a case file that does not load.
fn broken(name: &str, error: &LoadError) -> CaseOutcome {
    let mut failure = Failure::new(FailureClass::Load, error.to_string());
    failure.pointer = error.pointer.clone();
    CaseOutcome::broken(name, error.file.clone(), failure)
}

/// Runs one case into its transcript, judges the transcript with every check, and assembles
/// the outcome from the records.
pub fn run_one(case: &Case, golden: Option<&GoldenFile>, ctx: Context<'_>) -> CaseOutcome {
    judge_one(case, golden, ctx, true)
}

/// [`run_one`], with golden files part of the judgement or not (`--no-golden`).
pub fn judge_one(
    case: &Case,
    golden: Option<&GoldenFile>,
    ctx: Context<'_>,
    by_golden: bool,
) -> CaseOutcome {
    let transcript = run_case(case, golden, ctx);
    let judge = Judge {
        schemas: ctx.schemas,
        level: ctx.level,
        golden: by_golden,
    };
    let records = crate::check::run(&transcript, judge);
    CaseOutcome::assemble(&transcript, records, ctx.keep_answers)
}

/// Runs a loaded case against its golden file (a broken golden file fails the case). A case
/// only the built-in target can answer is skipped against any other, outside the scores.
fn run_loaded(case: &Case, ctx: Context<'_>, options: &RunOptions) -> CaseOutcome {
    if case.replay_only && !ctx.target.answers_with_recordings() {
        let mut outcome = CaseOutcome::skipped(&case.name, case.file.to_path_buf());
        outcome.tags = case.tags.clone();
        return outcome;
    }
    if options.no_golden {
        return judge_one(case, None, ctx, false);
    }
    match GoldenFile::read(&options.golden_root, &case.name) {
        Ok(golden) => run_one(case, golden.as_ref(), ctx),
        Err(error) => {
            let mut outcome = run_one(case, None, ctx);
            outcome.failures = vec![Failure::new(
                FailureClass::Golden,
                format!("broken golden file {error}"),
            )];
            outcome
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cover_every_case_once() {
        let names: Vec<String> = (0..200).map(|i| format!("group/case_{i}")).collect();
        let n = 3;
        let mut seen = vec![0; names.len()];
        for k in 1..=n {
            for (i, name) in names.iter().enumerate() {
                if (stable_hash(name) % n as u64) as usize == k - 1 {
                    seen[i] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
