//! The `golden` check: each header and each value and list check of the golden step, against
//! the normalized answer. The level decides whether a difference fails or warns; attributes
//! the answer adds are counted apart.

use super::open::{accepts, rule_for};
use super::{
    judge, judgeable, subject_at, Check, CheckVerdict, Failure, FailureClass, Judge, Level, Record,
};
use crate::compare::compare_step;
use crate::transcript::Transcript;

pub struct GoldenCheck;

impl Check for GoldenCheck {
    fn id(&self) -> &'static str {
        "golden"
    }

    fn judge(&self, transcript: &Transcript<'_>, j: Judge<'_>, out: &mut Vec<Record>) {
        for i in 0..transcript.steps.len() {
            let (Some(Some(golden)), Some(_)) =
                (transcript.golden_step(i), judgeable(transcript, i, j))
            else {
                continue;
            };
            let Some(actual) = transcript.actual(i) else {
                continue;
            };
            let name = &transcript.case.steps[i].name;
            let label = || format!("{} step {name}", transcript.case.name);
            let comparison = match compare_step(golden, actual, label) {
                Ok(comparison) => comparison,
                Err(message) => {
                    let failure = Failure::new(
                        FailureClass::Golden,
                        format!("golden file step `{name}`: its body cannot be read: {message}"),
                    );
                    let weight = transcript.checks_of(i) - 2;
                    out.push(Record::failed(self.id(), Some(i), weight, failure));
                    continue;
                }
            };
            if comparison.passed > 0 {
                out.push(Record::passed(self.id(), Some(i), comparison.passed));
            }
            let mut diff = Some(comparison.diff);
            for difference in &comparison.differences {
                let mut failure = Failure::from_difference(difference);
                let side = if difference.kind == crate::compare::DiffKind::Added {
                    Some(actual.body)
                } else {
                    golden.body.value().ok()
                };
                failure.subject = side.and_then(|body| subject_at(body, &difference.pointer));
                let open = rule_for(
                    transcript,
                    i,
                    difference,
                    failure.subject.as_deref(),
                    golden.body.value().ok(),
                );
                let verdict = match open {
                    Some(accept) if j.level == Level::Contract && accepts(&accept, difference) => {
                        CheckVerdict::Warned
                    }
                    _ => judge(difference, j.level),
                };
                let mut record =
                    Record::judged(self.id(), Some(i), verdict, difference.weight, failure);
                record.added = difference.is_added_attribute();
                if verdict == CheckVerdict::Failed {
                    record.diff = diff.take();
                }
                out.push(record);
            }
        }
    }
}
