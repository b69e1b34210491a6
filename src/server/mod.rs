//! The fixture replayer: serves the recordings of the cases over HTTP, answering like the API
//! did when they were recorded. [`crate::matcher`] picks the recording for a request (the rules are
//! in its module doc), `explain` says why nothing matched, `http` runs the server.

pub mod explain;
pub mod http;
#[cfg(test)]
mod tests;

pub use crate::matcher::{Decision, Incoming, Index, Prepared};
pub use http::{start, Log, Running};
