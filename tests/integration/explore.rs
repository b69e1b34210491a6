//! `explore` through the library: the same seed generates the same flows, a deviation is
//! shrunk to a minimal flow, the findings do not depend on the thread count, and a saved
//! minimal flow fails again as a case under `--no-golden`.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conform::check::Level;
use conform::engine::Context;
use conform::explore::{explore, flow::case_text, generated, Explored, Options};
use conform::suite::{run, RunOptions, Suite};
use conform::target::{Answer, Exchange, Outgoing, Payload, Sent, Target};
use conform::validate::SchemaSet;

/// Answers every request with 200 and a new object: whatever the model predicts as refused or
/// missing deviates.
#[derive(Default)]
struct AcceptsEverything {
    made: AtomicUsize,
}

impl Target for AcceptsEverything {
    fn send<'c>(&self, _: Exchange<'c>, request: &Outgoing) -> Sent<'c> {
        let n = self.made.fetch_add(1, Ordering::Relaxed);
        let body = if request.method == "GET" && request.path.contains("?") {
            serde_json::json!({"object": "list", "data": [], "has_more": false, "url": "/v1/x"})
        } else {
            serde_json::json!({"id": format!("obj_Made{n}"), "object": "made"})
        };
        Ok(Answer {
            status: 200,
            headers: Default::default(),
            body: Payload::Bytes(serde_json::to_vec(&body).expect("JSON")),
        })
    }

    fn base_url(&self) -> Option<&str> {
        None
    }
}

fn options(jobs: usize) -> Options {
    Options {
        seed: 11,
        flows: 12,
        steps: 8,
        time: Duration::from_secs(120),
        jobs,
        shrink_iters: 256,
    }
}

/// `with` called on a contract-level context over a fresh [`AcceptsEverything`], without schemas.
fn accepting<T>(with: impl FnOnce(Context<'_>) -> T) -> T {
    let schemas = SchemaSet::default();
    let target = AcceptsEverything::default();
    with(Context {
        target: &target,
        schemas: &schemas,
        level: Level::Contract,
        keep_answers: false,
    })
}

fn explore_with(jobs: usize) -> Explored {
    accepting(|ctx| explore(ctx, &options(jobs)))
}

#[test]
fn the_same_seed_generates_the_same_flows() {
    let flows = |seed| -> Vec<String> {
        (0..16)
            .map(|k| case_text(&generated(seed, k, 12), "flow"))
            .collect()
    };
    assert_eq!(flows(7), flows(7));
    assert_ne!(flows(7), flows(8));
    let lengths: Vec<usize> = (0..16).map(|k| generated(7, k, 12).len()).collect();
    assert!(lengths.iter().all(|n| (1..=12).contains(n)), "{lengths:?}");
    assert!(
        lengths.iter().any(|n| *n > 3),
        "flows of several steps: {lengths:?}"
    );
}

#[test]
fn deviations_are_shrunk_alike_at_any_thread_count() {
    let one = explore_with(1);
    let two = explore_with(2);
    assert!(
        !one.findings.is_empty(),
        "a target that accepts everything deviates"
    );
    let shown = |e: &Explored| -> Vec<(usize, Vec<String>, String)> {
        e.findings
            .iter()
            .map(|f| (f.flow, f.keys.clone(), f.case_text.clone()))
            .collect()
    };
    assert_eq!(shown(&one), shown(&two));
    // Refusals the model predicts are among what it finds, each in a flow shrunk to the
    // step that shows it and the steps that made its objects.
    let prediction = one
        .findings
        .iter()
        .find(|f| f.keys.iter().any(|k| k.starts_with("prediction ")))
        .expect("a prediction finding");
    assert!(
        prediction.outcome.steps.len() <= 3,
        "shrunk: {}",
        prediction.case_text
    );
}

#[test]
fn a_saved_minimal_flow_fails_again_without_golden_files() {
    let explored = explore_with(1);
    let dir = std::env::temp_dir().join(format!("conform-explore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for finding in &explored.findings {
        let name = format!("{}.json", finding.outcome.name);
        conform::write::write_atomic(&dir, Path::new(&name), finding.case_text.as_bytes())
            .expect("saved");
    }
    let suite = Suite::discover(&dir).expect("the saved cases load");
    let options = RunOptions {
        golden_root: dir.join("golden"),
        jobs: 1,
        fail_fast: false,
        no_golden: true,
    };
    let outcomes = accepting(|ctx| run(&suite, ctx, &options, &|_| {}));
    assert_eq!(outcomes.len(), explored.findings.len());
    for outcome in &outcomes {
        assert!(!outcome.passed(), "{} passes again", outcome.name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn explore_needs_a_live_target_and_a_dead_one_exits_3() {
    let scratch = crate::support::Scratch::new("explore");
    let out = scratch.conform(&["explore", "--flows", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target"));
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("an address").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = scratch.conform(&[
        "explore",
        "--target",
        &url,
        "--seed",
        "3",
        "--flows",
        "2",
        "--steps",
        "3",
        "--time",
        "20",
        "--timeout",
        "2",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("conform explore --seed 3"));
}
