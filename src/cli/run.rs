//! `conform run`: runs the selected cases against a target and reports.

use std::process::ExitCode;

use clap::Args;

use super::common::{parse_partition, ColorChoice, Dirs, TargetArgs};
use super::exit;
use crate::engine::Context;
use crate::report::human::{render_case, render_summary};
use crate::suite::{run, RunOptions};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run only cases whose name contains one of these, or that carry one of these tags.
    pub filters: Vec<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Stop starting new cases after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Print only failures and the final line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run share K of N (deterministic by case name), e.g. `--partition 2/4`.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub partition: Option<(usize, usize)>,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub fn run_command(dirs: &Dirs, args: RunArgs) -> ExitCode {
    let Ok(mut suite) = dirs.load_suite(&args.filters) else {
        return ExitCode::from(exit::USAGE);
    };
    if let Some((k, n)) = args.partition {
        suite.partition(k, n);
    }
    let Ok(schemas) = dirs.load_schemas() else {
        return ExitCode::from(exit::USAGE);
    };
    let target = match args.target.build() {
        Ok(target) => target,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let options = RunOptions {
        golden_root: dirs.golden.clone(),
        jobs,
        fail_fast: args.fail_fast,
    };
    let ctx = Context {
        target: target.as_ref(),
        schemas: &schemas,
    };
    let outcomes = run(&suite, ctx, &options, &|_| {});
    let style = args.color.style();
    let mut out = String::new();
    for outcome in &outcomes {
        if !(args.quiet && outcome.passed()) {
            out.push_str(&render_case(outcome, style));
        }
    }
    out.push_str(&render_summary(&outcomes, style));
    print!("{out}");
    if outcomes.iter().all(|o| o.passed()) {
        ExitCode::from(exit::SUCCESS)
    } else {
        ExitCode::from(exit::FAILURES)
    }
}
