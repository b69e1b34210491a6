//! `conform bless`: writes golden files from the recordings (default) or from a live target.

use std::process::ExitCode;

use clap::Args;

use super::common::{Dirs, TargetArgs};
use super::exit;
use conform::bless::{bless, golden_from_recording, golden_from_run, Change};
use conform::engine::Context;
use conform::golden::GoldenFile;
use conform::suite::run_one;

#[derive(Debug, Args)]
pub struct BlessArgs {
    /// Bless only cases whose name contains one of these, or that carry one of these tags.
    pub filters: Vec<String>,
    /// Bless from a live target's answers instead of the recordings.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Report what would change without writing.
    #[arg(long)]
    pub check: bool,
}

pub fn bless_command(dirs: &Dirs, args: BlessArgs) -> Result<ExitCode, exit::Error> {
    let removed = conform::write::remove_leftovers(&dirs.golden);
    if removed > 0 {
        eprintln!("removed {removed} temporary file(s) left by an interrupted write");
    }
    let suite = dirs.load_suite(&args.filters)?;
    let live = args.target.target.is_some();
    let target = match args.target.config().build() {
        Ok(target) => target,
        Err(message) => {
            return Err(exit::Error::Usage(message.to_string()));
        }
    };
    let schemas = if live {
        match dirs.load_schemas() {
            Ok(s) => s,
            Err(_) => return Err(exit::Error::Reported),
        }
    } else {
        Default::default()
    };
    let mut problems = 0usize;
    let mut counts = [0usize; 3];
    for item in &suite.items {
        let loaded = match item.case() {
            Ok(case) => case,
            Err(error) => {
                eprintln!("error: {error}");
                problems += 1;
                continue;
            }
        };
        let case = loaded.as_ref();
        let existing = match GoldenFile::read(&dirs.golden, &case.name) {
            Ok(existing) => existing,
            Err(error) => {
                eprintln!("warning: replacing broken golden file {error}");
                None
            }
        };
        let golden = if live {
            let ctx = Context {
                target: target.as_ref(),
                schemas: &schemas,
                level: conform::check::Level::Strict,
                keep_answers: true,
            };
            let outcome = run_one(case, existing.as_ref(), ctx);
            match golden_from_run(case, &outcome, existing.as_ref()) {
                Some(golden) => golden,
                None => {
                    eprintln!(
                        "error: {}: the target did not answer every step; not blessed",
                        case.name
                    );
                    problems += 1;
                    continue;
                }
            }
        } else {
            golden_from_recording(case, existing.as_ref())
        };
        if args.check {
            let current = existing.map(|g| g.render());
            let change = match current {
                None => Change::Created,
                Some(text) if text == golden.render() => Change::Unchanged,
                Some(_) => Change::Updated,
            };
            counts[change as usize] += 1;
            if change != Change::Unchanged {
                outln!("would {} {}", verb(change), case.name);
            }
            continue;
        }
        match bless(&dirs.golden, &golden) {
            Ok(blessed) => {
                counts[blessed.change as usize] += 1;
                if blessed.change != Change::Unchanged {
                    outln!("{} {}", verb(blessed.change), blessed.path.display());
                    out!("{}", blessed.diff);
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                problems += 1;
            }
        }
    }
    outln!(
        "{} created, {} updated, {} unchanged",
        counts[Change::Created as usize],
        counts[Change::Updated as usize],
        counts[Change::Unchanged as usize]
    );
    Ok(exit::failing_if(
        problems > 0 || (args.check && counts[0] + counts[1] > 0),
    ))
}

fn verb(change: Change) -> &'static str {
    match change {
        Change::Created => "create",
        Change::Updated => "update",
        Change::Unchanged => "keep",
    }
}
