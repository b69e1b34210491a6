//! Arguments shared by several subcommands: the folders of a project and how to reach a target.

use std::path::PathBuf;

use clap::Args;

use conform::discover::Filter;
use conform::suite::Suite;
use conform::target::config::{TargetConfig, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT_SECS};
use conform::validate::{SchemaSet, Severity};

/// An error that has already been printed.
#[derive(Debug, Clone, Copy)]
pub struct Reported;

/// Where cases, golden files and schemas live.
#[derive(Debug, Clone, Args)]
pub struct Dirs {
    /// Folder of case files.
    #[arg(long, global = true, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
    /// Folder of golden files.
    #[arg(long, global = true, default_value = "golden", value_name = "DIR")]
    pub golden: PathBuf,
    /// Folder of JSON Schemas.
    #[arg(long, global = true, default_value = "schemas", value_name = "DIR")]
    pub schemas: PathBuf,
}

impl Dirs {
    /// Loads the schemas; errors are printed and become `Err(Reported)`.
    pub fn load_schemas(&self) -> Result<SchemaSet, Reported> {
        if !self.schemas.exists() {
            eprintln!(
                "warning: no schema folder at {}; responses are not validated",
                self.schemas.display()
            );
            return Ok(SchemaSet::default());
        }
        SchemaSet::load(&self.schemas).map_err(|errors| {
            for error in errors {
                eprintln!("error: {error}");
            }
            Reported
        })
    }

    /// Discovers, loads and selects the cases; errors are printed and become `Err(Reported)`.
    pub fn load_suite(&self, filters: &[String]) -> Result<Suite, Reported> {
        select(Suite::load(&self.cases), filters)
    }

    /// The selected cases, not read yet: a run reads each one as it starts it.
    pub fn discover_suite(&self, filters: &[String]) -> Result<Suite, Reported> {
        select(Suite::discover(&self.cases), filters)
    }
}

/// Selects the cases `filters` name; a pattern that selects nothing is an error.
fn select(
    suite: Result<Suite, conform::discover::DiscoverError>,
    filters: &[String],
) -> Result<Suite, Reported> {
    let mut suite = suite.map_err(|e| {
        eprintln!("error: {e}");
        Reported
    })?;
    let unmatched = suite.select(&Filter::new(filters.to_vec()));
    if !unmatched.is_empty() {
        eprintln!(
            "error: no case matches {}",
            unmatched
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        eprintln!("hint: `conform list` shows every case name and tag");
        return Err(Reported);
    }
    Ok(suite)
}

/// How to reach the implementation under test.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Base URL of the implementation under test; the built-in replay target when absent.
    #[arg(long, env = "CONFORM_TARGET", value_name = "URL")]
    pub target: Option<String>,
    /// API key sent as a Bearer token (never written to files or reports).
    #[arg(
        long,
        env = "CONFORM_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Extra request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Seconds before a request times out.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_SECS, value_name = "SECONDS")]
    pub timeout: f64,
    /// Largest response body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY, value_name = "BYTES")]
    pub max_body: u64,
}

impl TargetArgs {
    pub fn config(&self) -> TargetConfig {
        TargetConfig {
            url: self.target.clone(),
            api_key: self.api_key.clone(),
            headers: self.headers.clone(),
            timeout_secs: self.timeout,
            max_body: self.max_body,
        }
    }
}

pub use conform::suite::parse_partition;

/// Counts a finding as an error or a warning and returns its label.
pub fn count(severity: Severity, errors: &mut usize, warnings: &mut usize) -> &'static str {
    match severity {
        Severity::Error => {
            *errors += 1;
            "error"
        }
        Severity::Warning => {
            *warnings += 1;
            "warning"
        }
    }
}
