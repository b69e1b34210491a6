//! The human report: owns [`render_case`] (what a person needs about one case: each failing
//! step with its failures by JSON pointer, the coloured diff and a `curl` line to reproduce it)
//! and [`render_summary`] (failures by class and the final `N passed, N failed` line).

use std::fmt::Write;

use super::Style;
use crate::outcome::{CaseOutcome, CaseStatus, Failure, StepStatus, Summary, Verdict};

/// One status line per case, plus the details of a failing case.
pub fn render_case(outcome: &CaseOutcome, style: Style) -> String {
    let mut out = String::new();
    match outcome.verdict() {
        Verdict::ExpectedFailure => {
            let reason = outcome.expected_failure.as_deref().unwrap_or("");
            let classes: Vec<&str> = outcome.classes().iter().map(|c| c.name()).collect();
            let _ = writeln!(
                out,
                "{} {} ({}){}",
                style.yellow("xfail"),
                outcome.name,
                classes.join(", "),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                }
            );
            return out;
        }
        Verdict::UnexpectedlyPassing => {
            let _ = writeln!(
                out,
                "{} {}: listed as a known failure but passes; remove it from the list (or run with --update-expect)",
                style.red("XPASS"),
                outcome.name
            );
            return out;
        }
        _ => {}
    }
    match outcome.status {
        CaseStatus::Passed => {
            let _ = writeln!(out, "{} {}", style.green("pass"), outcome.name);
        }
        CaseStatus::Skipped => {
            let _ = writeln!(out, "{} {}", style.yellow("skip"), outcome.name);
        }
        CaseStatus::Failed => {
            let _ = writeln!(
                out,
                "{} {} {}",
                style.red("FAIL"),
                style.bold(&outcome.name),
                style.dim(&format!("({})", outcome.file.display()))
            );
            out.push_str(&render_details(outcome, style));
        }
    }
    out
}

/// The details of a failing case, indented, without the status line.
pub fn render_details(outcome: &CaseOutcome, style: Style) -> String {
    let mut out = String::new();
    for failure in &outcome.failures {
        let _ = writeln!(out, "    {}", failure_line(failure, style));
    }
    for (i, step) in outcome.steps.iter().enumerate() {
        if step.status == StepStatus::Passed {
            continue;
        }
        let answered = step
            .http_status
            .map_or(String::new(), |s| format!(" -> {s}"));
        let _ = writeln!(
            out,
            "  step {} `{}`: {} {}{}",
            i + 1,
            step.name,
            step.method,
            step.path,
            answered
        );
        if step.status == StepStatus::NotRun {
            let _ = writeln!(out, "    not run: an earlier step got no usable answer");
            continue;
        }
        for failure in &step.failures {
            let _ = writeln!(out, "    {}", failure_line(failure, style));
        }
        if !step.diff.is_empty() {
            for line in style.diff(&step.diff).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        if let Some(curl) = &step.curl {
            let _ = writeln!(out, "    {} {curl}", style.dim("reproduce:"));
        }
    }
    let warnings: usize = outcome.steps.iter().map(|s| s.warnings.len()).sum();
    if warnings > 0 {
        let first = outcome
            .steps
            .iter()
            .flat_map(|s| s.warnings.iter().map(move |w| (s, w)))
            .next();
        if let Some((step, warning)) = first {
            let _ = writeln!(
                out,
                "    {} {warnings} schema warning(s), first in step `{}` at /body{}: {}",
                style.yellow("warning:"),
                step.name,
                warning.pointer,
                warning.message
            );
        }
    }
    out
}

fn failure_line(failure: &Failure, style: Style) -> String {
    let at = failure
        .pointer
        .as_deref()
        .map_or(String::new(), |p| format!(" at {p}"));
    format!(
        "{}{at}: {}",
        style.red(failure.class.describe()),
        failure.message
    )
}

/// Failure classes (when any) and the final line.
pub fn render_summary(outcomes: &[CaseOutcome], style: Style) -> String {
    let summary = Summary::of(outcomes);
    let mut out = String::new();
    if !summary.classes.is_empty() {
        let classes: Vec<String> = crate::outcome::FailureClass::ALL
            .iter()
            .filter_map(|class| {
                summary
                    .classes
                    .get(class.name())
                    .map(|n| format!("{} {n}", class.describe()))
            })
            .collect();
        let _ = writeln!(
            out,
            "{} {}",
            style.bold("failing cases by class:"),
            classes.join(", ")
        );
    }
    // The last line stays plain so scripts can read it.
    let _ = writeln!(out, "{}", summary.line());
    out
}
