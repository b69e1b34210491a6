# Common tasks. Every recipe is a plain cargo command, so nothing here needs `just` itself.

# List the recipes.
default:
    @just --list

# Run the corpus against the built-in replay target.
run *ARGS:
    cargo run --release -- run {{ARGS}}

# Run the corpus against an implementation, e.g. `just target http://127.0.0.1:12111`.
target URL *ARGS:
    cargo run --release -- run --target {{URL}} {{ARGS}}

# All tests (unit, integration, the corpus as trials).
test:
    cargo test

# Check case and golden files without running them.
lint:
    cargo run -- lint

# Write golden files from the recordings (review the diff before committing).
bless *ARGS:
    cargo run -- bless {{ARGS}}

# Formatting, lints and tests, as CI runs them.
check:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    cargo test

# Throughput benchmarks.
bench:
    cargo bench --bench run

# Everything CI does.
ci:
    .ci/run
