//! The `status` check: a JSON answer's status is the golden file's (the recording's without
//! one). Another status fails every check of the step, its body answering another question;
//! unless, at `contract`, the case's open rule for `/status` allows it (it then warns, and the
//! body is judged).

use super::{judgeable, Check, CheckVerdict, Failure, FailureClass, Judge, Record};
use crate::transcript::{Answer, Transcript};

pub struct StatusCheck;

impl Check for StatusCheck {
    fn id(&self) -> &'static str {
        "status"
    }

    fn judge(&self, transcript: &Transcript<'_>, judge: Judge<'_>, out: &mut Vec<Record>) {
        for (i, step) in transcript.steps.iter().enumerate() {
            let Answer::Json(json) = &step.answer else {
                continue;
            };
            let expected = transcript.expected_status(i);
            let failure = || {
                Failure::at(
                    FailureClass::Status,
                    "/status",
                    format!("expected {expected}, got {}", json.status),
                )
            };
            out.push(if json.status == expected {
                Record::passed(self.id(), Some(i), 1)
            } else if judgeable(transcript, i, judge).is_some() {
                // Another status the case's open rule allows at this level.
                Record::judged(self.id(), Some(i), CheckVerdict::Warned, 1, failure())
            } else {
                Record::failed(self.id(), Some(i), transcript.checks_of(i), failure())
            });
        }
    }
}
