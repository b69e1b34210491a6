//! The `golden_file` case check: the case has a golden file, and the file's steps are the
//! case's. What it finds depends on the corpus alone, so it counts the same for every target.

use super::{Check, Failure, FailureClass, Judge, Record};
use crate::transcript::Transcript;

pub struct GoldenFileCheck;

impl Check for GoldenFileCheck {
    fn id(&self) -> &'static str {
        "golden_file"
    }

    fn judge(&self, transcript: &Transcript<'_>, judge: Judge<'_>, out: &mut Vec<Record>) {
        if !judge.golden {
            return;
        }
        let case = transcript.case;
        let Some(golden) = transcript.golden else {
            let message = format!(
                "no golden file for this case; write it with `conform bless {}`",
                case.name
            );
            let failure = Failure::new(FailureClass::Golden, message);
            out.push(Record::failed(self.id(), None, 1, failure));
            return;
        };
        for extra in golden
            .steps
            .iter()
            .filter(|g| !case.steps.iter().any(|s| s.name == g.name))
        {
            let message = format!(
                "golden file has a step `{}` the case does not have; re-bless it",
                extra.name
            );
            let failure = Failure::new(FailureClass::Golden, message);
            out.push(Record::failed(self.id(), None, 1, failure));
        }
        for (i, named) in case.steps.iter().enumerate() {
            if transcript.golden_step(i) == Some(None) {
                let message = format!(
                    "golden file has no step `{}`; re-bless the case",
                    named.name
                );
                let failure = Failure::new(FailureClass::Golden, message);
                out.push(Record::failed(self.id(), Some(i), 1, failure));
            }
        }
    }
}
