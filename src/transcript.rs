//! What happened when a case ran: owns [`Transcript`], one [`StepRun`] per step (the request
//! sent, the target's answer as it came and normalized, the recording beside it), and
//! [`Expected`], the recordings as compared. The engine writes a transcript and judges nothing;
//! the checks (`check/`) read it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::case::{Case, Response};
use crate::compare::checks_in;
use crate::golden::{GoldenFile, GoldenStep};
use crate::normalize::{Snapshot, SnapshotRef, Symbols};
use crate::target::{Outgoing, TransportError};

/// The recordings of a case as compared, plus the symbol table their ids produced. `S` is what
/// is kept of each: its normalized [`Snapshot`], or in a run, that snapshot only when it was
/// needed.
#[derive(Debug, Clone)]
pub struct Expected<'c, S = Snapshot> {
    pub symbols: Symbols,
    pub steps: Vec<ExpectedStep<'c, S>>,
}

#[derive(Debug, Clone)]
pub struct ExpectedStep<'c, S = Snapshot> {
    /// The recorded body as compared: borrowed from the case, or a filtered copy in
    /// `contains` mode.
    pub body: Cow<'c, Value>,
    pub snapshot: S,
}

/// One case's run, step by step.
#[derive(Debug)]
pub struct Transcript<'c> {
    pub case: &'c Case,
    pub golden: Option<&'c GoldenFile>,
    /// The target's base URL, for reproduction lines; `None` in process.
    pub base_url: Option<String>,
    /// The recordings as compared; a snapshot is there for every step answered by its
    /// recording itself.
    pub recorded: Vec<ExpectedStep<'c, Option<Snapshot>>>,
    pub steps: Vec<StepRun<'c>>,
    pub duration: Duration,
}

/// One step of a transcript.
#[derive(Debug)]
pub struct StepRun<'c> {
    /// The request as sent, once it could be built.
    pub sent: Option<Outgoing>,
    pub answer: Answer<'c>,
    pub duration: Duration,
}

/// What became of a step.
#[derive(Debug)]
pub enum Answer<'c> {
    /// Not sent: step `by` left nothing for it to run on (see [`Transcript::stopped_by`]).
    NotRun { by: usize },
    /// The request could not be built: a template, or an id an earlier step (`from`) was to
    /// return, is missing.
    Unsent { reason: String, from: Option<usize> },
    /// No HTTP answer.
    Transport(TransportError),
    /// An answer whose body is not JSON.
    NotJson { status: u16, message: String },
    /// A JSON answer.
    Json(Json<'c>),
}

/// A JSON answer, as sent and normalized.
#[derive(Debug)]
pub struct Json<'c> {
    pub status: u16,
    /// The body as the target sent it (for the built-in target, the recording itself).
    pub body: Cow<'c, Value>,
    pub normalized: Normalized,
}

/// The answer normalized with the case's symbols.
#[derive(Debug)]
pub enum Normalized {
    Own(Snapshot),
    /// The recording itself: its body normalizes to the recorded snapshot, so only the headers
    /// are its own.
    Recording {
        headers: BTreeMap<String, String>,
    },
}

impl<'c> Transcript<'c> {
    /// The golden step of step `i`: `None` without a golden file, `Some(None)` when the file
    /// lacks the step.
    pub fn golden_step(&self, i: usize) -> Option<Option<&'c GoldenStep>> {
        self.golden.map(|g| g.step(&self.case.steps[i].name))
    }

    /// The recorded response of step `i`.
    pub fn recording(&self, i: usize) -> &'c Response {
        &self.case.steps[i].step.response
    }

    /// The status step `i` is expected to answer: the golden file's, else the recording's.
    pub fn expected_status(&self, i: usize) -> u16 {
        match self.golden_step(i) {
            Some(Some(golden)) => golden.status,
            _ => self.recording(i).status,
        }
    }

    /// How many checks step `i` counts, whatever the target answers: its status and schema,
    /// and each header and body check its golden step defines.
    pub fn checks_of(&self, i: usize) -> usize {
        match self.golden_step(i) {
            Some(Some(golden)) => {
                2 + golden.headers.len() + golden.body.value().map_or(1, checks_in)
            }
            _ => 2,
        }
    }

    /// The normalized answer of step `i`, when it was JSON.
    pub fn actual(&self, i: usize) -> Option<SnapshotRef<'_>> {
        let Answer::Json(json) = &self.steps[i].answer else {
            return None;
        };
        Some(match &json.normalized {
            Normalized::Own(snapshot) => snapshot.view(),
            Normalized::Recording { headers } => SnapshotRef {
                status: json.status,
                headers,
                body: &self.recorded[i].snapshot.as_ref()?.body,
            },
        })
    }

    /// The step that stopped the case, when one did: the first step whose answer left later
    /// steps nothing to run on.
    pub fn stopped_by(&self) -> Option<usize> {
        self.steps.iter().find_map(|s| match s.answer {
            Answer::NotRun { by } => Some(by),
            _ => None,
        })
    }

    /// Whether the case is blocked: a setup step (not a subject) stopped it.
    pub fn blocked_by(&self) -> Option<usize> {
        let from_unsent = self.steps.iter().find_map(|s| match s.answer {
            Answer::Unsent { from, .. } => from,
            _ => None,
        });
        self.stopped_by()
            .or(from_unsent)
            .filter(|&i| !self.case.is_subject(i))
    }
}
