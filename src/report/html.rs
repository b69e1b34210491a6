//! The HTML report: owns [`render`], one self-contained static page (inline CSS and script, no
//! external resources): summary counts, failure classes, a per-resource breakdown, every failing
//! case with its differences, schema errors, coloured diff and `curl` line, and a filter box.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{escape_markup as escape, Reporter, RunReport};
use crate::outcome::{FailureClass, StepStatus, Verdict};

/// One self-contained page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl Reporter for Html {
    fn render(&self, run: &RunReport<'_>) -> String {
        render(run)
    }
}

pub const STYLE: &str = include_str!("assets/report.css");
/// The page's filter box.
const SCRIPT: &str = include_str!("assets/report.js");

fn diff_html(diff: &str) -> String {
    let mut out = String::new();
    for line in diff.lines() {
        let class = if line.starts_with("---") || line.starts_with("+++") {
            ""
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with('+') {
            "add"
        } else if line.starts_with("@@") {
            "hunk"
        } else {
            ""
        };
        if class.is_empty() {
            let _ = writeln!(out, "{}", escape(line));
        } else {
            let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
        }
    }
    out
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "pass",
        Verdict::Failed | Verdict::Blocked | Verdict::UnexpectedlyPassing => "fail",
        Verdict::ExpectedFailure => "xfail",
        Verdict::Skipped => "skip",
    }
}

/// The run as one HTML page.
fn render(run: &RunReport<'_>) -> String {
    let outcomes = run.cases;
    let info = &run.info;
    let summary = &run.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>conform report</title><style>{STYLE}</style></head><body>\n"
    );
    let _ = writeln!(
        out,
        "<h1>conform report</h1><p>Target: <code>{}</code>, {:.1} s</p>",
        escape(&info.target),
        info.duration.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "<p id=\"summary\"><span class=\"pass\" id=\"passed\">{}</span> passed, <span class=\"fail\" id=\"failed\">{}</span> failed, <span class=\"fail\" id=\"blocked\">{}</span> blocked, <span class=\"skip\" id=\"skipped\">{}</span> skipped, <span class=\"xfail\" id=\"expected\">{}</span> expected failures, <span id=\"unexpected\">{}</span> unexpectedly passing</p>",
        summary.passed, summary.failed, summary.blocked, summary.skipped, summary.expected_failures, summary.unexpectedly_passing
    );
    out.push_str("<h2>Checks per endpoint</h2><table><tr><th>endpoint</th><th>score</th><th>passed</th><th>failed</th><th>warned</th><th>cases failed</th><th>blocked</th></tr>\n");
    for e in &run.endpoints {
        let _ = writeln!(
            out,
            "<tr><td><code>{} {}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.method),
            escape(&e.path),
            e.checks.percent().map_or("-".to_owned(), |p| format!("{p:.1}%")),
            e.checks.passed,
            e.checks.failed,
            e.checks.warned,
            e.cases.failed,
            e.cases.blocked
        );
    }
    out.push_str("</table>\n");
    if !summary.classes.is_empty() {
        out.push_str(
            "<h2>Failing cases by class</h2><table><tr><th>class</th><th>cases</th></tr>\n",
        );
        for class in FailureClass::ALL {
            if let Some(n) = summary.classes.get(class.name()) {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{n}</td></tr>",
                    escape(class.describe())
                );
            }
        }
        out.push_str("</table>\n");
    }
    let mut groups: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for o in outcomes {
        let counts = groups.entry(o.group()).or_default();
        match o.verdict() {
            Verdict::Passed => counts[0] += 1,
            Verdict::Failed | Verdict::Blocked | Verdict::UnexpectedlyPassing => counts[1] += 1,
            Verdict::ExpectedFailure => counts[2] += 1,
            Verdict::Skipped => counts[3] += 1,
        }
    }
    out.push_str("<h2>By resource</h2><table><tr><th>resource</th><th>passed</th><th>failed</th><th>expected failures</th><th>skipped</th></tr>\n");
    for (group, c) in &groups {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(if group.is_empty() { "." } else { group }),
            c[0],
            c[1],
            c[2],
            c[3]
        );
    }
    out.push_str("</table>\n<h2>Cases</h2><p><input id=\"filter\" type=\"search\" placeholder=\"filter by case name, class or text\"> <span id=\"shown\"></span> shown (a URL fragment such as <code>#checkout</code> sets the filter)</p>\n");
    for o in outcomes {
        let verdict = o.verdict();
        let classes: Vec<&str> = o.classes().iter().map(|c| c.name()).collect();
        let _ = write!(
            out,
            "<div class=\"case\" data-name=\"{}\"><b class=\"{}\">{}</b> {} <small>{}</small>",
            escape(&format!("{} {}", o.name, classes.join(" "))),
            verdict_class(verdict),
            verdict.name(),
            escape(&o.name),
            escape(&classes.join(", "))
        );
        if matches!(
            verdict,
            Verdict::Failed | Verdict::Blocked | Verdict::ExpectedFailure
        ) {
            for f in &o.failures {
                let _ = write!(
                    out,
                    "<p class=\"fail\">{}: {}</p>",
                    escape(f.class.describe()),
                    escape(&f.message)
                );
            }
            for (i, step) in o.steps.iter().enumerate() {
                if step.status == StepStatus::Passed {
                    continue;
                }
                let _ = write!(
                    out,
                    "<p>step {} <code>{}</code>: {} <code>{}</code></p><ul>",
                    i + 1,
                    escape(&step.name),
                    escape(&step.method),
                    escape(&step.path)
                );
                if step.status == StepStatus::NotRun {
                    out.push_str("<li>not run</li>");
                }
                for f in &step.failures {
                    let _ = write!(
                        out,
                        "<li><span class=\"fail\">{}</span> <code>{}</code>: {}</li>",
                        escape(f.class.describe()),
                        escape(f.pointer.as_deref().unwrap_or("")),
                        escape(&f.message)
                    );
                }
                out.push_str("</ul>");
                if !step.diff().is_empty() {
                    let _ = write!(out, "<pre>{}</pre>", diff_html(step.diff()));
                }
                if let Some(curl) = step.curl() {
                    let _ = write!(out, "<pre>{}</pre>", escape(curl));
                }
            }
        }
        out.push_str("</div>\n");
    }
    let _ = write!(out, "<script>\n{SCRIPT}</script>\n</body></html>\n");
    out
}
