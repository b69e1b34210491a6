//! Replayer throughput: requests per second `conform serve` answers over loopback with
//! keep-alive, driven by client threads in this process.
//! `cargo bench --bench serve` (optionally `-- REQUESTS THREADS`, default 20000 x 4).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use conform::server::{start, Index};
use conform::suite::Suite;

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let requests = numbers.first().copied().unwrap_or(20_000);
    let threads = numbers.get(1).copied().unwrap_or(4).max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = Suite::load(&root.join("cases")).expect("cases load");
    let cases: Vec<_> = suite.cases().collect();
    let index = Arc::new(Index::new(&cases));
    // Every GET recording without a body: the mix the clients replay.
    let paths: Vec<String> = index
        .recordings
        .iter()
        .filter(|r| {
            r.method == "GET"
                && r.query.as_object().is_some_and(|q| q.is_empty())
                && r.auth == conform::case::Auth::Default
        })
        .map(|r| r.path.clone())
        .collect();
    assert!(!paths.is_empty());
    let running = start(
        Arc::clone(&index),
        "127.0.0.1:0",
        false,
        conform::listener::Limits::default(),
    )
    .expect("server starts");
    let base = format!("http://{}", running.addr);
    let per_thread = requests / threads;
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let base = base.clone();
            let paths = paths.clone();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut ok = 0usize;
                for i in 0..per_thread {
                    let path = &paths[(t * 7919 + i) % paths.len()];
                    let mut response = agent
                        .get(&format!("{base}{path}"))
                        .header("Authorization", concat!("Bearer sk_", "test_", "bench"))
                        .call()
                        .expect("answer");
                    let _ = response.body_mut().read_to_vec();
                    ok += usize::from(response.status().as_u16() < 500);
                }
                ok
            })
        })
        .collect();
    let answered: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let elapsed = started.elapsed().as_secs_f64();
    running.shutdown();
    assert_eq!(answered, per_thread * threads);
    println!(
        "replayer: {answered} requests over {threads} keep-alive connections in {elapsed:.3} s = {:.0} requests/s ({} recordings)",
        answered as f64 / elapsed,
        index.recordings.len()
    );
}
