//! Checks: owns the [`Check`] trait and [`CHECKS`], the registry of every check a run makes.
//! A check reads a case's [`Transcript`] and returns [`Record`]s; it never sends anything.
//! Levels, expectations, scores and every report read records, through the outcomes assembled
//! from them.
//!
//! # The fixed denominator
//!
//! Each step counts the same checks whatever the target answers: its status, its schema, and
//! each header, value and list check of its golden step ([`crate::compare::checks_in`]). The
//! checks of one step add up to [`Transcript::checks_of`]: a step never answered, answered
//! with another status or without JSON fails all of them in one record. Attributes a target
//! adds are counted apart. Case checks (the golden file itself) count the same for every
//! target too.
//!
//! # Adding a check
//!
//! Write `src/check/NAME.rs` with a unit struct that implements [`Check`], declare the module
//! below and add it to [`CHECKS`]. A step check that judges a value judges only
//! [`judgeable`] steps and returns records whose weights add up to the checks it
//! defines, so the denominator stays fixed; a case check uses `step: None`.

mod answer;
mod endpoint;
mod golden;
mod golden_file;
mod invariant;
mod kind;
mod level;
pub mod open;
mod record;
mod schema;
mod status;

pub use endpoint::{intern, route_template, Endpoint};
pub use kind::FailureClass;
pub use level::{judge, CheckVerdict, Level, Tally};
pub use record::{subject_at, Failure, Record};

use crate::transcript::{Answer, Json, Transcript};
use crate::validate::SchemaSet;

/// What checks judge with, beside the transcript.
#[derive(Clone, Copy)]
pub struct Judge<'a> {
    pub schemas: &'a SchemaSet,
    pub level: Level,
    /// Golden files are part of the judgement; without them (`--no-golden`) a case is judged
    /// by status, schema and invariants, and lacks no golden file.
    pub golden: bool,
}

/// One check: reads a transcript and appends what it found.
pub trait Check: Sync {
    /// The check's id, as records carry it.
    fn id(&self) -> &'static str;

    fn judge(&self, transcript: &Transcript<'_>, judge: Judge<'_>, out: &mut Vec<Record>);
}

/// Every check, in the order their records are reported.
pub const CHECKS: &[&dyn Check] = &[
    &golden_file::GoldenFileCheck,
    &answer::AnswerCheck,
    &status::StatusCheck,
    &schema::SchemaCheck,
    &golden::GoldenCheck,
    &invariant::InvariantCheck,
];

/// The JSON answer of step `i` that can be judged value by value: answered with the expected
/// status, or at `contract` with one the case's `/status` rule allows.
pub fn judgeable<'t, 'c>(
    transcript: &'t Transcript<'c>,
    i: usize,
    judge: Judge<'_>,
) -> Option<&'t Json<'c>> {
    let Answer::Json(json) = &transcript.steps[i].answer else {
        return None;
    };
    let expected = transcript.expected_status(i);
    let allowed = || {
        judge.level == Level::Contract
            && open::status_rule(transcript, i)
                .is_some_and(|rule| open::accepts_status(&rule.accept, expected, json.status))
    };
    (json.status == expected || allowed()).then_some(json)
}

/// Runs every check on `transcript`.
pub fn run(transcript: &Transcript<'_>, judge: Judge<'_>) -> Vec<Record> {
    let mut records = Vec::with_capacity(transcript.steps.len() * 3);
    for check in CHECKS {
        check.judge(transcript, judge, &mut records);
    }
    records
}
