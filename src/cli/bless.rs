//! `conform bless`: writes golden files from the recordings (default) or from a live target.

use std::process::ExitCode;

use clap::Args;

use super::common::{Dirs, TargetArgs};
use super::exit;
use conform::bless::{bless_suite, Change, Event, Source};
use conform::engine::Context;

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
    let source = if live {
        Source::Target(Context {
            target: target.as_ref(),
            schemas: &schemas,
            level: conform::check::Level::Strict,
            keep_answers: true,
        })
    } else {
        Source::Recordings
    };
    let summary = bless_suite(
        &suite,
        &dirs.golden,
        source,
        args.check,
        &mut |event| match event {
            Event::Blessed {
                change: Change::Unchanged,
                ..
            } => {}
            Event::Blessed {
                case,
                change,
                path: None,
                ..
            } => outln!("would {} {case}", verb(change)),
            Event::Blessed {
                change,
                path: Some(path),
                diff,
                ..
            } => {
                outln!("{} {}", verb(change), path.display());
                out!("{diff}");
            }
            Event::Replacing { error } => {
                eprintln!("warning: replacing broken golden file {error}")
            }
            Event::Problem { message } => eprintln!("error: {message}"),
        },
    );
    outln!(
        "{} created, {} updated, {} unchanged",
        summary.created,
        summary.updated,
        summary.unchanged
    );
    Ok(exit::failing_if(
        summary.problems > 0 || (args.check && summary.created + summary.updated > 0),
    ))
}

fn verb(change: Change) -> &'static str {
    match change {
        Change::Created => "create",
        Change::Updated => "update",
        Change::Unchanged => "keep",
    }
}
