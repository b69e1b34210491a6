//! Reports: owns [`RunReport`], the typed model of a finished run (sorted case outcomes, the
//! summary, scores per endpoint and what to fix first), the [`Reporter`] trait every output
//! format implements, and [`Format`], the one registry of formats for `--format` and
//! `--report KIND=PATH`. Reporters never run anything; they only render a `RunReport`.

pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod libtest;
pub mod matrix;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anstyle::AnsiColor;

use crate::check::Level;
use crate::outcome::{CaseOutcome, Summary};
use crate::score::{endpoint_scores, fix_first, EndpointScore, FixFirst};
use crate::write::{write_atomic, WriteError};

/// Facts about a run that reports show beside the outcomes.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The target's base URL without credentials, or `replay` for the built-in target.
    pub target: String,
    pub duration: Duration,
    pub level: Level,
}

/// A finished run, as every report sees it.
#[derive(Debug, Clone)]
pub struct RunReport<'a> {
    pub info: RunInfo,
    /// Sorted by case name.
    pub cases: &'a [CaseOutcome],
    pub summary: Summary,
    pub endpoints: Vec<EndpointScore>,
    /// What to fix first, ranked by the cases each entry would turn green.
    pub fix_first: Vec<FixFirst>,
}

impl<'a> RunReport<'a> {
    pub fn new(cases: &'a [CaseOutcome], info: RunInfo) -> RunReport<'a> {
        RunReport {
            info,
            summary: Summary::of(cases),
            endpoints: endpoint_scores(cases),
            fix_first: fix_first(cases),
            cases,
        }
    }
}

/// An output format: renders a whole run as text.
pub trait Reporter {
    fn render(&self, run: &RunReport<'_>) -> String;
}

/// Every output format, for stdout (`--format`) and report files (`--report KIND=PATH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The score and what to fix first, failing cases in detail, a score per endpoint, a summary.
    Human,
    /// `test NAME ... ok` lines like `cargo test`.
    Libtest,
    /// One JSON document (documented in docs/report-format.md).
    Json,
    /// One JSON object per case, one per line.
    JsonLines,
    /// JUnit XML.
    Junit,
    /// A self-contained HTML page.
    Html,
    /// GitHub Actions annotations on the case files' lines.
    Github,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Libtest,
        Format::Json,
        Format::JsonLines,
        Format::Junit,
        Format::Html,
        Format::Github,
    ];

    /// The format's name as `--format` and `--report` spell it (`json-lines`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Libtest => "libtest",
            Format::Json => "json",
            Format::JsonLines => "json-lines",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Github => "github",
        }
    }

    /// The format named `name`.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn reporter(self, style: Style, quiet: bool) -> Box<dyn Reporter> {
        match self {
            Format::Human => Box::new(human::Human { style, quiet }),
            Format::Libtest => Box::new(libtest::Libtest),
            Format::Json => Box::new(json::Json),
            Format::JsonLines => Box::new(json::JsonLines),
            Format::Junit => Box::new(junit::Junit),
            Format::Html => Box::new(html::Html),
            Format::Github => Box::new(github::Github),
        }
    }
}

/// `--report KIND=PATH`; a path of `-` is stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    pub format: Format,
    pub path: PathBuf,
}

/// A `--report` that is not `KIND=PATH` with a known kind and a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportSpecError {
    #[error("expected KIND=PATH ({names}), got `{text}`", names = format_names())]
    Shape { text: String },
    #[error("unknown report kind `{kind}`; use one of {names}", names = format_names())]
    UnknownKind { kind: String },
    #[error("the report path is empty")]
    EmptyPath,
}

fn format_names() -> String {
    Format::ALL.map(Format::name).join(", ")
}

impl std::str::FromStr for ReportSpec {
    type Err = ReportSpecError;

    fn from_str(text: &str) -> Result<ReportSpec, ReportSpecError> {
        let (kind, path) = text.split_once('=').ok_or_else(|| ReportSpecError::Shape {
            text: text.to_owned(),
        })?;
        let format = Format::from_name(kind).ok_or_else(|| ReportSpecError::UnknownKind {
            kind: kind.to_owned(),
        })?;
        if path.is_empty() {
            return Err(ReportSpecError::EmptyPath);
        }
        Ok(ReportSpec {
            format,
            path: PathBuf::from(path),
        })
    }
}

impl ReportSpec {
    pub fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

/// Writes `text` atomically at `path`, inside the folder that holds it.
pub fn write_file(path: &Path, text: &str) -> Result<PathBuf, WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
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
    /// `text` in `style` when colouring, else as it is.
    pub fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    fn fg(&self, color: AnsiColor, text: &str) -> String {
        self.paint(anstyle::Style::new().fg_color(Some(color.into())), text)
    }

    pub fn red(&self, text: &str) -> String {
        self.fg(AnsiColor::Red, text)
    }

    pub fn green(&self, text: &str) -> String {
        self.fg(AnsiColor::Green, text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.fg(AnsiColor::Yellow, text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), text)
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
                    self.fg(AnsiColor::Cyan, line)
                } else {
                    line.to_owned()
                };
                painted + "\n"
            })
            .collect()
    }
}
