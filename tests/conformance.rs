//! The corpus as `cargo test` trials: `cargo test --test conformance -- FILTER`.
//! Point it at another implementation with `CONFORM_TARGET=http://127.0.0.1:PORT`.

fn main() -> std::process::ExitCode {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    conform::harness::run_harness(conform::harness::Layout::under(root))
}
