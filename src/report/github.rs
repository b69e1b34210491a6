//! GitHub Actions annotations: owns [`Github`], which puts each failing step on its case file's
//! line in a pull request (`::error file=…,line=…::…`), warnings as `::warning`, and the summary
//! as a `::notice`. Values are escaped as the workflow command syntax requires.

use std::fmt::Write;

use super::{Reporter, RunReport};
use crate::outcome::{StepStatus, Verdict};

/// Most annotations written for one run; GitHub shows only the first few per step anyway.
pub const MAX_ANNOTATIONS: usize = 200;

#[derive(Debug, Clone, Copy, Default)]
pub struct Github;

/// Escapes a message: `%`, CR and LF.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], plus `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for Github {
    fn render(&self, run: &RunReport<'_>) -> String {
        let mut out = String::new();
        let mut written = 0;
        let mut emit =
            |out: &mut String, level: &str, file: &str, line: usize, title: &str, message: &str| {
                if written < MAX_ANNOTATIONS {
                    let _ = writeln!(
                        out,
                        "::{level} file={},line={},title={}::{}",
                        property(file),
                        line.max(1),
                        property(title),
                        data(message)
                    );
                    written += 1;
                }
            };
        for case in run.cases {
            let verdict = case.verdict();
            let file = case.file.display().to_string();
            if verdict == Verdict::UnexpectedlyPassing {
                emit(&mut out, "error", &file, 1, &format!("conform: {} passes", case.name),
                    "listed in the expectations file but passes; remove it (or run with --update-expect)");
                continue;
            }
            if !verdict.is_bad() {
                continue;
            }
            for failure in &case.failures {
                emit(
                    &mut out,
                    "error",
                    &file,
                    1,
                    &format!("conform: {}", case.name),
                    &failure.message,
                );
            }
            for step in &case.steps {
                if step.status != StepStatus::Failed || !step.charged && verdict == Verdict::Blocked
                {
                    continue;
                }
                let lines: Vec<String> = step
                    .failures
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}: {}",
                            f.class.describe(),
                            f.pointer.as_deref().unwrap_or(""),
                            f.message
                        )
                    })
                    .collect();
                let title = format!(
                    "conform: {} step {} ({})",
                    case.name, step.name, step.endpoint
                );
                emit(
                    &mut out,
                    "error",
                    &file,
                    step.line,
                    &title,
                    &lines.join("\n"),
                );
            }
        }
        let s = &run.summary;
        let _ = writeln!(
            out,
            "::notice title=conform::{}; checks {} passed, {} failed, {} warned",
            data(&s.line()),
            s.checks.passed,
            s.checks.failed,
            s.checks.warned
        );
        out
    }
}
