//! `conform schemas derive|check|stats`: derive JSON Schemas from the documented attributes (and
//! the hand-written ones from a type reference), catch drift between `schemas/` and either
//! source, and show coverage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::exit;
use conform::schema::{
    derive, drift, from_reference, read_reference, reference_drift, reference_pairs, render,
    render_stats, write, Derived, DocumentResult, ReferencePair,
};

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Derive schemas from documents (`--docs`) and bring the hand-written ones in line with a
    /// type reference (`--from`, the `stripe` Node package folder); write them into `--out`.
    #[command(arg_required_else_help = true)]
    Derive {
        /// Reference documents (files, or folders of `*.txt`).
        #[arg(long, num_args = 1..)]
        docs: Vec<PathBuf>,
        /// The `stripe` Node package (its `*.d.ts` declarations).
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// Fail when a schema in `--dir` drifts from the documents (`--docs`) or from the type
    /// reference (`--reference`).
    #[command(arg_required_else_help = true)]
    Check {
        #[arg(long, num_args = 1..)]
        docs: Vec<PathBuf>,
        /// The `stripe` Node package (its `*.d.ts` declarations).
        #[arg(long, value_name = "DIR")]
        reference: Option<PathBuf>,
        #[arg(long, default_value = "schemas")]
        dir: PathBuf,
    },
    /// Print per object what the derived schema covers.
    Stats {
        #[arg(long, required = true, num_args = 1..)]
        docs: Vec<PathBuf>,
    },
}

/// The hand-written schemas of `dir` beside the reference at `from`.
fn pairs(from: &std::path::Path, dir: &std::path::Path) -> Result<Vec<ReferencePair>, exit::Error> {
    let reference = read_reference(from).map_err(|e| exit::Error::Usage(e.to_string()))?;
    let (pairs, absent) =
        reference_pairs(dir, &reference).map_err(|e| exit::Error::Usage(e.to_string()))?;
    for object in absent {
        outln!("not in the reference: {object} (kept as written)");
    }
    Ok(pairs)
}

fn derived(docs: &[PathBuf]) -> Result<Vec<DocumentResult>, exit::Error> {
    derive(docs).map_err(|err| exit::Error::Usage(err.to_string()))
}

fn only_derived(results: &[DocumentResult]) -> Vec<&Derived> {
    results
        .iter()
        .filter_map(|r| match r {
            DocumentResult::Derived(d) => Some(d.as_ref()),
            DocumentResult::Nothing { .. } => None,
        })
        .collect()
}

pub fn schemas_command(command: SchemasCommand) -> Result<ExitCode, exit::Error> {
    match command {
        SchemasCommand::Derive { docs, from, out } => {
            if let Some(from) = from {
                for pair in pairs(&from, &out)? {
                    let schema = from_reference(&pair.committed, &pair.derived);
                    let path = conform::write::write_atomic(
                        &out,
                        std::path::Path::new(&pair.file),
                        render(&schema).as_bytes(),
                    )
                    .map_err(|e| exit::Error::Usage(e.to_string()))?;
                    outln!("wrote {} (from the reference)", path.display());
                }
            }
            let results = derived(&docs)?;
            let list = only_derived(&results);
            let paths = write(&out, &list).map_err(|e| exit::Error::Usage(e.to_string()))?;
            for path in paths {
                outln!("wrote {}", path.display());
            }
            Ok(exit::success())
        }
        SchemasCommand::Check {
            docs,
            reference,
            dir,
        } => {
            let mut drifting = 0;
            if let Some(reference) = reference {
                let pairs = pairs(&reference, &dir)?;
                for pair in &pairs {
                    for line in reference_drift(&pair.committed, &pair.derived) {
                        drifting += 1;
                        outln!("drift: {} {line}", pair.file);
                    }
                }
                outln!(
                    "{} hand-written schema(s) checked against the reference",
                    pairs.len()
                );
            }
            if !docs.is_empty() {
                let results = derived(&docs)?;
                let list = only_derived(&results);
                let stale = drift(&dir, &list);
                for file in &stale {
                    outln!(
                        "drift: {} differs from a fresh derivation",
                        dir.join(file).display()
                    );
                }
                if stale.is_empty() {
                    outln!("{} derived schema(s) match the documents", list.len());
                }
                drifting += stale.len();
            }
            if drifting == 0 {
                Ok(exit::success())
            } else {
                outln!(
                    "hint: run `conform schemas derive` with the same sources (--docs, or --from for the reference) and --out {}, and review the diff",
                    dir.display()
                );
                Ok(exit::failing_if(true))
            }
        }
        SchemasCommand::Stats { docs } => {
            let results = derived(&docs)?;
            exit::print_stdout(&render_stats(&results))?;
            Ok(exit::success())
        }
    }
}
