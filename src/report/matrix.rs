//! The conformance matrix: owns [`Matrix`], implementations side by side, built from typed
//! JSON reports ([`SavedReport`], what `--report json=` writes): a leaderboard line each (score
//! over the fixed total, cases, first fixes), the share of checks passed per endpoint and implementation on a colour scale with column totals, then every case (filed
//! under its subject step's endpoint) with its verdict per implementation.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::escape_markup as escape;
use super::html::STYLE;

/// The page's totals check and filter box.
const MATRIX_SCRIPT: &str = include_str!("assets/matrix.js");
use crate::check::{FailureClass, Tally};
use crate::outcome::{CaseStatus, Verdict};
use crate::score::{EndpointScore, FixFirst};

/// How many fix-first entries per implementation the pages list.
pub const MARKDOWN_DIFFERENCES: usize = 10;

/// How many fix-first entries a leaderboard line names.
pub const LEADERBOARD_FIXES: usize = 3;

/// The parts of a saved JSON report the matrix reads.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedReport {
    pub level: crate::check::Level,
    pub checks: Tally,
    pub endpoints: Vec<EndpointScore>,
    #[serde(default)]
    pub fix_first: Vec<FixFirst>,
    pub cases: Vec<SavedCase>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedCase {
    pub name: String,
    pub verdict: Verdict,
    /// How the case ran, whatever an expectations file says of it.
    pub status: CaseStatus,
    #[serde(default)]
    pub classes: Vec<FailureClass>,
    #[serde(default)]
    pub checks: Tally,
    #[serde(default)]
    pub steps: Vec<SavedStep>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SavedStep {
    pub endpoint: crate::check::Endpoint,
    #[serde(default)]
    pub subject: bool,
}

impl SavedReport {
    /// The parts of a finished run the matrix reads, taken from it directly.
    pub fn of_run(run: &super::RunReport<'_>) -> SavedReport {
        SavedReport {
            level: run.info.level,
            checks: run.summary.checks,
            endpoints: run.endpoints.clone(),
            fix_first: run.fix_first.clone(),
            cases: run
                .cases
                .iter()
                .map(|case| SavedCase {
                    name: case.name.to_string(),
                    verdict: case.verdict(),
                    status: case.status,
                    classes: case.classes(),
                    checks: case.checks(),
                    steps: case
                        .steps
                        .iter()
                        .map(|step| SavedStep {
                            endpoint: step.endpoint.clone(),
                            subject: step.subject,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn parse(text: &str) -> Result<SavedReport, ReportParseError> {
        serde_json::from_str(text).map_err(ReportParseError)
    }
}

/// A file that is not a JSON report of this format.
#[derive(Debug, thiserror::Error)]
#[error("not a conform JSON report (format 3): {0}")]
pub struct ReportParseError(pub serde_json::Error);

/// One cell: how an implementation did on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Pass,
    Fail,
    /// A setup step failed.
    Blocked,
    /// Failed, as its expectations file says.
    ExpectedFailure,
    /// No usable answer: transport, not JSON, broken case or golden file.
    Error,
    /// The case is not in this implementation's report.
    Absent,
}

impl Cell {
    fn class(self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::Fail => "fail",
            Cell::Blocked => "blocked",
            Cell::ExpectedFailure => "xfail",
            Cell::Error => "error",
            Cell::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub case: String,
    pub group: String,
    /// The endpoint of the case's (first) subject step.
    pub endpoint: String,
    pub cells: Vec<Cell>,
    /// Failure classes and checks per implementation, for tooltips.
    pub classes: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub blocked: usize,
    pub expected_failure: usize,
    pub error: usize,
    pub absent: usize,
}

/// One endpoint's checks per implementation (`None`: not reached by that implementation's run).
#[derive(Debug, Clone, Serialize)]
pub struct EndpointRow {
    pub endpoint: String,
    pub checks: Vec<Option<Tally>>,
}

/// One implementation's line on the leaderboard.
#[derive(Debug, Clone, Serialize)]
pub struct Leader {
    pub name: String,
    pub level: crate::check::Level,
    /// Checks over every endpoint: the score is passed and warned over the total.
    pub checks: Tally,
    pub passed: usize,
    pub failed: usize,
    pub blocked: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub implementations: Vec<String>,
    /// The level each implementation was judged at.
    pub levels: Vec<crate::check::Level>,
    /// One line per implementation, best score first.
    pub leaderboard: Vec<Leader>,
    /// The first fix-first entries of each implementation.
    pub fix_first: Vec<Vec<FixFirst>>,
    pub endpoints: Vec<EndpointRow>,
    /// Checks over all endpoints per implementation.
    pub checks: Vec<Tally>,
    pub rows: Vec<Row>,
    pub totals: Vec<Totals>,
}

/// Failure classes that mean no usable answer (or no usable case): the cell says `error`.
const ERROR_CLASSES: &[FailureClass] = &[
    FailureClass::Transport,
    FailureClass::NotJson,
    FailureClass::Load,
    FailureClass::Golden,
    FailureClass::Template,
];

/// Builds the matrix from `(name, report)` pairs.
pub fn build(reports: &[(String, SavedReport)]) -> Matrix {
    struct Entry {
        group: String,
        endpoint: String,
        cells: BTreeMap<usize, (Cell, Vec<String>)>,
    }
    let n = reports.len();
    let mut rows: BTreeMap<String, Entry> = BTreeMap::new();
    let mut endpoints: BTreeMap<(String, String), Vec<Option<Tally>>> = BTreeMap::new();
    for (index, (_, report)) in reports.iter().enumerate() {
        for score in &report.endpoints {
            endpoints
                .entry((score.path.clone(), score.method.clone()))
                .or_insert_with(|| vec![None; n])[index] = Some(score.checks);
        }
        for case in &report.cases {
            let cell = match case.verdict {
                Verdict::Passed => Cell::Pass,
                Verdict::ExpectedFailure => Cell::ExpectedFailure,
                Verdict::Skipped => Cell::Absent,
                Verdict::Blocked => Cell::Blocked,
                _ if case.classes.iter().any(|c| ERROR_CLASSES.contains(c)) => Cell::Error,
                _ => Cell::Fail,
            };
            let subject = case
                .steps
                .iter()
                .find(|s| s.subject)
                .or(case.steps.last())
                .map(|s| s.endpoint.to_string())
                .unwrap_or_default();
            let entry = rows.entry(case.name.clone()).or_insert_with(|| Entry {
                group: crate::case::group_of(&case.name).to_owned(),
                endpoint: subject.clone(),
                cells: BTreeMap::new(),
            });
            if entry.endpoint.is_empty() {
                entry.endpoint = subject;
            }
            let mut notes: Vec<String> = case.classes.iter().map(|c| c.name().to_owned()).collect();
            if let Some(p) = case.checks.percent() {
                notes.push(format!("{p:.0}% of checks"));
            }
            entry.cells.insert(index, (cell, notes));
        }
    }
    let mut totals = vec![Totals::default(); n];
    let mut out_rows: Vec<Row> = rows
        .into_iter()
        .map(|(case, entry)| {
            let mut cells = Vec::with_capacity(n);
            let mut classes = Vec::with_capacity(n);
            for (i, total) in totals.iter_mut().enumerate() {
                let (cell, cls) = entry
                    .cells
                    .get(&i)
                    .cloned()
                    .unwrap_or((Cell::Absent, Vec::new()));
                match cell {
                    Cell::Pass => total.pass += 1,
                    Cell::Fail => total.fail += 1,
                    Cell::Blocked => total.blocked += 1,
                    Cell::ExpectedFailure => total.expected_failure += 1,
                    Cell::Error => total.error += 1,
                    Cell::Absent => total.absent += 1,
                }
                cells.push(cell);
                classes.push(cls);
            }
            Row {
                case,
                group: entry.group,
                endpoint: entry.endpoint,
                cells,
                classes,
            }
        })
        .collect();
    out_rows
        .sort_by(|a, b| (&a.group, &a.endpoint, &a.case).cmp(&(&b.group, &b.endpoint, &b.case)));
    Matrix {
        implementations: reports.iter().map(|(n, _)| n.clone()).collect(),
        levels: reports.iter().map(|(_, r)| r.level).collect(),
        leaderboard: leaderboard(reports),
        fix_first: reports
            .iter()
            .map(|(_, r)| {
                r.fix_first
                    .iter()
                    .take(MARKDOWN_DIFFERENCES)
                    .cloned()
                    .collect()
            })
            .collect(),
        endpoints: endpoints
            .into_iter()
            .map(|((path, method), checks)| EndpointRow {
                endpoint: format!("{method} {path}"),
                checks,
            })
            .collect(),
        checks: reports.iter().map(|(_, r)| r.checks).collect(),
        rows: out_rows,
        totals,
    }
}

/// One line per implementation, best score first (then by name).
fn leaderboard(reports: &[(String, SavedReport)]) -> Vec<Leader> {
    let mut leaders: Vec<Leader> = reports
        .iter()
        .map(|(name, report)| {
            let count =
                |status: CaseStatus| report.cases.iter().filter(|c| c.status == status).count();
            Leader {
                name: name.clone(),
                level: report.level,
                checks: report.checks,
                passed: count(CaseStatus::Passed),
                failed: count(CaseStatus::Failed),
                blocked: count(CaseStatus::Blocked),
            }
        })
        .collect();
    leaders.sort_by(|a, b| {
        let score = |l: &Leader| l.checks.percent().unwrap_or(0.0);
        score(b)
            .total_cmp(&score(a))
            .then_with(|| a.name.cmp(&b.name))
    });
    leaders
}

/// A fix-first entry in one line: `customer.test_clock missing (turns 12 cases green)`.
fn fix_text(fix: &FixFirst) -> String {
    format!(
        "{} {} ({} green, {} steps)",
        fix.what,
        fix.kind.name(),
        fix.turns_green,
        fix.steps
    )
}

/// A background colour from red (0%) through yellow to green (100%).
fn scale(percent: f64) -> String {
    let hue = (percent.clamp(0.0, 100.0) * 1.2).round();
    format!("hsl({hue},70%,85%)")
}

fn percent_cell(tally: Option<&Tally>) -> String {
    match tally.and_then(Tally::percent) {
        Some(p) => format!(
            "<td class=\"score\" style=\"background:{}\" title=\"{} passed, {} failed, {} warned\">{p:.1}%</td>",
            scale(p),
            tally.map_or(0, |t| t.passed),
            tally.map_or(0, |t| t.failed),
            tally.map_or(0, |t| t.warned)
        ),
        None => "<td class=\"absent\">-</td>".to_owned(),
    }
}

fn percent_text(tally: Option<&Tally>) -> String {
    match tally.and_then(|t| t.percent().map(|p| (t, p))) {
        Some((t, p)) => format!(
            "{p:.1}% ({}/{})",
            t.passed + t.warned,
            t.passed + t.failed + t.warned
        ),
        None => "-".to_owned(),
    }
}

impl Matrix {
    /// The first fix-first entries a leaderboard line names.
    fn first_fixes<'m>(&'m self, leader: &Leader) -> impl Iterator<Item = &'m FixFirst> {
        let index = self.implementations.iter().position(|n| *n == leader.name);
        index
            .map(|i| &self.fix_first[i])
            .into_iter()
            .flatten()
            .take(LEADERBOARD_FIXES)
    }

    /// The leaderboard, the share of checks passed per endpoint and implementation, then each
    /// implementation's fix-first list, as Markdown (what `docs/conformance.md` holds).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        out.push_str("| implementation | score | checks | cases passed | failed | blocked | fix first |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for leader in &self.leaderboard {
            let fixes: Vec<String> = self
                .first_fixes(leader)
                .map(|f| format!("`{}`", fix_text(f)))
                .collect();
            let _ = writeln!(
                out,
                "| {} ({}) | {} | {} | {} | {} | {} | {} |",
                leader.name,
                leader.level.name(),
                leader
                    .checks
                    .percent()
                    .map_or("-".to_owned(), |p| format!("{p:.1}%")),
                leader.checks.total(),
                leader.passed,
                leader.failed,
                leader.blocked,
                fixes.join("; ")
            );
        }
        out.push('\n');
        out.push_str("| endpoint |");
        for (name, level) in self.implementations.iter().zip(&self.levels) {
            let _ = write!(out, " {name} ({}) |", level.name());
        }
        out.push_str("\n| --- |");
        for _ in &self.implementations {
            out.push_str(" ---: |");
        }
        out.push('\n');
        for row in &self.endpoints {
            let _ = write!(out, "| `{}` |", row.endpoint);
            for tally in &row.checks {
                let _ = write!(out, " {} |", percent_text(tally.as_ref()));
            }
            out.push('\n');
        }
        out.push_str("| **all endpoints** |");
        for tally in &self.checks {
            let _ = write!(out, " **{}** |", percent_text(Some(tally)));
        }
        out.push('\n');
        for (name, fixes) in self.implementations.iter().zip(&self.fix_first) {
            let _ = write!(out, "\nWhat {name} would fix first:\n\n| what | kind | turns green | steps | cases | endpoints |\n| --- | --- | ---: | ---: | ---: | --- |\n");
            for d in fixes {
                let endpoints: Vec<String> = d.endpoints.iter().map(|e| format!("`{e}`")).collect();
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    d.what,
                    d.kind.name(),
                    d.turns_green,
                    d.steps,
                    d.cases,
                    endpoints.join(", ")
                );
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// One self-contained page; the totals row is computed by the page's script from the cells
    /// (and checked against the embedded figures).
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>conform matrix</title><style>{STYLE}\
             td.pass{{background:#e3f5e6}}td.fail{{background:#fbe3e6}}td.xfail{{background:#fff4cc}}td.error{{background:#f0d9ff}}td.absent{{background:#eee}}td.blocked{{background:#e6ecf5}}td.score{{text-align:right}}</style></head><body>\n<h1>Conformance matrix</h1>\n"
        );
        out.push_str("<h2>Leaderboard</h2>\n<table id=\"leaderboard\"><thead><tr><th>implementation</th><th>score</th><th>checks</th><th>passed</th><th>failed</th><th>blocked</th><th>fix first</th></tr></thead><tbody>\n");
        for leader in &self.leaderboard {
            let fixes: Vec<String> = self
                .first_fixes(leader)
                .map(|f| format!("<code>{}</code>", escape(&fix_text(f))))
                .collect();
            let _ = writeln!(
                out,
                "<tr><td>{} ({})</td>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&leader.name),
                leader.level.name(),
                percent_cell(Some(&leader.checks)),
                leader.checks.total(),
                leader.passed,
                leader.failed,
                leader.blocked,
                fixes.join("<br>")
            );
        }
        out.push_str("</tbody></table>\n");
        out.push_str("<h2>Checks passed per endpoint</h2>\n<table id=\"endpoints\"><thead><tr><th>endpoint</th>");
        for name in &self.implementations {
            let _ = write!(out, "<th>{}</th>", escape(name));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &self.endpoints {
            let _ = write!(out, "<tr><td><code>{}</code></td>", escape(&row.endpoint));
            for tally in &row.checks {
                out.push_str(&percent_cell(tally.as_ref()));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody><tfoot><tr><th>all endpoints</th>");
        for tally in &self.checks {
            out.push_str(&percent_cell(Some(tally)));
        }
        out.push_str("</tr></tfoot></table>\n<h2>Cases</h2>\n");
        out.push_str("<p><input id=\"filter\" type=\"search\" placeholder=\"filter cases\"></p>\n<table id=\"matrix\"><thead><tr><th>resource</th><th>endpoint</th><th>case</th>");
        for name in &self.implementations {
            let _ = write!(out, "<th>{}</th>", escape(name));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &self.rows {
            let [group, endpoint, case] = [&row.group, &row.endpoint, &row.case].map(|t| escape(t));
            let _ = write!(
                out,
                "<tr class=\"row\"><td>{group}</td><td><code>{endpoint}</code></td><td>{case}</td>"
            );
            for (i, cell) in row.cells.iter().enumerate() {
                let title = row.classes[i].join(", ");
                let _ = write!(
                    out,
                    "<td class=\"{}\" data-col=\"{i}\" title=\"{}\">{}</td>",
                    cell.class(),
                    escape(&title),
                    cell.class()
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str(
            "</tbody><tfoot><tr><th colspan=\"3\">passed / failed / blocked / expected / error / absent</th>",
        );
        for (i, t) in self.totals.iter().enumerate() {
            let _ = write!(
                out,
                "<th id=\"total-{i}\" data-expected=\"{}/{}/{}/{}/{}/{}\"></th>",
                t.pass, t.fail, t.blocked, t.expected_failure, t.error, t.absent
            );
        }
        out.push_str("</tr></tfoot></table>\n");
        for (name, fixes) in self.implementations.iter().zip(&self.fix_first) {
            let _ = write!(
                out,
                "<h2>What {} would fix first</h2>\n<table class=\"fix-first\"><thead><tr><th>what</th><th>kind</th><th>turns green</th><th>steps</th><th>cases</th><th>endpoints</th></tr></thead><tbody>\n",
                escape(name)
            );
            for d in fixes {
                let _ = writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&d.what),
                    d.kind.name(),
                    d.turns_green,
                    d.steps,
                    d.cases,
                    escape(&d.endpoints.join(", "))
                );
            }
            out.push_str("</tbody></table>\n");
        }
        let _ = write!(out, "<script>\n{MATRIX_SCRIPT}</script>\n</body></html>\n");
        out
    }
}
