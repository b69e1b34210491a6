//! The tests that need something outside the repository (a browser, the official clients, the
//! reference documents, the stripe-node declarations). Each is a libtest trial, decided at run
//! time: when what it needs is missing it is reported as ignored, never as passed, with the
//! reason beside its name; under CI (`CI=true`), where `.ci/run` installs the clients and the
//! browser, a missing one fails the trial instead. The seed documents come with the workspace
//! (`../shared/seeds`), not from an install: without them those trials are ignored, also in CI.

// The shared modules hold what only the integration binary uses.
#![allow(dead_code, unused_imports)]

use std::path::Path;
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

#[path = "../integration/reports.rs"]
mod reports;
#[path = "../integration/schemas.rs"]
mod schemas;
#[path = "../integration/serve.rs"]
mod serve;
#[path = "../integration/support.rs"]
mod support;

mod e2e;

/// What a trial needs: `Ok` with what it found, or why it is missing.
type Needs = Result<String, String>;

fn env(name: &str, how: &str) -> Needs {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set ({how})"))
}

fn chromium() -> Needs {
    let path = "/usr/bin/chromium";
    if Path::new(path).exists() {
        Ok(path.to_owned())
    } else {
        Err(format!("{path} is absent (apt-get install chromium)"))
    }
}

fn seeds() -> Needs {
    let dir = schemas::seeds();
    if dir.is_dir() {
        Ok(dir.display().to_string())
    } else {
        Err(format!("{} is absent", dir.display()))
    }
}

fn node_client() -> Needs {
    let path = env(
        "CONFORM_NODE_PATH",
        "run scripts/node-env and set it to its output",
    )?;
    Command::new("node")
        .arg("--version")
        .output()
        .map_err(|_| "node is not on the PATH".to_owned())?;
    Ok(path)
}

/// A trial that runs `body` with what `needs` found; ignored without it, or failed when CI
/// installs it (`.ci/run` does for the clients and the browser; the seed documents come with
/// the workspace, when it has them).
fn trial(name: &str, needs: Needs, body: fn(&str)) -> Trial {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true") && !name.starts_with("documents::");
    match needs {
        Ok(found) => Trial::test(name, move || {
            std::panic::catch_unwind(|| body(&found)).map_err(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "the test panicked".to_owned());
                Failed::from(message)
            })
        }),
        Err(missing) if ci => Trial::test(name, move || {
            Err(Failed::from(format!(
                "{missing}: CI installs it, so this test must run there"
            )))
        }),
        Err(missing) => {
            let kind = format!("needs: {missing}");
            Trial::test(name, move || {
                Err(Failed::from(format!("not run: {missing}")))
            })
            .with_kind(kind)
            .with_ignored_flag(true)
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        trial("browser::html_report_loads_cleanly", chromium(), |_| {
            reports::html_report_loads_cleanly_in_a_browser()
        }),
        trial("browser::matrix_page_loads_cleanly", chromium(), |_| {
            reports::matrix_page_loads_cleanly_in_a_browser()
        }),
        trial(
            "e2e::the_stripe_python_client_replays_recorded_flows",
            env(
                "CONFORM_PYTHON",
                "run scripts/python-env and set it to its output",
            ),
            e2e::the_stripe_python_client_replays_recorded_flows,
        ),
        trial(
            "e2e::the_stripe_node_client_replays_recorded_flows",
            node_client(),
            e2e::the_stripe_node_client_replays_recorded_flows,
        ),
        trial(
            "references::every_seed_json_example_validates",
            seeds(),
            |_| schemas::every_seed_json_example_validates(),
        ),
        trial(
            "documents::derived_schemas_match_the_documents_and_cover_them",
            seeds(),
            |_| schemas::derived_schemas_match_the_documents_and_cover_them(),
        ),
        trial(
            "references::the_hand_written_schemas_agree_with_the_type_reference",
            env(
                "CONFORM_NODE_PATH",
                "run scripts/node-env and set it to its output",
            ),
            schemas::the_hand_written_schemas_agree_with_the_type_reference,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}
