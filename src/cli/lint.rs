//! `conform lint`: checks case and golden files without running anything.

use std::process::ExitCode;

use clap::Args;

use super::common::{count, Dirs};
use super::exit;
use conform::lint::lint;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Lint only cases whose name contains one of these, or that carry one of these tags.
    pub filters: Vec<String>,
}

pub fn lint_command(dirs: &Dirs, args: LintArgs) -> Result<ExitCode, exit::Error> {
    let suite = dirs.load_suite(&args.filters)?;
    let schemas = dirs.load_schemas()?;
    let findings = lint(&suite, &dirs.golden, &schemas, args.filters.is_empty());
    let mut errors = 0;
    let mut warnings = 0;
    for finding in &findings {
        let label = count(finding.severity, &mut errors, &mut warnings);
        println!("{label}: {}: {}", finding.file.display(), finding.message);
    }
    println!(
        "{} case(s) checked: {errors} error(s), {warnings} warning(s)",
        suite.items.len()
    );
    Ok(ExitCode::from(if errors > 0 {
        exit::FAILURES
    } else {
        exit::SUCCESS
    }))
}
