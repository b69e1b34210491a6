//! `conform schemas derive|check|stats`: derive JSON Schemas from the documented attributes,
//! catch drift between `schemas/` and the documents, and show coverage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::exit;
use conform::schema::{derive, drift, write, Derived, DocumentResult};

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Derive schemas from documents and write them into `--out`.
    Derive {
        /// Reference documents (files, or folders of `*.txt`).
        #[arg(long, required = true, num_args = 1..)]
        docs: Vec<PathBuf>,
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// Re-derive and fail when a derived schema in `--dir` differs.
    Check {
        #[arg(long, required = true, num_args = 1..)]
        docs: Vec<PathBuf>,
        #[arg(long, default_value = "schemas")]
        dir: PathBuf,
    },
    /// Print per object what the derived schema covers.
    Stats {
        #[arg(long, required = true, num_args = 1..)]
        docs: Vec<PathBuf>,
    },
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
        SchemasCommand::Derive { docs, out } => {
            let results = derived(&docs)?;
            let list = only_derived(&results);
            let paths = write(&out, &list).map_err(|e| exit::Error::Usage(e.to_string()))?;
            for path in paths {
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::from(exit::SUCCESS))
        }
        SchemasCommand::Check { docs, dir } => {
            let results = derived(&docs)?;
            let list = only_derived(&results);
            let stale = drift(&dir, &list);
            if stale.is_empty() {
                println!("{} derived schema(s) match the documents", list.len());
                Ok(ExitCode::from(exit::SUCCESS))
            } else {
                for file in &stale {
                    println!(
                        "drift: {} differs from a fresh derivation",
                        dir.join(file).display()
                    );
                }
                println!(
                    "hint: run `conform schemas derive --docs ... --out {}` and review the diff",
                    dir.display()
                );
                Ok(ExitCode::from(exit::FAILURES))
            }
        }
        SchemasCommand::Stats { docs } => {
            let results = derived(&docs)?;
            exit::print_stdout(&render_stats(&results))?;
            Ok(ExitCode::from(exit::SUCCESS))
        }
    }
}

/// The coverage report.
pub fn render_stats(results: &[DocumentResult]) -> String {
    let mut out = String::new();
    for result in results {
        match result {
            DocumentResult::Nothing { source, reason } => {
                out.push_str(&format!("{source}: nothing derived ({reason})\n"));
            }
            DocumentResult::Derived(d) => {
                let c = &d.coverage;
                let total = c.documented + d.unparsed.len();
                let percent = if total == 0 {
                    100.0
                } else {
                    100.0 * c.covered as f64 / total as f64
                };
                out.push_str(&format!(
                    "{} (from {}): {}/{} documented paths covered ({percent:.1}%), {} enums with {} values, {} open\n",
                    d.object, d.source, c.covered, total, c.enums, c.enum_values, c.open_enums.len()
                ));
                for path in &c.open_enums {
                    out.push_str(&format!("  open enum: {path}\n"));
                }
                for (path, reason) in &c.skipped {
                    out.push_str(&format!("  not covered: {path}: {reason}\n"));
                }
                for unparsed in &d.unparsed {
                    out.push_str(&format!(
                        "  unparsed: `{}`: {}\n",
                        unparsed.text, unparsed.reason
                    ));
                }
            }
        }
    }
    out
}
