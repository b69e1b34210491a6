//! conform beside two floors, on the same realistic data: N one-step cases whose answer is a
//! Checkout Session of several KB taken from the corpus's own recordings.
//!
//! - client floor: a minimal hand-written loop (request, `serde_json` parse, the compiled
//!   `jsonschema` validator of checkout.session, `==` against a pre-parsed expected value), on
//!   as many threads as conform uses;
//! - server floor: a minimal hyper server answering the same bodies from a map.
//!
//! conform's side is a whole run through the library: the cases are discovered and read, the
//! golden files read, every step checked (status, schema, normalized full-body compare), the
//! outcomes sorted. It prints checks/s (or requests/s) for each, and conform's ratio to its
//! floor; runs are interleaved and the best of each is kept. Last, the peak memory (max RSS) of
//! the `conform run` binary over 500 and over 8,000 such cases.
//!
//! `cargo bench --bench floors [-- STEPS] [run|serve|rss]...` (default 2000 steps, every part).

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use conform::bless::{bless, golden_from_recording};
use conform::check::Level;
use conform::session::{execute, options, RunEnd, RunPlan};
use conform::suite::Suite;
use conform::target::{HttpOptions, HttpTarget, ReplayTarget, Target};
use conform::validate::SchemaSet;
use rayon::prelude::*;
use serde_json::{json, Value};

const ROUNDS: usize = 3;

/// A Checkout Session recording of the corpus, the largest one found.
fn session_template() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let mut best = Value::Null;
    let mut best_len = 0;
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(case) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let steps = case["steps"].as_array().cloned().unwrap_or_default();
        for step in steps {
            let body = &step["response"]["body"];
            if body["object"] == "checkout.session" {
                let len = body.to_string().len();
                if len > best_len {
                    best_len = len;
                    best = body.clone();
                }
            }
        }
    }
    best
}

/// Writes `n` cases; returns path -> body bytes as served.
fn generate(root: &Path, n: usize) -> HashMap<String, Bytes> {
    let template = session_template();
    let mut answers = HashMap::new();
    for i in 0..n {
        let id = format!("cs_test_B{i:07}xQ9");
        let mut body = template.clone();
        body["id"] = json!(id);
        let path = format!("/v1/checkout/sessions/{id}");
        answers.insert(path.clone(), Bytes::from(body.to_string()));
        let case = json!({"request": {"method": "GET", "path": path},
            "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": body}});
        let file = root.join("cases/bench").join(format!("c{i:06}.json"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, case.to_string()).unwrap();
    }
    answers
}

/// The server floor: hyper answering from the map. Returns its base URL.
fn floor_server(answers: Arc<HashMap<String, Bytes>>) -> String {
    use http_body_util::Full;
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let answers = Arc::clone(&answers);
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let body = answers
                                .get(request.uri().path())
                                .cloned()
                                .unwrap_or_default();
                            async move {
                                Ok::<_, Infallible>(
                                    hyper::Response::builder()
                                        .header("content-type", "application/json")
                                        .body(Full::new(body))
                                        .unwrap(),
                                )
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    url
}

fn schemas() -> SchemaSet {
    SchemaSet::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))).unwrap()
}

/// A whole conform run through the library API, as `conform run` does it: discovery, reading
/// each case and golden file, every check, the sorted outcomes.
fn conform_run(cases: &Path, target: &dyn Target, golden: &Path, jobs: usize) -> Duration {
    let schemas = schemas();
    let started = Instant::now();
    let suite = Suite::discover(cases).unwrap();
    let plan = RunPlan {
        suite: &suite,
        schemas: &schemas,
        target,
        target_name: "bench".to_owned(),
        level: Level::Strict,
        options: options(golden.to_path_buf(), Some(jobs), false),
        expectations: None,
    };
    let finished = execute(&plan, &|_| {});
    let elapsed = started.elapsed();
    assert_eq!(
        finished.end(),
        RunEnd::Passed,
        "every generated case passes"
    );
    elapsed
}

/// Runs `check` over `items` on `jobs` threads; every item must pass.
fn timed<T: Sync>(items: &[T], jobs: usize, check: impl Fn(&T) -> bool + Sync) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .unwrap();
    let started = Instant::now();
    let ok = pool.install(|| items.par_iter().filter(|item| check(item)).count());
    assert_eq!(ok, items.len());
    started.elapsed()
}

/// The compiled validator a hand-written loop would use.
fn floor_validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/checkout.session.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

/// The client floor over HTTP: get, parse, validate, compare.
fn client_floor(
    url: &str,
    expected: &[(String, Value)],
    validator: &jsonschema::Validator,
    jobs: usize,
) -> Duration {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_idle_connections_per_host(64)
        .build()
        .into();
    timed(expected, jobs, |(path, want)| {
        let mut response = agent.get(format!("{url}{path}")).call().unwrap();
        let bytes = response.body_mut().read_to_vec().unwrap();
        let got: Value = serde_json::from_slice(&bytes).unwrap();
        validator.is_valid(&got) && &got == want
    })
}

/// The client floor in process: parse the recorded bytes, validate, compare.
fn in_process_floor(
    bytes: &[(Bytes, Value)],
    validator: &jsonschema::Validator,
    jobs: usize,
) -> Duration {
    timed(bytes, jobs, |(raw, want)| {
        let got: Value = serde_json::from_slice(raw).unwrap();
        validator.is_valid(&got) && &got == want
    })
}

/// Writes a corpus of `n` cases with golden files under a fresh folder; returns the folder and
/// the answers by path.
fn corpus(label: &str, n: usize) -> (PathBuf, HashMap<String, Bytes>) {
    let root = std::env::temp_dir().join(format!("conform-floors-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let answers = generate(&root, n);
    let suite = Suite::load(&root.join("cases")).unwrap();
    for case in suite.cases() {
        bless(&root.join("golden"), &golden_from_recording(case, None)).unwrap();
    }
    (root, answers)
}

/// Peak memory of `conform run` over a corpus of `n` cases, in KiB. A child started from this
/// (large) process would count this process's pages as its own, so a fresh copy of the bench
/// starts `conform` and reports the peak of its child.
fn peak_rss_kib(n: usize) -> i64 {
    let (root, _) = corpus(&format!("rss{n}"), n);
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(MEASURE, &root)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&root);
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no peak reported: {output:?}"))
}

/// Set to a corpus folder: this process only runs `conform run` on it and prints its peak RSS.
const MEASURE: &str = "CONFORM_BENCH_PEAK_RSS_OF";

fn measure_child(root: &Path) -> i64 {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
        .arg("run")
        .arg("--quiet")
        .arg("--cases")
        .arg(root.join("cases"))
        .arg("--golden")
        .arg(root.join("golden"))
        .arg("--schemas")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "conform run over {} failed",
        root.display()
    );
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .unwrap()
        .max_rss()
}

/// `connections` keep-alive clients sending GETs for `duration`; requests per second.
fn load(url: &str, paths: &[String], connections: usize, duration: Duration) -> f64 {
    let paths = Arc::new(paths.to_vec());
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            let url = url.to_owned();
            let paths = Arc::clone(&paths);
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut done = 0usize;
                let mut i = c;
                // Bounded by the duration.
                while started.elapsed() < duration {
                    let path = &paths[i % paths.len()];
                    let mut response = agent
                        .get(format!("{url}{path}"))
                        .header("Authorization", "Bearer sk_test_bench")
                        .call()
                        .unwrap();
                    let _ = response.body_mut().read_to_vec();
                    done += 1;
                    i += connections;
                }
                done
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    if let Some(root) = std::env::var_os(MEASURE) {
        println!("{}", measure_child(Path::new(&root)));
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(2000);
    let parts = ["run", "serve", "rss"];
    let chosen: Vec<&str> = parts
        .into_iter()
        .filter(|p| args.iter().any(|a| a == p))
        .collect();
    let part = |name: &str| chosen.is_empty() || chosen.contains(&name);
    let (root, answers) = corpus("run", n);
    let answers = Arc::new(answers);
    let (cases, golden) = (root.join("cases"), root.join("golden"));
    let size = answers.values().next().map_or(0, Bytes::len);
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{n} steps, each answering a {size}-byte Checkout Session; {jobs} threads");

    let url = floor_server(Arc::clone(&answers));
    let http = HttpTarget::new(HttpOptions::new(&url));
    let validator = floor_validator();
    let expected: Vec<(String, Value)> = answers
        .iter()
        .map(|(p, b)| (p.clone(), serde_json::from_slice(b).unwrap()))
        .collect();
    let raw: Vec<(Bytes, Value)> = answers
        .values()
        .map(|b| (b.clone(), serde_json::from_slice(b).unwrap()))
        .collect();

    let (mut c_http, mut f_http, mut c_proc, mut f_proc) =
        (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS * usize::from(part("run")) {
        c_http = c_http.min(conform_run(&cases, &http, &golden, jobs.max(4)));
        f_http = f_http.min(client_floor(&url, &expected, &validator, jobs.max(4)));
        c_proc = c_proc.min(conform_run(&cases, &ReplayTarget, &golden, jobs));
        f_proc = f_proc.min(in_process_floor(&raw, &validator, jobs));
    }
    let line = |label: &str, ours: f64, floor: f64| {
        println!(
            "{label:<22} conform {ours:>9.0}/s   floor {floor:>9.0}/s   ratio {:.2}",
            ours / floor
        );
    };
    if part("run") {
        line("run over HTTP", rate(n, c_http), rate(n, f_http));
        line("run in process", rate(n, c_proc), rate(n, f_proc));
    }

    // serve against the server floor, 64 connections each.
    let suite = Suite::load(&cases).unwrap();
    let loaded: Vec<&conform::case::Case> = suite.cases().collect();
    let index = Arc::new(conform::server::Index::new(&loaded));
    let limits = conform::listener::Limits {
        blocking: false,
        ..Default::default()
    };
    let running = conform::server::start(index, "127.0.0.1:0", None, limits).unwrap();
    let served = format!("http://{}", running.addr);
    let paths: Vec<String> = expected.iter().map(|(p, _)| p.clone()).collect();
    let (mut ours, mut floor) = (0f64, 0f64);
    for _ in 0..(ROUNDS + 2) * usize::from(part("serve")) {
        ours = ours.max(load(&served, &paths, 64, Duration::from_secs(2)));
        floor = floor.max(load(&url, &paths, 64, Duration::from_secs(2)));
    }
    if part("serve") {
        line("serve, 64 connections", ours, floor);
    }
    running.shutdown();
    let _ = std::fs::remove_dir_all(&root);

    if !part("rss") {
        return;
    }
    let small = peak_rss_kib(500);
    let large = peak_rss_kib(8000);
    println!(
        "peak RSS of conform run: {small} KiB at 500 steps, {large} KiB at 8,000 steps   ratio {:.2}",
        large as f64 / small as f64
    );
}
