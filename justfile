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
    cargo bench --bench validate
    cargo bench --bench floors

# A longer property-test campaign on the form codec, case parser, normalizer, pointers and
# redaction (the suite runs 256 cases each): `just fuzz 1000000`.
fuzz CASES="200000":
    CONFORM_FUZZ_CASES={{CASES}} cargo test --release --test integration properties

# Everything CI does.
ci:
    .ci/run

# Serve the recordings on 127.0.0.1:12111.
serve *ARGS:
    cargo run --release -- serve {{ARGS}}

# Record through a proxy: `just record https://upstream cases/recorded/flow.json`.
record UPSTREAM OUT *ARGS:
    cargo run --release -- record --upstream {{UPSTREAM}} --out {{OUT}} {{ARGS}}

# Re-derive the schemas from the reference documents and show coverage.
schemas DOCS="../shared/seeds":
    cargo run -- schemas derive --docs {{DOCS}} --out schemas
    cargo run -- schemas stats --docs {{DOCS}}

# Regenerate docs/conformance.md (leaderboard, endpoints, fix-first lists) from every third-party implementation.
conformance:
    scripts/third-party install
    scripts/conformance-table

# The corpus against every third-party implementation and its expectations, as CI runs it.
third-party:
    scripts/third-party install
    cargo build --release
    for impl in $(scripts/third-party names); do CONFORM_BIN=target/release/conform scripts/third-party run "$impl" --quiet --expect "expectations/$impl.txt" || exit 1; done
