//! `conform lint`: checks case and golden files without running anything.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{count, Dirs};
use super::exit;
use conform::lint::{lint, lint_reference};
use conform::schema::endpoints::read_endpoints;
use conform::schema::read_reference;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Lint only cases whose name contains one of these, or that carry one of these tags.
    pub filters: Vec<String>,
    /// Also compare every golden body's enum values and every request parameter with the
    /// pinned version's declarations: the `stripe` Node package folder.
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
}

pub fn lint_command(dirs: &Dirs, args: LintArgs) -> Result<ExitCode, exit::Error> {
    let suite = dirs.load_suite(&args.filters)?;
    let schemas = dirs.load_schemas()?;
    let mut findings = lint(&suite, &dirs.golden, &schemas, args.filters.is_empty());
    if let Some(dir) = &args.reference {
        let reference = read_reference(dir).map_err(|e| exit::Error::Usage(e.to_string()))?;
        let endpoints = read_endpoints(dir).map_err(|e| exit::Error::Usage(e.to_string()))?;
        findings.extend(lint_reference(
            suite.cases(),
            &dirs.golden,
            &reference,
            &endpoints,
        ));
        findings.sort();
    }
    let mut errors = 0;
    let mut warnings = 0;
    for finding in &findings {
        let label = count(finding.severity, &mut errors, &mut warnings);
        outln!("{label}: {}: {}", finding.file.display(), finding.message);
    }
    outln!(
        "{} case(s) checked: {errors} error(s), {warnings} warning(s)",
        suite.items.len()
    );
    Ok(exit::failing_if(errors > 0))
}
