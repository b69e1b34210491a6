//! Validation throughput: checkout.session bodies per second against the compiled schemas.
//! `cargo bench --bench validate`

use std::path::Path;
use std::time::Instant;

use conform::validate::SchemaSet;
use serde_json::Value;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let set = SchemaSet::load(&root.join("schemas")).expect("schemas compile");
    let compile = started.elapsed();
    let text =
        std::fs::read_to_string(root.join("cases/checkout/sessions/documented_example.json"))
            .unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let body = case["steps"][0]["response"]["body"].clone();
    let rounds = 20_000;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let mut violations = 0;
        for _ in 0..rounds {
            violations += set.validate(&body).len();
        }
        best = best.min(started.elapsed().as_secs_f64());
        assert!(
            violations > 0,
            "the example has its one undocumented attribute"
        );
    }
    println!(
        "schemas compiled once in {:.1} ms",
        compile.as_secs_f64() * 1000.0
    );
    println!(
        "checkout.session validation: {rounds} bodies in {best:.3} s = {:.0} validations/s",
        rounds as f64 / best
    );
}
