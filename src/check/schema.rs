//! The `schema` check: the answer's body (and the recording, when it differs) breaks no rule of
//! the schemas. One check per step: the first broken rule fails it, further ones are evidence;
//! undocumented attributes warn without counting.

use super::{judgeable, subject_at, Check, CheckVerdict, Failure, Judge, Record};
use crate::transcript::Transcript;
use crate::validate::Severity;

pub struct SchemaCheck;

impl Check for SchemaCheck {
    fn id(&self) -> &'static str {
        "schema"
    }

    fn judge(&self, transcript: &Transcript<'_>, judge: Judge<'_>, out: &mut Vec<Record>) {
        for i in 0..transcript.steps.len() {
            let Some(json) = judgeable(transcript, i, judge) else {
                continue;
            };
            let recorded = &transcript.recording(i).body;
            let body = json.body.as_ref();
            let mut sides = vec![("recorded", recorded)];
            if !std::ptr::eq(body, recorded) && body != recorded {
                sides.push(("target", body));
            }
            let mut failed = false;
            for (side, value) in sides {
                for violation in judge.schemas.validate(value) {
                    let mut failure = Failure::from_violation(side, &violation);
                    failure.subject = failure
                        .pointer
                        .as_deref()
                        .and_then(|p| subject_at(value, p));
                    let (verdict, weight) = match violation.severity {
                        Severity::Error => (CheckVerdict::Failed, usize::from(!failed)),
                        Severity::Warning => (CheckVerdict::Warned, 0),
                    };
                    failed |= verdict == CheckVerdict::Failed;
                    out.push(Record::judged(self.id(), Some(i), verdict, weight, failure));
                }
            }
            if !failed {
                out.push(Record::passed(self.id(), Some(i), 1));
            }
        }
    }
}
