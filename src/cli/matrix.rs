//! `conform matrix`: the corpus against several implementations, as an HTML table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::common::Dirs;
use super::exit;
use conform::report::matrix::{build, SavedReport};
use conform::report::RunReport;
use conform::session::{default_level, execute, options, RunPlan};
use conform::target::TargetConfig;
use conform::write::write_atomic;

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// An implementation to run the corpus against: `NAME=URL` (`NAME=replay` for the built-in target).
    #[arg(long = "target", value_name = "NAME=URL")]
    pub targets: Vec<String>,
    /// A saved JSON report (`conform run --report json=FILE`): `NAME=FILE` (repeatable; one
    /// column each, in the order given).
    #[arg(long = "report", value_name = "NAME=FILE")]
    pub reports: Vec<String>,
    /// Where to write the page.
    #[arg(long, default_value = "matrix.html")]
    pub out: PathBuf,
    /// Also write the matrix data as JSON (endpoints, checks, rows and totals per
    /// implementation), for tools.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Also write the leaderboard, the per-endpoint table and the fix-first lists as Markdown, replacing the
    /// part of the file between `<!-- matrix:start -->` and `<!-- matrix:end -->`.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Worker threads for `--target` runs (default: the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}

fn split(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected NAME=VALUE, got `{text}`"))
}

fn write_beside(path: &Path, text: &str) -> Result<PathBuf, String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(PathBuf::from)
        .ok_or("the path names no file")?;
    write_atomic(dir, &name, text.as_bytes()).map_err(|e| e.to_string())
}

const START: &str = "<!-- matrix:start -->";
const END: &str = "<!-- matrix:end -->";

/// `existing` with the text between the markers replaced by `table` (appended with markers
/// when the file has none).
fn splice(existing: &str, table: &str) -> String {
    let block = format!("{START}\n{table}{END}");
    match (existing.find(START), existing.find(END)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{block}{}", &existing[..a], &existing[b + END.len()..])
        }
        _ if existing.is_empty() => format!("{block}\n"),
        _ => format!("{}\n{block}\n", existing.trim_end()),
    }
}

pub fn matrix_command(dirs: &Dirs, args: MatrixArgs) -> Result<ExitCode, exit::Error> {
    let usage = exit::Error::Usage;
    if args.targets.is_empty() && args.reports.is_empty() {
        return Err(usage(
            "give at least one --target NAME=URL or --report NAME=FILE".to_owned(),
        ));
    }
    let mut reports: Vec<(String, SavedReport)> = Vec::new();
    for spec in &args.reports {
        let (name, file) = split(spec).map_err(usage)?;
        let report = std::fs::read_to_string(&file)
            .map_err(|e| format!("{file}: {e}"))
            .and_then(|t| SavedReport::parse(&t).map_err(|e| format!("{file}: {e}")))
            .map_err(usage)?;
        reports.push((name, report));
    }
    if !args.targets.is_empty() {
        let suite = dirs.discover_suite(&[])?;
        let schemas = dirs.load_schemas()?;
        for spec in &args.targets {
            let (name, url) = split(spec).map_err(usage)?;
            let mut target_args = TargetConfig::for_url((url != "replay").then(|| url.clone()));
            target_args.api_key = std::env::var("CONFORM_API_KEY").ok();
            let target = target_args.build().map_err(usage)?;
            let plan = RunPlan {
                suite: &suite,
                schemas: &schemas,
                target: target.as_ref(),
                target_name: target_args.display_name(),
                level: default_level(target_args.is_remote()),
                options: options(dirs.golden.clone(), args.jobs, false),
                expectations: None,
            };
            let finished = execute(&plan, &|_| {});
            let run = RunReport::new(&finished.outcomes, finished.info.clone());
            reports.push((name, SavedReport::of_run(&run)));
        }
    }
    let matrix = build(&reports);
    let path = write_beside(&args.out, &matrix.to_html()).map_err(usage)?;
    let mut out = format!("wrote {}\n", path.display());
    if let Some(path) = &args.json {
        write_beside(path, &matrix.to_json()).map_err(usage)?;
    }
    if let Some(path) = &args.markdown {
        let existing = std::fs::read_to_string(path).unwrap_or_default();
        let text = splice(&existing, &matrix.to_markdown());
        write_beside(path, &text).map_err(usage)?;
        out.push_str(&format!("wrote {}\n", path.display()));
    }
    for ((name, totals), checks) in matrix
        .implementations
        .iter()
        .zip(&matrix.totals)
        .zip(&matrix.checks)
    {
        out.push_str(&format!(
            "{name}: {} passed, {} failed, {} blocked, {} expected failures, {} errors, {} absent; {} of checks passed\n",
            totals.pass,
            totals.fail,
            totals.blocked,
            totals.expected_failure,
            totals.error,
            totals.absent,
            checks.percent().map_or("-".to_owned(), |p| format!("{p:.1}%"))
        ));
    }
    exit::print_stdout(&out)?;
    Ok(exit::success())
}
