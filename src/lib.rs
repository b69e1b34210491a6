//! `conform`: an offline conformance harness and fixture replayer for Stripe-compatible APIs.
#![forbid(unsafe_code)]

pub mod validate;
