//! The JSON report: owns [`Json`] (one document describing a run, documented in
//! `docs/report-format.md` and `docs/report.schema.json`) and [`JsonLines`] (one object per
//! case). Keys are stable; cases are sorted by name.

use serde::Serialize;

use super::{Reporter, RunReport};
use crate::check::{Level, Tally};
use crate::outcome::{CaseOutcome, Summary, Verdict};
use crate::score::{EndpointScore, FixFirst};

/// Version of the report's shape; bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 3;

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    conform_version: &'static str,
    target: &'a str,
    level: Level,
    duration_ms: f64,
    summary: &'a Summary,
    checks: Counted,
    endpoints: &'a [EndpointScore],
    fix_first: &'a [FixFirst],
    cases: Vec<CaseEntry<'a>>,
}

/// The run's checks with their total (passed, failed and warned: the denominator every target
/// of the same corpus and level shares) and the score over it.
#[derive(Serialize)]
struct Counted {
    #[serde(flatten)]
    tally: Tally,
    total: usize,
    score: Option<f64>,
}

#[derive(Serialize)]
struct CaseEntry<'a> {
    verdict: Verdict,
    #[serde(flatten)]
    outcome: &'a CaseOutcome,
    checks: Tally,
    classes: Vec<&'static str>,
}

impl<'a> CaseEntry<'a> {
    fn new(outcome: &'a CaseOutcome) -> CaseEntry<'a> {
        CaseEntry {
            verdict: outcome.verdict(),
            outcome,
            checks: outcome.checks(),
            classes: outcome.classes().iter().map(|c| c.name()).collect(),
        }
    }
}

/// The whole run as one pretty-printed document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Reporter for Json {
    fn render(&self, run: &RunReport<'_>) -> String {
        let document = Document {
            format_version: FORMAT_VERSION,
            conform_version: env!("CARGO_PKG_VERSION"),
            target: &run.info.target,
            level: run.info.level,
            duration_ms: (run.info.duration.as_secs_f64() * 1000.0).round(),
            summary: &run.summary,
            checks: Counted {
                tally: run.summary.checks,
                total: run.summary.checks.total(),
                score: run
                    .summary
                    .checks
                    .percent()
                    .map(|p| (p * 100.0).round() / 100.0),
            },
            endpoints: &run.endpoints,
            fix_first: &run.fix_first,
            cases: run.cases.iter().map(CaseEntry::new).collect(),
        };
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One line of JSON per case.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

impl Reporter for JsonLines {
    fn render(&self, run: &RunReport<'_>) -> String {
        let mut out = String::new();
        for outcome in run.cases {
            out.push_str(&serde_json::to_string(&CaseEntry::new(outcome)).unwrap_or_default());
            out.push('\n');
        }
        out
    }
}
