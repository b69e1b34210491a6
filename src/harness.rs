//! The `cargo test` front end: owns [`run_harness`], which turns every case into a libtest-mimic
//! trial, so `cargo test --test conformance -- FILTER`, `--list` and `--exact` work as usual.
//!
//! The target comes from the environment: `CONFORM_TARGET` (a base URL; the built-in replay
//! target when unset), `CONFORM_API_KEY`, and `CONFORM_TIMEOUT` (seconds). Another crate can
//! run the corpus (or its own) from its tests with a `harness = false` test target:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
//!     conform::harness::run_harness(conform::harness::Layout::under(root))
//! }
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use libtest_mimic::{Arguments, Failed, Trial};

use crate::engine::Context;
use crate::report::{human::render_details, Style};
use crate::suite::{run_item, Item, Suite};
use crate::target::{Target, TargetConfig};
use crate::validate::SchemaSet;

/// Where the cases, golden files and schemas live.
#[derive(Debug, Clone)]
pub struct Layout {
    pub cases: PathBuf,
    pub golden: PathBuf,
    pub schemas: PathBuf,
}

impl Layout {
    /// `cases/`, `golden/` and `schemas/` under `root`.
    pub fn under(root: &Path) -> Layout {
        Layout {
            cases: root.join("cases"),
            golden: root.join("golden"),
            schemas: root.join("schemas"),
        }
    }
}

struct Shared {
    target: Box<dyn Target>,
    level: crate::check::Level,
    schemas: SchemaSet,
    options: crate::suite::RunOptions,
    /// Parallel cases hold it shared; exclusive cases hold it alone.
    lock: RwLock<()>,
}

/// Builds one trial per case under `layout.cases` and runs them with libtest-mimic, with the
/// process's arguments.
pub fn run_harness(layout: Layout) -> ExitCode {
    run_with(layout, Arguments::from_args())
}

/// [`run_harness`] with given arguments. A filter that matches no case fails the run.
pub fn run_with(layout: Layout, args: Arguments) -> ExitCode {
    let setup = || -> Result<(Suite, Shared), String> {
        let suite = Suite::load(&layout.cases).map_err(|e| e.to_string())?;
        let schemas = if !layout.schemas.exists() {
            Ok(SchemaSet::default())
        } else {
            SchemaSet::load(&layout.schemas)
        }
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        let config = target_from_env()?;
        let level = level_from_env(config.is_remote())?;
        let shared = Shared {
            level,
            target: config.build()?,
            schemas,
            options: crate::session::options(layout.golden.clone(), Some(1), false),
            lock: RwLock::new(()),
        };
        Ok((suite, shared))
    };
    let trials = match setup() {
        Ok((suite, shared)) => trials(suite, Arc::new(shared)),
        Err(message) => vec![Trial::test("conform::setup", move || {
            Err(Failed::from(message.clone()))
        })],
    };
    if let Some(filter) = args.filter.as_deref().filter(|_| !args.list) {
        let matches = |name: &str| {
            if args.exact {
                name == filter
            } else {
                name.contains(filter)
            }
        };
        if !trials.iter().any(|t| matches(t.name())) {
            eprintln!(
                "error: no case matches `{filter}`; `cargo test --test conformance -- --list` shows every case"
            );
            return ExitCode::FAILURE;
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}

fn trials(suite: Suite, shared: Arc<Shared>) -> Vec<Trial> {
    suite
        .items
        .into_iter()
        .map(|item| {
            let name = item.name().to_owned();
            let kind = crate::case::group_of(&name).to_owned();
            let shared = Arc::clone(&shared);
            Trial::test(name, move || {
                let exclusive = matches!(&item, Item::Case(case) if case.exclusive);
                let _guard_shared;
                let _guard_alone;
                if exclusive {
                    _guard_alone = shared.lock.write().unwrap_or_else(|e| e.into_inner());
                } else {
                    _guard_shared = shared.lock.read().unwrap_or_else(|e| e.into_inner());
                }
                let ctx = Context {
                    target: shared.target.as_ref(),
                    schemas: &shared.schemas,
                    level: shared.level,
                    keep_answers: false,
                };
                let outcome = run_item(&item, ctx, &shared.options);
                if outcome.passed() {
                    Ok(())
                } else {
                    Err(Failed::from(render_details(&outcome, Style::default())))
                }
            })
            .with_kind(kind)
        })
        .collect()
}

/// The target the environment names: `CONFORM_TARGET` (the built-in target when unset or
/// empty), `CONFORM_API_KEY`, `CONFORM_TIMEOUT` (seconds).
fn target_from_env() -> Result<TargetConfig, String> {
    let mut config = TargetConfig::for_url(
        std::env::var("CONFORM_TARGET")
            .ok()
            .filter(|u| !u.trim().is_empty()),
    );
    config.api_key = std::env::var("CONFORM_API_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    if let Ok(seconds) = std::env::var("CONFORM_TIMEOUT") {
        config.timeout_secs = seconds
            .parse()
            .map_err(|_| format!("CONFORM_TIMEOUT is not a number of seconds: {seconds}"))?;
    }
    Ok(config)
}

/// The level `CONFORM_LEVEL` names (`strict` or `contract`), else the default for the target.
fn level_from_env(remote: bool) -> Result<crate::check::Level, String> {
    match std::env::var("CONFORM_LEVEL")
        .ok()
        .filter(|l| !l.is_empty())
    {
        None => Ok(crate::session::default_level(remote)),
        Some(name) => crate::check::Level::from_name(&name)
            .ok_or_else(|| format!("CONFORM_LEVEL must be `strict` or `contract`, got `{name}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_that_matches_no_case_fails() {
        let layout = Layout::under(Path::new(env!("CARGO_MANIFEST_DIR")));
        let args = Arguments {
            filter: Some("no-case-is-named-like-this".to_owned()),
            ..Arguments::default()
        };
        assert_eq!(run_with(layout, args), ExitCode::FAILURE);
    }
}
