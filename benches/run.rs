//! Throughput of the runner: steps per second on a generated corpus, for the in-process replay
//! target and for HTTP over loopback (a small keep-alive server in this process).
//!
//! `cargo bench --bench run` (optionally `-- CASES STEPS_PER_CASE`, default 1000 x 10).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conform::bless::{bless, golden_from_recording};
use conform::engine::Context;
use conform::suite::{run, RunOptions, Suite};
use conform::target::{HttpOptions, HttpTarget, ReplayTarget, Target};
use conform::validate::SchemaSet;
use serde_json::json;

fn token(case: usize, step: usize) -> String {
    format!("B{case:06}x{step:03}Q")
}

/// Writes `cases` case files of `steps` steps each; returns path -> recorded body.
fn generate(root: &Path, cases: usize, steps: usize) -> HashMap<String, String> {
    let mut answers = HashMap::new();
    for c in 0..cases {
        let customer = format!("cus_{}", token(c, 0));
        let mut list = Vec::new();
        for s in 0..steps {
            let id = format!("cbtxn_{}", token(c, s));
            let path = format!("/v1/customers/{customer}/balance_transactions/{id}");
            let body = json!({
                "id": id, "object": "customer_balance_transaction", "customer": customer,
                "amount": -100 * (s as i64 + 1), "currency": "usd", "created": 1763700000 + s as i64,
                "description": format!("step {s}"), "ending_balance": -100, "livemode": false,
                "metadata": {"case": c.to_string()}, "type": "adjustment",
            });
            answers.insert(path.clone(), body.to_string());
            list.push(json!({
                "name": format!("s{s}"),
                "request": {"method": "GET", "path": path},
                "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": body}
            }));
        }
        let case = json!({"description": "generated", "tags": ["bench"], "steps": list});
        let file = root.join("cases/bench").join(format!("c{c:05}.json"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, case.to_string()).unwrap();
    }
    answers
}

fn serve(answers: HashMap<String, String>) -> (String, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    let answers = Arc::new(answers);
    for _ in 0..4 {
        let server = Arc::clone(&server);
        let answers = Arc::clone(&answers);
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                let (status, body) = match answers.get(request.url()) {
                    Some(body) => (200, body.clone()),
                    None => (
                        404,
                        "{\"error\":{\"type\":\"invalid_request_error\"}}".to_owned(),
                    ),
                };
                let header =
                    tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
                let _ = request.respond(
                    tiny_http::Response::from_string(body)
                        .with_status_code(status)
                        .with_header(header),
                );
            }
        });
    }
    (format!("http://127.0.0.1:{port}"), server)
}

fn measure(
    label: &str,
    suite: &Suite,
    target: &dyn Target,
    golden: &Path,
    steps: usize,
    jobs: usize,
) {
    let schemas = SchemaSet::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas")))
        .unwrap_or_default();
    let options = RunOptions {
        golden_root: golden.to_path_buf(),
        jobs,
        fail_fast: false,
        no_golden: false,
    };
    let ctx = Context {
        target,
        schemas: &schemas,
        level: conform::check::Level::Strict,
        keep_answers: false,
    };
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let outcomes = run(suite, ctx, &options, &|_| {});
        let elapsed = started.elapsed();
        let failed = outcomes.iter().filter(|o| !o.passed()).count();
        assert_eq!(failed, 0, "{label}: {failed} cases failed");
        best = best.min(elapsed);
    }
    println!(
        "{label:<28} jobs={jobs}  {steps} steps in {:>7.3} s  {:>9.0} steps/s",
        best.as_secs_f64(),
        steps as f64 / best.as_secs_f64()
    );
}

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let cases = numbers.first().copied().unwrap_or(1000);
    let per_case = numbers.get(1).copied().unwrap_or(10);
    let root: PathBuf = std::env::temp_dir().join(format!("conform-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let answers = generate(&root, cases, per_case);
    let suite = Suite::load(&root.join("cases")).unwrap();
    let golden = root.join("golden");
    for case in suite.cases() {
        bless(&golden, &golden_from_recording(case, None)).unwrap();
    }
    let steps = cases * per_case;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("corpus: {cases} cases x {per_case} steps = {steps} steps");
    measure(
        "in-process replay",
        &suite,
        &ReplayTarget,
        &golden,
        steps,
        jobs,
    );
    let (url, server) = serve(answers);
    let http = HttpTarget::new(HttpOptions::new(&url));
    measure(
        "http over loopback",
        &suite,
        &http,
        &golden,
        steps,
        jobs.max(4),
    );
    server.unblock();
    let _ = std::fs::remove_dir_all(&root);
}
