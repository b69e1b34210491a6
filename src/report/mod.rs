//! Reports: one module per format, each turning the sorted outcomes of a run into text.
//! Reporters never run anything; they only render what the suite returned.

pub mod html;
pub mod human;
pub mod json;
pub mod junit;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::outcome::CaseOutcome;
use crate::write::{write_atomic, WriteError};

/// Facts about a run that reports show beside the outcomes.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The target's base URL, or `replay` for the built-in target.
    pub target: String,
    pub duration: Duration,
}

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Json,
    Junit,
    Html,
}

/// `--report KIND=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    pub kind: ReportKind,
    pub path: PathBuf,
}

impl std::str::FromStr for ReportSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<ReportSpec, String> {
        let (kind, path) = text
            .split_once('=')
            .ok_or_else(|| format!("expected KIND=PATH (json, junit or html), got `{text}`"))?;
        let kind = match kind {
            "json" => ReportKind::Json,
            "junit" => ReportKind::Junit,
            "html" => ReportKind::Html,
            other => {
                return Err(format!(
                    "unknown report kind `{other}`; use json, junit or html"
                ))
            }
        };
        if path.is_empty() {
            return Err("the report path is empty".to_owned());
        }
        Ok(ReportSpec {
            kind,
            path: PathBuf::from(path),
        })
    }
}

/// Renders the report `kind`.
pub fn render(kind: ReportKind, outcomes: &[CaseOutcome], info: &RunInfo) -> String {
    match kind {
        ReportKind::Json => json::render(outcomes, info),
        ReportKind::Junit => junit::render(outcomes, info),
        ReportKind::Html => html::render(outcomes, info),
    }
}

/// Writes one report atomically beside its final path.
pub fn write(
    spec: &ReportSpec,
    outcomes: &[CaseOutcome],
    info: &RunInfo,
) -> Result<PathBuf, WriteError> {
    let text = render(spec.kind, outcomes, info);
    let dir = spec
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = spec.path.file_name().map(PathBuf::from).unwrap_or_default();
    write_atomic(dir, &name, text.as_bytes())
}

/// Escapes text for HTML and XML 1.0 content and attribute values (`&#39;` is valid in both);
/// characters neither can hold (controls other than tab and line breaks, ANSI escapes included,
/// and the non-characters U+FFFE/U+FFFF) are dropped.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Colours the lines of a unified diff: removals red, additions green, hunks cyan.
    pub fn diff(&self, diff: &str) -> String {
        diff.lines()
            .map(|line| {
                let painted = if line.starts_with("---") || line.starts_with("+++") {
                    self.bold(line)
                } else if line.starts_with('-') {
                    self.red(line)
                } else if line.starts_with('+') {
                    self.green(line)
                } else if line.starts_with("@@") {
                    self.paint("36", line)
                } else {
                    line.to_owned()
                };
                painted + "\n"
            })
            .collect()
    }
}
