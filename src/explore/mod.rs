//! `explore`: flows conform generates itself. Owns the generation of flows over the seed
//! surfaces (`flow.rs`), the model that predicts each answer's status (`model.rs`), and the
//! run that sends flows, judges them with the same checks as `run` (status against the
//! prediction, schema, invariants), shrinks a failing flow and saves it as a case.

pub mod flow;
pub mod model;
mod run;

pub use run::{explore, generated, Explored, Finding, Options, DEFAULT_LEVEL};

#[cfg(test)]
mod tests;
