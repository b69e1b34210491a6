//! The JUnit XML report: owns [`Junit`], written with `quick-junit`. One `<testsuite>` per
//! resource group carrying the target, the level and its checks as properties; one
//! `<testcase>` per case. A failing or blocked case holds a `<failure>` with its classes and the
//! human details (differences by JSON pointer, diff, curl line); skipped cases and expected
//! failures are `<skipped>`; a case passing against its known-failure entry is a failure.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::human::render_details;
use super::{Reporter, RunReport, Style};
use crate::check::Tally;
use crate::outcome::{CaseOutcome, Verdict};

/// JUnit XML.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

fn failure(kind: &str, message: &str, description: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_type(kind)
        .set_message(message)
        .set_description(description);
    status
}

fn status(case: &CaseOutcome) -> TestCaseStatus {
    let classes: Vec<&str> = case.classes().iter().map(|c| c.name()).collect();
    let details = || render_details(case, Style::default());
    match case.verdict() {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message("not run (fail-fast)");
            s
        }
        Verdict::ExpectedFailure => {
            let mut s = TestCaseStatus::skipped();
            let reason = case.expected_failure().unwrap_or("");
            s.set_message(format!("expected failure: {reason}"));
            s
        }
        Verdict::UnexpectedlyPassing => failure(
            "unexpectedly_passing",
            "unexpectedly passing",
            "listed as a known failure but passes; remove it from the expectations file",
        ),
        Verdict::Blocked => failure(
            "blocked",
            &format!(
                "blocked by {}",
                case.blocked_by
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            &details(),
        ),
        Verdict::Failed => failure(
            classes.first().copied().unwrap_or("failed"),
            &classes.join(", "),
            &details(),
        ),
    }
}

impl Reporter for Junit {
    fn render(&self, run: &RunReport<'_>) -> String {
        let mut groups: BTreeMap<&str, Vec<&CaseOutcome>> = BTreeMap::new();
        for outcome in run.cases {
            groups.entry(outcome.group()).or_default().push(outcome);
        }
        let mut report = Report::new("conform");
        report.set_time(run.info.duration);
        for (group, cases) in &groups {
            let name = if group.is_empty() { "cases" } else { group };
            let mut suite = TestSuite::new(name);
            let mut checks = Tally::default();
            for case in cases {
                checks.add(case.checks());
            }
            suite.add_properties([
                Property::new("target", run.info.target.as_str()),
                Property::new("level", run.info.level.name()),
                Property::new("checks.passed", checks.passed.to_string()),
                Property::new("checks.failed", checks.failed.to_string()),
                Property::new("checks.warned", checks.warned.to_string()),
            ]);
            suite.set_time(cases.iter().map(|c| c.duration).sum());
            for case in cases {
                let mut test = TestCase::new(&*case.name, status(case));
                test.set_classname(name).set_time(case.duration);
                test.extra
                    .insert("file".into(), case.file.display().to_string().into());
                suite.add_test_case(test);
            }
            report.add_test_suite(suite);
        }
        report.to_string().unwrap_or_default()
    }
}
