//! `conform matrix`: the corpus against several implementations, as an HTML table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use serde_json::Value;

use super::common::{Dirs, TargetArgs};
use super::exit;
use crate::engine::Context;
use crate::matrix::build;
use crate::report::{json, RunInfo};
use crate::suite::{run, RunOptions};
use crate::write::write_atomic;

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// An implementation to run the corpus against: `NAME=URL` (`NAME=replay` for the built-in target).
    #[arg(long = "target", value_name = "NAME=URL")]
    pub targets: Vec<String>,
    /// A saved JSON report (`conform run --report json=FILE`): `NAME=FILE`.
    #[arg(long = "report", value_name = "NAME=FILE")]
    pub reports: Vec<String>,
    /// Where to write the page.
    #[arg(long, default_value = "matrix.html")]
    pub out: PathBuf,
    /// Also write the matrix data as JSON.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
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

pub fn matrix_command(dirs: &Dirs, args: MatrixArgs) -> ExitCode {
    let mut reports: Vec<(String, Value)> = Vec::new();
    let usage = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(exit::USAGE)
    };
    if args.targets.is_empty() && args.reports.is_empty() {
        return usage("give at least one --target NAME=URL or --report NAME=FILE".to_owned());
    }
    for spec in &args.reports {
        let (name, file) = match split(spec) {
            Ok(pair) => pair,
            Err(m) => return usage(m),
        };
        let value = std::fs::read_to_string(&file)
            .map_err(|e| format!("{file}: {e}"))
            .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("{file}: {e}")));
        match value {
            Ok(v) => reports.push((name, v)),
            Err(m) => return usage(m),
        }
    }
    if !args.targets.is_empty() {
        let Ok(suite) = dirs.load_suite(&[]) else {
            return ExitCode::from(exit::USAGE);
        };
        let Ok(schemas) = dirs.load_schemas() else {
            return ExitCode::from(exit::USAGE);
        };
        for spec in &args.targets {
            let (name, url) = match split(spec) {
                Ok(pair) => pair,
                Err(m) => return usage(m),
            };
            let target_args = TargetArgs::for_url((url != "replay").then(|| url.clone()));
            let target = match target_args.build() {
                Ok(t) => t,
                Err(m) => return usage(m),
            };
            let options = RunOptions {
                golden_root: dirs.golden.clone(),
                jobs: args
                    .jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                fail_fast: false,
            };
            let started = Instant::now();
            let outcomes = run(
                &suite,
                Context {
                    target: target.as_ref(),
                    schemas: &schemas,
                },
                &options,
                &|_| {},
            );
            let info = RunInfo {
                target: url.clone(),
                duration: started.elapsed(),
            };
            let text = json::render(&outcomes, &info);
            match serde_json::from_str(&text) {
                Ok(v) => reports.push((name, v)),
                Err(e) => return usage(e.to_string()),
            }
        }
    }
    let matrix = match build(&reports) {
        Ok(m) => m,
        Err(m) => return usage(m),
    };
    match write_beside(&args.out, &matrix.to_html()) {
        Ok(path) => println!("wrote {}", path.display()),
        Err(m) => return usage(m),
    }
    if let Some(path) = &args.json {
        if let Err(m) = write_beside(path, &matrix.to_json()) {
            return usage(m);
        }
    }
    for (name, totals) in matrix.implementations.iter().zip(&matrix.totals) {
        println!(
            "{name}: {} passed, {} failed, {} expected failures, {} errors, {} absent",
            totals.pass, totals.fail, totals.expected_failure, totals.error, totals.absent
        );
    }
    ExitCode::from(exit::SUCCESS)
}
