//! `conform validate FILE...`: validates JSON documents against `schemas/`, choosing each
//! object's schema by its `object` field, and prints every violation with its JSON pointer.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use super::common::{count, Dirs};
use super::exit;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// JSON files: a response body, a list, an event, or an array of them.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn validate_command(dirs: &Dirs, args: ValidateArgs) -> Result<ExitCode, exit::Error> {
    let schemas = dirs.load_schemas()?;
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut unreadable = false;
    for file in &args.files {
        let value: Value = match std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                serde_json::from_str(&t)
                    .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))
            }) {
            Ok(v) => v,
            Err(message) => {
                eprintln!("error: {}: {message}", file.display());
                unreadable = true;
                continue;
            }
        };
        let documents: Vec<(String, &Value)> = match &value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("/{i}"), v))
                .collect(),
            other => vec![(String::new(), other)],
        };
        for (prefix, document) in documents {
            for violation in schemas.validate(document) {
                let label = count(violation.severity, &mut errors, &mut warnings);
                outln!(
                    "{label}: {}:{prefix}{} ({}): {} [{}]",
                    file.display(),
                    violation.pointer,
                    violation.object,
                    violation.message,
                    violation.rule
                );
            }
        }
    }
    outln!(
        "{} file(s): {errors} error(s), {warnings} warning(s)",
        args.files.len()
    );
    Ok(exit::unusable_or_failing_if(unreadable, errors > 0))
}
