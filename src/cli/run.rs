//! `conform run`: runs the selected cases against a target, applies a known-failure list, and
//! reports on stdout (human, libtest-style or JSON lines) and in report files.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::common::{parse_partition, ColorChoice, Dirs, TargetArgs};
use super::exit;
use crate::engine::Context;
use crate::expect::Expectations;
use crate::outcome::{CaseOutcome, Summary, Verdict};
use crate::report::human::{render_case, render_summary};
use crate::report::{self, ReportSpec, RunInfo};
use crate::suite::{run, RunOptions};
use crate::write::write_atomic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A line per case, details of failures, a summary.
    #[default]
    Human,
    /// `test NAME ... ok` lines like `cargo test`.
    Libtest,
    /// One JSON object per case, then nothing else.
    Json,
}

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
    /// Print only failures and the final line; no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run share K of N (deterministic by case name), e.g. `--partition 2/4`.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub partition: Option<(usize, usize)>,
    /// Write a report: `json=PATH`, `junit=PATH` or `html=PATH` (repeatable).
    #[arg(long = "report", value_name = "KIND=PATH")]
    pub reports: Vec<ReportSpec>,
    /// Known failures of this target: the run passes when exactly these fail.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
    /// Rewrite the --expect file to match this run's failures.
    #[arg(long, requires = "expect")]
    pub update_expect: bool,
    /// What stdout shows.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn read_expectations(path: &PathBuf, updating: bool) -> Result<Expectations, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Expectations::parse(&text)
            .map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message)),
        Err(err) if updating && err.kind() == std::io::ErrorKind::NotFound => {
            Ok(Expectations::default())
        }
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
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
    let expectations = match &args.expect {
        Some(path) => match read_expectations(path, args.update_expect) {
            Ok(e) => Some(e),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(exit::USAGE);
            }
        },
        None => None,
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

    let show_progress =
        !args.quiet && args.format == Format::Human && std::io::stderr().is_terminal();
    // The bar stays hidden until the run has taken longer than a moment.
    let bar = show_progress.then(|| {
        let bar = ProgressBar::with_draw_target(
            Some(suite.items.len() as u64),
            ProgressDrawTarget::hidden(),
        );
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let shown = std::sync::atomic::AtomicBool::new(false);
    let failed_so_far = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    let mut outcomes = run(&suite, ctx, &options, &|outcome: &CaseOutcome| {
        if let Some(bar) = &bar {
            if !shown.load(std::sync::atomic::Ordering::Relaxed)
                && started.elapsed() > Duration::from_millis(500)
            {
                shown.store(true, std::sync::atomic::Ordering::Relaxed);
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            if !outcome.passed() {
                let n = failed_so_far.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                bar.set_message(format!("{n} failing"));
            }
            bar.inc(1);
        }
    });
    let duration = started.elapsed();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut code = exit::SUCCESS;
    if let (Some(expectations), Some(path)) = (&expectations, &args.expect) {
        let stale = expectations.apply(&mut outcomes);
        if args.update_expect {
            let updated = expectations.updated(&outcomes);
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
            let dir = dir.unwrap_or(std::path::Path::new("."));
            let name = path.file_name().map(PathBuf::from).unwrap_or_default();
            match write_atomic(dir, &name, updated.render().as_bytes()) {
                Ok(_) => eprintln!(
                    "updated {}: {} known failure(s)",
                    path.display(),
                    updated.cases.len()
                ),
                Err(err) => {
                    eprintln!("error: {err}");
                    code = exit::USAGE;
                }
            }
        } else if !stale.is_empty() && args.filters.is_empty() && args.partition.is_none() {
            eprintln!(
                "warning: {} lists {} case(s) that do not exist: {}",
                path.display(),
                stale.len(),
                stale.join(", ")
            );
        }
    }

    let style = args.color.style();
    let mut out = String::new();
    match args.format {
        Format::Human => {
            for outcome in &outcomes {
                let verdict = outcome.verdict();
                if args.quiet && matches!(verdict, Verdict::Passed | Verdict::ExpectedFailure) {
                    continue;
                }
                out.push_str(&render_case(outcome, style));
            }
            out.push_str(&render_summary(&outcomes, style));
        }
        Format::Libtest => {
            out.push_str(&format!("\nrunning {} tests\n", outcomes.len()));
            for outcome in &outcomes {
                let word = match outcome.verdict() {
                    Verdict::Passed => "ok",
                    Verdict::Failed | Verdict::UnexpectedlyPassing => "FAILED",
                    Verdict::Skipped | Verdict::ExpectedFailure => "ignored",
                };
                out.push_str(&format!("test {} ... {word}\n", outcome.name));
            }
            let summary = Summary::of(&outcomes);
            out.push_str(&format!(
                "\ntest result: {}. {} passed; {} failed; {} ignored\n",
                if summary.ok() { "ok" } else { "FAILED" },
                summary.passed,
                summary.failed,
                summary.skipped + summary.expected_failures
            ));
            out.push_str(&summary.line());
            out.push('\n');
        }
        Format::Json => {
            for outcome in &outcomes {
                out.push_str(&report::json::render_line(outcome));
                out.push('\n');
            }
        }
    }
    // A closed stdout (`| head`) is not an error of the run.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());

    let info = RunInfo {
        target: args
            .target
            .target
            .clone()
            .unwrap_or_else(|| "replay".to_owned()),
        duration,
    };
    for spec in &args.reports {
        if let Err(err) = report::write(spec, &outcomes, &info) {
            eprintln!("error: {err}");
            code = exit::USAGE;
        }
    }
    if code != exit::SUCCESS {
        return ExitCode::from(code);
    }
    if Summary::of(&outcomes).ok() || args.update_expect {
        ExitCode::from(exit::SUCCESS)
    } else {
        ExitCode::from(exit::FAILURES)
    }
}
