//! The invariant checks: every relation of [`crate::invariant::CATALOGUE`] that the case's
//! recordings show counts one check, judged on the target's answers. What a case counts depends
//! on its recordings alone (a step recorded without a body lends the answer instead, as in the
//! flows `explore` generates), so every target is judged on the same checks. A relation whose
//! answers did not come fails as not judged.

use serde_json::Value;

use super::{Check, Failure, FailureClass, Judge, Record};
use crate::invariant::{Seen, View, CATALOGUE};
use crate::transcript::{Answer, Transcript};

pub struct InvariantCheck;

impl Check for InvariantCheck {
    fn id(&self) -> &'static str {
        "invariant"
    }

    fn judge(&self, transcript: &Transcript<'_>, _: Judge<'_>, out: &mut Vec<Record>) {
        let recorded = recorded_view(transcript);
        // Answered by the recordings themselves (the built-in target), the target's flow is
        // the recorded one: it is judged once.
        let replayed = (0..transcript.steps.len()).all(|i| is_recording(transcript, i));
        let answered = (!replayed).then(|| answered_view(transcript));
        for invariant in CATALOGUE {
            let shown = invariant.judge(&recorded);
            if shown.instances == 0 {
                continue;
            }
            let found = match &answered {
                Some(answered) => invariant.judge(answered),
                None => shown.clone(),
            };
            let failure = |class, pointer: Option<String>, message: String| Failure {
                class,
                pointer,
                message: format!("{}: {message}", invariant.id),
                subject: Some(invariant.id.to_owned()),
            };
            if found.broken.is_empty() && found.instances > 0 {
                out.push(Record::passed(invariant.id, shown.first, 1));
            } else if found.broken.is_empty() {
                let message =
                    String::from("not judged: the answers it reads did not come as recorded");
                let failure = failure(FailureClass::Blocked, None, message);
                out.push(Record::failed(invariant.id, shown.first, 1, failure));
            }
            for (i, broken) in found.broken.into_iter().enumerate() {
                let pointer = (!broken.pointer.is_empty()).then_some(broken.pointer);
                let failure = failure(FailureClass::Invariant, pointer, broken.message);
                out.push(Record::failed(
                    invariant.id,
                    Some(broken.step),
                    usize::from(i == 0),
                    failure,
                ));
            }
        }
    }
}

/// The recordings as a flow; a step recorded without a body lends the target's answer.
fn recorded_view<'t>(transcript: &'t Transcript<'_>) -> View<'t> {
    let mut seen = Vec::with_capacity(transcript.steps.len());
    for (i, named) in transcript.case.steps.iter().enumerate() {
        let response = &named.step.response;
        if response.body == Value::Null {
            seen.extend(answered(transcript, i));
        } else {
            seen.push(Seen::recorded(i, &named.step.request, response));
        }
    }
    View::new(seen)
}

/// The target's JSON answers as a flow.
fn answered_view<'t>(transcript: &'t Transcript<'_>) -> View<'t> {
    View::new(
        (0..transcript.steps.len())
            .filter_map(|i| answered(transcript, i))
            .collect(),
    )
}

fn answered<'t>(transcript: &'t Transcript<'_>, i: usize) -> Option<Seen<'t>> {
    let step = &transcript.steps[i];
    let (Some(sent), Answer::Json(json)) = (&step.sent, &step.answer) else {
        return None;
    };
    // An answer that is the recording itself answers the recorded request (whose templates,
    // such as `${now}`, stood for the time of the recording).
    let named = &transcript.case.steps[i];
    if is_recording(transcript, i) {
        return Some(Seen::recorded(i, &named.step.request, &named.step.response));
    }
    Some(Seen::new(i, sent, json.status, &json.body))
}

/// Whether step `i` was answered with its recording itself (the built-in target's answers).
fn is_recording(transcript: &Transcript<'_>, i: usize) -> bool {
    match &transcript.steps[i].answer {
        Answer::Json(json) => std::ptr::eq(json.body.as_ref(), &transcript.recording(i).body),
        _ => false,
    }
}
