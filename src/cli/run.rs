//! `conform run`: wiring only. Flags become a [`RunPlan`]; the session runs it; the reporters
//! render it; [`super::exit`] turns its end into the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::TypedValueParser;
use clap::Args;

use super::common::{parse_partition, Dirs, TargetArgs};
use super::exit;
use super::progress::{ColorChoice, Progress};
use conform::check::Level;
use conform::expect::Expectations;
use conform::report::{write_file, Format, ReportSpec, RunReport};
use conform::session::{default_level, execute, options, RunPlan};
use conform::suite::RunOptions;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run only cases whose name contains one of these, or that carry one of these tags.
    pub filters: Vec<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// How strictly answers are judged (default: `contract` with --target, else `strict`).
    #[arg(long, value_parser = level_parser())]
    pub level: Option<Level>,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Stop starting new cases after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Judge by status, schema and invariants alone: golden files are neither read nor
    /// required (cases without golden files, such as those `explore` saves, run as they are).
    #[arg(long)]
    pub no_golden: bool,
    /// Print only failures and the summary; no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run share K of N (deterministic by case name), e.g. `--partition 2/4`.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub partition: Option<(usize, usize)>,
    /// Write a report: `json=PATH`, `junit=PATH`, `html=PATH`, `github=-` ... (repeatable;
    /// `-` is stdout).
    #[arg(long = "report", value_name = "KIND=PATH")]
    pub reports: Vec<ReportSpec>,
    /// Known failing checks of this target: the run passes when exactly these fail.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
    /// Rewrite the --expect file to match this run's failing checks.
    #[arg(long, requires = "expect")]
    pub update_expect: bool,
    /// What stdout shows.
    #[arg(long, value_parser = format_parser(), default_value = "human")]
    pub format: Format,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--level`: the level names, as the library spells them.
fn level_parser() -> impl clap::builder::TypedValueParser<Value = Level> {
    clap::builder::PossibleValuesParser::new(Level::ALL.map(Level::name))
        .map(|name| Level::from_name(&name).unwrap_or_default())
}

/// `--format`: the format names, as the library spells them.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    let names: Vec<&str> = Format::ALL
        .iter()
        .map(|f| f.name())
        .filter(|n| ["human", "libtest", "json", "github"].contains(n))
        .collect();
    clap::builder::PossibleValuesParser::new(names)
        .map(|name| Format::from_name(&name).unwrap_or(Format::Human))
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

pub fn run_command(dirs: &Dirs, args: RunArgs) -> Result<ExitCode, exit::Error> {
    let mut suite = dirs.discover_suite(&args.filters)?;
    if let Some((k, n)) = args.partition {
        suite.partition(k, n);
    }
    let schemas = dirs.load_schemas()?;
    let expectations = match &args.expect {
        Some(path) => {
            Some(read_expectations(path, args.update_expect).map_err(exit::Error::Usage)?)
        }
        None => None,
    };
    let config = args.target.config();
    let target = config.build().map_err(exit::Error::Usage)?;
    let plan = RunPlan {
        suite: &suite,
        schemas: &schemas,
        target: target.as_ref(),
        target_name: config.display_name(),
        level: args
            .level
            .unwrap_or_else(|| default_level(config.is_remote())),
        options: RunOptions {
            no_golden: args.no_golden,
            ..options(dirs.golden.clone(), args.jobs, args.fail_fast)
        },
        expectations: expectations.as_ref(),
    };
    let show = !args.quiet && args.format == Format::Human;
    let progress = Progress::new(show, suite.items.len());
    let finished = execute(&plan, &|outcome| progress.case_done(outcome));
    progress.finish();

    if let (Some(expectations), Some(path)) = (&expectations, &args.expect) {
        if args.update_expect {
            let updated = expectations.updated(&finished.outcomes);
            write_file(path, &updated.render()).map_err(|e| exit::Error::Usage(e.to_string()))?;
            eprintln!(
                "updated {}: {} case(s) with failing checks",
                path.display(),
                updated.cases.len()
            );
        } else if !finished.stale.is_empty() && args.filters.is_empty() && args.partition.is_none()
        {
            eprintln!(
                "warning: {} lists {} case(s) that do not exist: {}",
                path.display(),
                finished.stale.len(),
                finished.stale.join(", ")
            );
        }
    }

    let report = RunReport::new(&finished.outcomes, finished.info.clone());
    let style = args.color.style();
    // `--format json` streams one object per case per line, as it always has; the whole
    // document is `--report json=-`.
    let stdout_format = match args.format {
        Format::Json => Format::JsonLines,
        other => other,
    };
    exit::print_stdout(&stdout_format.reporter(style, args.quiet).render(&report))?;
    for spec in &args.reports {
        let text = spec.format.reporter(style, false).render(&report);
        if spec.is_stdout() {
            exit::print_stdout(&text)?;
        } else {
            write_file(&spec.path, &text).map_err(|e| exit::Error::Usage(e.to_string()))?;
        }
    }
    let end = finished.end();
    if end == conform::session::RunEnd::TargetUnusable {
        eprintln!(
            "error: the target at {} could not be used: no request got an answer",
            finished.info.target
        );
    }
    Ok(exit::for_run(end, args.update_expect))
}
