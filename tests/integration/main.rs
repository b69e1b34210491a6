//! Integration tests: one binary, one module per feature. Servers bind 127.0.0.1 on ephemeral
//! ports; every wait is bounded.

mod architecture;
mod case_schema;
mod cli;
mod explore;
mod http_target;
mod invariants;
mod levels;
mod lint_reference;
mod properties;
mod record;
mod reports;
mod run_options;
mod schemas;
mod scores;
mod serve;
mod suite;
mod support;
