//! The `status` check: a JSON answer's status is the golden file's (the recording's without
//! one). Another status fails every check of the step: its body answers another question.

use super::{Check, Failure, FailureClass, Judge, Record};
use crate::transcript::{Answer, Transcript};

pub struct StatusCheck;

impl Check for StatusCheck {
    fn id(&self) -> &'static str {
        "status"
    }

    fn judge(&self, transcript: &Transcript<'_>, _: Judge<'_>, out: &mut Vec<Record>) {
        for (i, step) in transcript.steps.iter().enumerate() {
            let Answer::Json(json) = &step.answer else {
                continue;
            };
            let expected = transcript.expected_status(i);
            out.push(if json.status == expected {
                Record::passed(self.id(), Some(i), 1)
            } else {
                Record::failed(
                    self.id(),
                    Some(i),
                    transcript.checks_of(i),
                    Failure::at(
                        FailureClass::Status,
                        "/status",
                        format!("expected {expected}, got {}", json.status),
                    ),
                )
            });
        }
    }
}
