//! The libtest report: owns [`Libtest`], `test NAME ... ok` lines and a `test result:` line in
//! the manner of `cargo test`, for tools that read that format.

use std::fmt::Write;

use super::{Reporter, RunReport};
use crate::outcome::Verdict;

#[derive(Debug, Clone, Copy, Default)]
pub struct Libtest;

impl Reporter for Libtest {
    fn render(&self, run: &RunReport<'_>) -> String {
        let mut out = format!("\nrunning {} tests\n", run.cases.len());
        for outcome in run.cases {
            let word = match outcome.verdict() {
                Verdict::Passed => "ok",
                Verdict::Failed | Verdict::Blocked | Verdict::UnexpectedlyPassing => "FAILED",
                Verdict::Skipped | Verdict::ExpectedFailure => "ignored",
            };
            let _ = writeln!(out, "test {} ... {word}", outcome.name);
        }
        let summary = &run.summary;
        let _ = writeln!(
            out,
            "\ntest result: {}. {} passed; {} failed; {} ignored",
            if summary.ok() { "ok" } else { "FAILED" },
            summary.passed,
            summary.failed + summary.blocked,
            summary.skipped + summary.expected_failures
        );
        let _ = writeln!(out, "{}", summary.line());
        out
    }
}
