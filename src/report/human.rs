//! The human report: owns [`Human`], which prints the score and what to fix first (failing
//! checks grouped by what an implementer changes, ranked by the cases each would turn green),
//! then each case (a failing one with its failures by JSON
//! pointer, the coloured diff and a `curl` line to reproduce it), then the score per endpoint
//! and the summary, ending with the plain `N passed, N failed` line.

use std::fmt::Write;

use super::{Reporter, RunReport, Style};
use crate::outcome::{CaseOutcome, CaseStatus, Failure, StepStatus, Verdict};

/// How many fix-first entries the report shows.
pub const TOP_DIFFERENCES: usize = 10;

/// The human report; `quiet` leaves out passing and expected-failing cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct Human {
    pub style: Style,
    pub quiet: bool,
}

impl Reporter for Human {
    fn render(&self, run: &RunReport<'_>) -> String {
        let style = self.style;
        let mut out = render_ranked(run, style);
        for outcome in run.cases {
            let verdict = outcome.verdict();
            if self.quiet && matches!(verdict, Verdict::Passed | Verdict::ExpectedFailure) {
                continue;
            }
            out.push_str(&render_case(outcome, style));
        }
        out.push_str(&render_endpoints(run, style));
        out.push_str(&render_summary(run, style));
        out
    }
}

/// Where the target stands (its score over the fixed checks), then what to fix first: the
/// entries that would turn the most cases green.
pub fn render_ranked(run: &RunReport<'_>, style: Style) -> String {
    let mut out = String::new();
    let checks = run.summary.checks;
    if let Some(percent) = checks.percent() {
        let _ = writeln!(
            out,
            "{} {percent:.1}% of {} checks ({} passed, {} warned, {} failed; {} attributes added)",
            style.bold("score"),
            checks.total(),
            checks.passed,
            checks.warned,
            checks.failed,
            checks.added,
        );
    }
    if run.fix_first.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        return out;
    }
    let _ = writeln!(
        out,
        "{} ({} things to fix; the first {} by cases each would turn green)",
        style.bold("fix first"),
        run.fix_first.len(),
        run.fix_first.len().min(TOP_DIFFERENCES)
    );
    let rows: Vec<[String; 4]> = run
        .fix_first
        .iter()
        .take(TOP_DIFFERENCES)
        .map(|d| {
            let endpoints = match d.endpoints.as_slice() {
                [one] => one.clone(),
                many => format!("{} endpoints", many.len()),
            };
            [
                d.what.clone(),
                d.kind.name().to_owned(),
                format!("{} green", d.turns_green),
                format!(
                    "{} step{} in {} case{} at {endpoints}  (e.g. {})",
                    d.steps,
                    if d.steps == 1 { "" } else { "s" },
                    d.cases,
                    if d.cases == 1 { "" } else { "s" },
                    d.example
                ),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for [what, kind, green, reach] in &rows {
        let _ = writeln!(
            out,
            "  {what:w0$}  {}  {green:>w2$}  {reach}",
            style.red(&format!("{kind:w1$}"))
        );
    }
    out.push('\n');
    out
}

/// The share of checks passed per endpoint.
pub fn render_endpoints(run: &RunReport<'_>, style: Style) -> String {
    let mut out = String::new();
    if run.endpoints.is_empty() {
        return out;
    }
    let names: Vec<String> = run
        .endpoints
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    let w = names.iter().map(String::len).max().unwrap_or(0).max(8);
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "{:w$}  {:>6}  {:>7} {:>7} {:>7}  {:>5} {:>5} {:>7}",
            "endpoint", "score", "passed", "failed", "warned", "cases", "fail", "blocked"
        ))
    );
    for (name, e) in names.iter().zip(&run.endpoints) {
        let percent = e
            .checks
            .percent()
            .map_or("-".to_owned(), |p| format!("{p:.1}%"));
        let painted = if e.checks.failed == 0 {
            style.green(&format!("{percent:>6}"))
        } else {
            style.red(&format!("{percent:>6}"))
        };
        let _ = writeln!(
            out,
            "{name:w$}  {painted}  {:>7} {:>7} {:>7}  {:>5} {:>5} {:>7}",
            e.checks.passed,
            e.checks.failed,
            e.checks.warned,
            e.cases.passed + e.cases.failed + e.cases.blocked,
            e.cases.failed,
            e.cases.blocked
        );
    }
    out
}

/// One status line per case, plus the details of a failing case.
pub fn render_case(outcome: &CaseOutcome, style: Style) -> String {
    let mut out = String::new();
    match outcome.verdict() {
        Verdict::ExpectedFailure => {
            let reason = outcome.expected_failure().unwrap_or("");
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
            for key in outcome.fixed() {
                let _ = writeln!(out, "    fixed (remove from the expectations file): {key}");
            }
            return out;
        }
        Verdict::Failed if outcome.expected_failure().is_some() => {
            let _ = writeln!(
                out,
                "{} {}: {} check(s) fail that the expectations file does not list (a regression)",
                style.red("FAIL"),
                style.bold(&outcome.name),
                outcome.regressions().len()
            );
            for key in outcome.regressions() {
                let _ = writeln!(out, "    new: {key}");
            }
            out.push_str(&render_details(outcome, style));
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
        CaseStatus::Blocked => {
            for key in outcome.regressions() {
                let _ = writeln!(out, "    new: {key}");
            }
            let _ = writeln!(
                out,
                "{} {} {}: a setup step failed ({}); the subject was not judged",
                style.yellow("BLOCKED"),
                style.bold(&outcome.name),
                style.dim(&format!("({})", outcome.file.display())),
                outcome
                    .blocked_by
                    .as_ref()
                    .map_or(String::new(), |e| format!("blocked by {e}"))
            );
            out.push_str(&render_details(outcome, style));
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
        if !step.diff().is_empty() {
            for line in style.diff(step.diff()).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        if let Some(curl) = step.curl() {
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
                "    {} {warnings} warning(s), first in step `{}`: {}",
                style.yellow("warning:"),
                step.name,
                failure_line(warning, Style::default())
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

/// Failure classes (when any), checks, and the final line.
pub fn render_summary(run: &RunReport<'_>, style: Style) -> String {
    let summary = &run.summary;
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
    let c = summary.checks;
    let _ = writeln!(
        out,
        "{} {} passed, {} failed, {} warned of {}, {} added attributes apart ({} level{})",
        style.bold("checks:"),
        c.passed,
        c.failed,
        c.warned,
        c.total(),
        c.added,
        run.info.level.name(),
        c.percent()
            .map_or(String::new(), |p| format!(", score {p:.1}%"))
    );
    // The last line stays plain so scripts can read it.
    let _ = writeln!(out, "{}", summary.line());
    out
}
