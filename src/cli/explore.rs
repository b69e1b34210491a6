//! `conform explore`: generates flows against a target, shrinks what they find and saves each
//! minimal flow as a case file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::common::{Dirs, TargetArgs};
use super::exit;
use conform::engine::Context;
use conform::explore::{explore, Explored, Options, DEFAULT_LEVEL};
use conform::report::human::render_details;
use conform::report::{Format, RunInfo, RunReport, Style};
use conform::session::{target_unusable, RunEnd};
use conform::write::write_atomic;

#[derive(Debug, Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Seed of the flows: the same seed generates the same flows (default: from the clock;
    /// printed in the header either way).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Flows to generate.
    #[arg(long, default_value_t = 32)]
    pub flows: usize,
    /// Most steps in one flow.
    #[arg(long, default_value_t = 12)]
    pub steps: usize,
    /// Seconds after which no new round of flows starts.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub time: f64,
    /// Most shrinking steps for one failing flow.
    #[arg(long, default_value_t = 256)]
    pub shrink_iters: u32,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Save each minimal failing flow as a case file in DIR.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// What stdout shows: `human`, or `json` (the report `run --format json` writes, over the
    /// minimal flows).
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

pub fn explore_command(dirs: &Dirs, args: ExploreArgs) -> Result<ExitCode, exit::Error> {
    let schemas = dirs.load_schemas()?;
    let config = args.target.config();
    if !config.is_remote() {
        return Err(exit::Error::Usage(String::from(
            "explore needs a live target: pass --target URL (the built-in target only replays recordings)",
        )));
    }
    if !(args.time.is_finite() && args.time > 0.0) {
        return Err(exit::Error::Usage(format!(
            "--time must be a positive number of seconds, not {}",
            args.time
        )));
    }
    let target = config.build().map_err(exit::Error::Usage)?;
    let seed = args.seed.unwrap_or_else(clock_seed);
    let options = Options {
        seed,
        flows: args.flows,
        steps: args.steps,
        time: Duration::from_secs_f64(args.time),
        jobs: args.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        shrink_iters: args.shrink_iters,
    };
    let ctx = Context {
        target: target.as_ref(),
        schemas: &schemas,
        level: DEFAULT_LEVEL,
        keep_answers: false,
    };
    let human = args.format == "human";
    if human {
        outln!(
            "conform explore --seed {seed}: {} flows of up to {} steps against {} ({} level), for at most {}s",
            options.flows,
            options.steps,
            config.display_name(),
            DEFAULT_LEVEL.name(),
            args.time
        );
    }
    let explored = explore(ctx, &options);
    let saved = save(&explored, args.save.as_deref())?;
    let outcomes: Vec<_> = explored
        .findings
        .iter()
        .map(|f| f.outcome.clone())
        .collect();
    if human {
        show(
            &explored,
            &saved,
            &config.display_name(),
            args.save.as_deref(),
        );
    } else {
        let info = RunInfo {
            target: config.display_name(),
            duration: explored.duration,
            level: DEFAULT_LEVEL,
        };
        let report = RunReport::new(&outcomes, info);
        out!(
            "{}",
            Format::Json
                .reporter(Default::default(), false)
                .render(&report)
        );
    }
    let end = if target_unusable(&explored.outcomes) {
        RunEnd::TargetUnusable
    } else if explored.findings.is_empty() {
        RunEnd::Passed
    } else {
        RunEnd::Deviations
    };
    Ok(exit::for_run(end, false))
}

/// A seed from the clock, for runs that do not give one.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

/// Writes each finding's minimal flow to `dir`; returns the paths written.
fn save(explored: &Explored, dir: Option<&Path>) -> Result<Vec<PathBuf>, exit::Error> {
    let Some(dir) = dir else {
        return Ok(Vec::new());
    };
    explored
        .findings
        .iter()
        .map(|finding| {
            let name = format!("{}.json", finding.outcome.name);
            write_atomic(dir, Path::new(&name), finding.case_text.as_bytes()).map_err(|e| {
                exit::Error::Usage(format!("cannot save {name} in {}: {e}", dir.display()))
            })
        })
        .collect()
}

fn show(explored: &Explored, saved: &[PathBuf], target: &str, dir: Option<&Path>) {
    for (i, finding) in explored.findings.iter().enumerate() {
        outln!(
            "\nfinding {} (flow {}, {} steps): {}",
            i + 1,
            finding.flow,
            finding.outcome.steps.len(),
            finding.keys.join("; ")
        );
        out!("{}", render_details(&finding.outcome, Style::default()));
        if let Some(path) = saved.get(i) {
            outln!("  saved {}", path.display());
            let cases = dir.map_or(String::new(), |d| d.display().to_string());
            outln!(
                "  reproduce: conform run --no-golden --cases {cases} --target {target} {}",
                finding.outcome.name
            );
        }
    }
    outln!(
        "\n{} flows, {} requests, {} findings in {:.1}s",
        explored.flows_run,
        explored.requests,
        explored.findings.len(),
        explored.duration.as_secs_f64()
    );
    if explored.findings.is_empty() {
        outln!("no flow found a deviation");
    }
}
