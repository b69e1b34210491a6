//! The conformance matrix: owns [`Matrix`], cases (grouped by resource and endpoint) against
//! implementations, built from JSON reports (`--report json=`), and its HTML and JSON renderings.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::ids;
use crate::report::escape_markup as escape;
use crate::report::html::STYLE;

/// One cell: how an implementation did on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Pass,
    Fail,
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
    /// Method and path template of the case's first step (`POST /v1/customers/{id}`).
    pub endpoint: String,
    pub cells: Vec<Cell>,
    /// Failure classes per implementation, for tooltips.
    pub classes: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub expected_failure: usize,
    pub error: usize,
    pub absent: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub implementations: Vec<String>,
    pub rows: Vec<Row>,
    pub totals: Vec<Totals>,
}

const ERROR_CLASSES: &[&str] = &["transport", "not_json", "load", "golden", "template"];

fn template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    path.split('/')
        .map(|seg| if ids::is_id(seg) { "{id}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// Builds the matrix from `(name, JSON report)` pairs.
pub fn build(reports: &[(String, Value)]) -> Result<Matrix, String> {
    struct Entry {
        group: String,
        endpoint: String,
        cells: BTreeMap<usize, (Cell, Vec<String>)>,
    }
    let mut rows: BTreeMap<String, Entry> = BTreeMap::new();
    for (index, (name, report)) in reports.iter().enumerate() {
        let cases = report["cases"]
            .as_array()
            .ok_or_else(|| format!("report `{name}` has no `cases` array"))?;
        for case in cases {
            let case_name = case["name"]
                .as_str()
                .ok_or_else(|| format!("report `{name}`: a case has no name"))?;
            let classes: Vec<String> = case["classes"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let cell = match case["verdict"].as_str() {
                Some("passed") => Cell::Pass,
                Some("expected_failure") => Cell::ExpectedFailure,
                Some("skipped") => Cell::Absent,
                _ if classes.iter().any(|c| ERROR_CLASSES.contains(&c.as_str())) => Cell::Error,
                _ => Cell::Fail,
            };
            let first = &case["steps"][0];
            let endpoint = match (first["method"].as_str(), first["path"].as_str()) {
                (Some(m), Some(p)) => format!("{m} {}", template(p)),
                _ => String::new(),
            };
            let entry = rows.entry(case_name.to_owned()).or_insert_with(|| Entry {
                group: crate::case::group_of(case_name).to_owned(),
                endpoint: endpoint.clone(),
                cells: BTreeMap::new(),
            });
            if entry.endpoint.is_empty() {
                entry.endpoint = endpoint;
            }
            entry.cells.insert(index, (cell, classes));
        }
    }
    let n = reports.len();
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
    Ok(Matrix {
        implementations: reports.iter().map(|(n, _)| n.clone()).collect(),
        rows: out_rows,
        totals,
    })
}

impl Matrix {
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
             td.pass{{background:#e3f5e6}}td.fail{{background:#fbe3e6}}td.xfail{{background:#fff4cc}}td.error{{background:#f0d9ff}}td.absent{{background:#eee}}</style></head><body>\n<h1>Conformance matrix</h1>\n"
        );
        out.push_str("<p><input id=\"filter\" type=\"search\" placeholder=\"filter cases\"></p>\n<table id=\"matrix\"><thead><tr><th>resource</th><th>endpoint</th><th>case</th>");
        for name in &self.implementations {
            let _ = write!(out, "<th>{}</th>", escape(name));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &self.rows {
            let _ = write!(
                out,
                "<tr class=\"row\"><td>{}</td><td><code>{}</code></td><td>{}</td>",
                escape(&row.group),
                escape(&row.endpoint),
                escape(&row.case)
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
            "</tbody><tfoot><tr><th colspan=\"3\">passed / failed / expected / error / absent</th>",
        );
        for (i, t) in self.totals.iter().enumerate() {
            let _ = write!(
                out,
                "<th id=\"total-{i}\" data-expected=\"{}/{}/{}/{}/{}\"></th>",
                t.pass, t.fail, t.expected_failure, t.error, t.absent
            );
        }
        out.push_str("</tr></tfoot></table>\n");
        out.push_str(
            "<script>\n(function () {\n  var kinds = ['pass', 'fail', 'xfail', 'error', 'absent'];\n  document.querySelectorAll('tfoot th[id^=total-]').forEach(function (th) {\n    var col = th.id.slice(6);\n    var counts = kinds.map(function (k) { return document.querySelectorAll('td.' + k + '[data-col=\"' + col + '\"]').length; });\n    th.textContent = counts.join(' / ');\n    if (counts.join('/') !== th.dataset.expected) { console.error('totals differ for column ' + col); }\n  });\n  document.getElementById('filter').addEventListener('input', function (e) {\n    var q = e.target.value.toLowerCase();\n    document.querySelectorAll('tr.row').forEach(function (r) {\n      r.classList.toggle('hidden', q !== '' && r.textContent.toLowerCase().indexOf(q) < 0);\n    });\n  });\n})();\n</script>\n</body></html>\n",
        );
        out
    }
}
