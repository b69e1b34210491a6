//! `conform list`: the cases, grouped by resource folder, with step counts and tags.

use std::process::ExitCode;

use clap::Args;

use super::common::Dirs;
use super::exit;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List only cases whose name contains one of these, or that carry one of these tags.
    pub filters: Vec<String>,
    /// One case name per line, nothing else.
    #[arg(long)]
    pub names: bool,
}

pub fn list_command(dirs: &Dirs, args: ListArgs) -> Result<ExitCode, exit::Error> {
    let suite = dirs.load_suite(&args.filters)?;
    let mut out = String::new();
    let mut group: Option<&str> = None;
    for item in &suite.items {
        if args.names {
            out.push_str(item.name());
            out.push('\n');
            continue;
        }
        let this = conform::case::group_of(item.name());
        if group != Some(this) {
            let steps_in: usize = suite
                .items
                .iter()
                .filter(|i| conform::case::group_of(i.name()) == this)
                .count();
            out.push_str(&format!(
                "{} ({steps_in} cases)\n",
                if this.is_empty() { "." } else { this }
            ));
            group = Some(this);
        }
        match item.case() {
            Ok(case) => {
                let mut line = format!("  {}  {} step(s)", case.name, case.steps.len());
                if !case.tags.is_empty() {
                    line.push_str(&format!("  [{}]", case.tags.join(", ")));
                }
                if case.exclusive {
                    line.push_str("  exclusive");
                }
                out.push_str(&line);
            }
            Err(error) => {
                out.push_str(&format!("  {}  BROKEN: {error}", item.name()));
            }
        }
        out.push('\n');
    }
    if !args.names {
        out.push_str(&format!("{} cases\n", suite.items.len()));
    }
    exit::print_stdout(&out)?;
    Ok(exit::success())
}
