//! The JSON report: owns [`render`], one document describing a run, documented in
//! `docs/report-format.md`. Keys are stable; cases are sorted by name.

use serde::Serialize;

use super::RunInfo;
use crate::outcome::{CaseOutcome, Summary, Verdict};

/// Version of the report's shape; bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    format_version: u32,
    conform_version: &'static str,
    target: &'a str,
    duration_ms: f64,
    summary: &'a Summary,
    cases: Vec<CaseEntry<'a>>,
}

#[derive(Serialize)]
struct CaseEntry<'a> {
    verdict: Verdict,
    #[serde(flatten)]
    outcome: &'a CaseOutcome,
    classes: Vec<&'static str>,
}

/// The whole run as pretty-printed JSON with a final newline.
pub fn render(outcomes: &[CaseOutcome], info: &RunInfo) -> String {
    let summary = Summary::of(outcomes);
    let report = Report {
        format_version: FORMAT_VERSION,
        conform_version: env!("CARGO_PKG_VERSION"),
        target: &info.target,
        duration_ms: (info.duration.as_secs_f64() * 1000.0).round(),
        summary: &summary,
        cases: outcomes
            .iter()
            .map(|outcome| CaseEntry {
                verdict: outcome.verdict(),
                outcome,
                classes: outcome.classes().iter().map(|c| c.name()).collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// One line of JSON for one case (for `--format json`).
pub fn render_line(outcome: &CaseOutcome) -> String {
    let entry = CaseEntry {
        verdict: outcome.verdict(),
        outcome,
        classes: outcome.classes().iter().map(|c| c.name()).collect(),
    };
    serde_json::to_string(&entry).unwrap_or_default()
}
