//! `conform`: an offline conformance harness and fixture replayer for Stripe-compatible APIs.
//!
//! The library is the engine; the `conform` binary and the `cargo test` harness wire it up.
//! See docs/architecture.md for the pipeline, the layers and the codemap.
#![forbid(unsafe_code)]

pub mod bless;
pub mod case;
pub mod check;
pub mod compare;
pub mod correlate;
pub mod discover;
pub mod engine;
pub mod expect;
pub mod explore;
pub mod form;
pub mod golden;
pub mod harness;
pub mod ids;
pub mod invariant;
pub mod lint;
pub mod listener;
pub mod load;
pub mod matcher;
pub mod normalize;
pub mod outcome;
pub mod pointer;
pub mod record;
pub mod report;
pub mod schema;
pub mod score;
pub mod secrets;
pub mod server;
pub mod session;
pub mod suite;
pub mod target;
pub mod transcript;
pub mod validate;
pub mod write;
