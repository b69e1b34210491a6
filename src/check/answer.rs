//! The `answer` check: a step with no usable answer (not sent, no HTTP answer, not JSON, or
//! not run because an earlier step stopped the case) fails every check it counts, in one record.

use super::{Check, Failure, FailureClass, Judge, Record};
use crate::transcript::{Answer, Transcript};

pub struct AnswerCheck;

impl Check for AnswerCheck {
    fn id(&self) -> &'static str {
        "answer"
    }

    fn judge(&self, transcript: &Transcript<'_>, _: Judge<'_>, out: &mut Vec<Record>) {
        let case = transcript.case;
        for (i, step) in transcript.steps.iter().enumerate() {
            let failure = match &step.answer {
                Answer::Json(_) => continue,
                Answer::Unsent { reason, .. } => Failure::new(FailureClass::Template, reason),
                Answer::Transport(err) => Failure::new(FailureClass::Transport, err.to_string()),
                Answer::NotJson { message, .. } => Failure::new(FailureClass::NotJson, message),
                Answer::NotRun { by } => {
                    let named = &case.steps[*by];
                    Failure::new(
                        FailureClass::Blocked,
                        format!(
                            "not run: step `{}` ({} {}) left it nothing to run on",
                            named.name, named.step.request.method, named.step.request.path
                        ),
                    )
                }
            };
            out.push(Record::failed(
                self.id(),
                Some(i),
                transcript.checks_of(i),
                failure,
            ));
        }
    }
}
