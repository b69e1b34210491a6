//! The JUnit XML report: owns [`render`]. One `<testsuite>` per resource group, one
//! `<testcase>` per case; a failing case holds a `<failure>` with its classes and the human
//! details (differences by JSON pointer, diff, curl line); skipped cases and expected failures
//! are `<skipped>`; a case passing against its known-failure entry is a failure.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::human::render_details;
use super::{escape_markup as escape, Reporter, RunReport, Style};
use crate::check::Tally;
use crate::outcome::{CaseOutcome, Verdict};

/// JUnit XML; each suite carries its checks as properties.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

impl Reporter for Junit {
    fn render(&self, run: &RunReport<'_>) -> String {
        render(run)
    }
}

fn seconds(outcome: &CaseOutcome) -> String {
    format!("{:.3}", outcome.duration.as_secs_f64())
}

/// The run as JUnit XML.
fn render(run: &RunReport<'_>) -> String {
    let outcomes = run.cases;
    let info = &run.info;
    let mut groups: BTreeMap<&str, Vec<&CaseOutcome>> = BTreeMap::new();
    for outcome in outcomes {
        groups.entry(outcome.group()).or_default().push(outcome);
    }
    let count = |cases: &[&CaseOutcome], f: fn(Verdict) -> bool| {
        cases.iter().filter(|o| f(o.verdict())).count()
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all: Vec<&CaseOutcome> = outcomes.iter().collect();
    let _ =
        writeln!(
        out,
        "<testsuites name=\"conform\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        outcomes.len(),
        count(&all, Verdict::is_bad),
        count(&all, |v| matches!(v, Verdict::Skipped | Verdict::ExpectedFailure)),
        info.duration.as_secs_f64()
    );
    for (group, cases) in &groups {
        let name = if group.is_empty() { "cases" } else { group };
        let time: f64 = cases.iter().map(|c| c.duration.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
            escape(name),
            cases.len(),
            count(cases, Verdict::is_bad),
            count(cases, |v| matches!(v, Verdict::Skipped | Verdict::ExpectedFailure)),
        );
        let mut checks = Tally::default();
        for case in cases {
            checks.add(case.checks());
        }
        let _ = writeln!(
            out,
            "    <properties><property name=\"target\" value=\"{}\"/><property name=\"level\" value=\"{}\"/><property name=\"checks.passed\" value=\"{}\"/><property name=\"checks.failed\" value=\"{}\"/><property name=\"checks.warned\" value=\"{}\"/></properties>",
            escape(&info.target),
            info.level.name(),
            checks.passed,
            checks.failed,
            checks.warned
        );
        for case in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{}\"",
                escape(name),
                escape(&case.name),
                escape(&case.file.display().to_string()),
                seconds(case)
            );
            let classes: Vec<&str> = case.classes().iter().map(|c| c.name()).collect();
            match case.verdict() {
                Verdict::Passed => out.push_str("/>\n"),
                Verdict::Skipped => out.push_str(
                    ">\n      <skipped message=\"not run (fail-fast)\"/>\n    </testcase>\n",
                ),
                Verdict::ExpectedFailure => {
                    let reason = case.expected_failure.as_deref().unwrap_or("");
                    let _ = write!(
                        out,
                        ">\n      <skipped message=\"expected failure: {}\"/>\n    </testcase>\n",
                        escape(reason)
                    );
                }
                Verdict::UnexpectedlyPassing => {
                    out.push_str(">\n      <failure message=\"unexpectedly passing\" type=\"unexpectedly_passing\">listed as a known failure but passes; remove it from the expectations file</failure>\n    </testcase>\n");
                }
                Verdict::Blocked => {
                    let _ = write!(
                        out,
                        ">\n      <failure message=\"blocked by {}\" type=\"blocked\">{}</failure>\n    </testcase>\n",
                        escape(&case.blocked_by.as_ref().map(ToString::to_string).unwrap_or_default()),
                        escape(&render_details(case, Style::default()))
                    );
                }
                Verdict::Failed => {
                    let _ = write!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(&classes.join(", ")),
                        escape(classes.first().copied().unwrap_or("failed")),
                        escape(&render_details(case, Style::default()))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
