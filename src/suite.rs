//! Running many cases: owns [`Suite`] (the loaded, selected cases of a run) and [`run`],
//! which runs them in parallel on a bounded thread pool, exclusive cases afterwards one at a
//! time, and returns the outcomes sorted by case name whatever the thread count.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::case::Case;
use crate::discover::{discover, DiscoverError, Filter};
use crate::engine::{run_case, Context};
use crate::golden::GoldenFile;
use crate::load::{load, LoadError};
use crate::outcome::{CaseOutcome, Failure, FailureClass};

/// One discovered case: loaded, or the error that stopped it from loading.
#[derive(Debug, Clone)]
pub enum Item {
    Case(Box<Case>),
    Broken { name: String, error: LoadError },
}

impl Item {
    pub fn name(&self) -> &str {
        match self {
            Item::Case(case) => &case.name,
            Item::Broken { name, .. } => name,
        }
    }

    pub fn file(&self) -> &Path {
        match self {
            Item::Case(case) => &case.file,
            Item::Broken { error, .. } => &error.file,
        }
    }

    pub fn tags(&self) -> &[String] {
        match self {
            Item::Case(case) => &case.tags,
            Item::Broken { .. } => &[],
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
        let items = entries
            .par_iter()
            .map(|entry| match load(entry) {
                Ok(case) => Item::Case(Box::new(case)),
                Err(error) => Item::Broken {
                    name: entry.name.clone(),
                    error,
                },
            })
            .collect();
        Ok(Suite { items })
    }

    /// Keeps the cases the filter selects; returns the patterns that matched nothing.
    pub fn select(&mut self, filter: &Filter) -> Vec<String> {
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

    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.items.iter().filter_map(|i| match i {
            Item::Case(case) => Some(case.as_ref()),
            Item::Broken { .. } => None,
        })
    }
}

/// Parses `K/N` (1 <= K <= N).
pub fn parse_partition(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected K/N such as 1/3, got `{text}`"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("need 1 <= K <= N, got {k}/{n}"));
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
}

/// Runs every case of `suite`; `on_done` sees each outcome as it completes (for progress).
pub fn run(
    suite: &Suite,
    ctx: Context<'_>,
    options: &RunOptions,
    on_done: &(dyn Fn(&CaseOutcome) + Sync),
) -> Vec<CaseOutcome> {
    let stop = AtomicBool::new(false);
    let one = |item: &Item| -> CaseOutcome {
        if stop.load(Ordering::Relaxed) {
            let outcome = CaseOutcome::skipped(item.name(), item.file().to_path_buf());
            on_done(&outcome);
            return outcome;
        }
        let outcome = run_item(item, ctx, &options.golden_root);
        if options.fail_fast && !outcome.passed() {
            stop.store(true, Ordering::Relaxed);
        }
        on_done(&outcome);
        outcome
    };
    let (exclusive, parallel): (Vec<&Item>, Vec<&Item>) =
        suite.items.iter().partition(|i| i.exclusive());
    let mut outcomes: Vec<CaseOutcome> = match rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
    {
        Ok(pool) => pool.install(|| parallel.par_iter().map(|item| one(item)).collect()),
        Err(_) => parallel.iter().map(|item| one(item)).collect(),
    };
    outcomes.extend(exclusive.iter().map(|item| one(item)));
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));
    outcomes
}

/// Runs one item: a broken case file or golden file becomes a failing outcome.
pub fn run_item(item: &Item, ctx: Context<'_>, golden_root: &Path) -> CaseOutcome {
    let case = match item {
        Item::Case(case) => case,
        Item::Broken { name, error } => {
            let mut failure = Failure::new(FailureClass::Load, error.to_string());
            failure.pointer = error.pointer.clone();
            return CaseOutcome::broken(name, error.file.clone(), failure);
        }
    };
    match GoldenFile::read(golden_root, &case.name) {
        Ok(golden) => run_case(case, golden.as_ref(), ctx),
        Err(error) => {
            let mut outcome = run_case(case, None, ctx);
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
