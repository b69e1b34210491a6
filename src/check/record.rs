//! Check records: owns [`Record`], what a check returns for one thing it judged (its check id,
//! the step, the verdict, how many checks it stands for, and its evidence), [`Failure`], the
//! evidence of a failed or warned record, and [`subject_at`], which names the object type and
//! attribute a pointer lands on.

use serde::Serialize;
use serde_json::Value;

use super::kind::FailureClass;
use super::level::CheckVerdict;
use crate::compare::{DiffKind, Difference};
use crate::validate::Violation;

/// What one check found about one thing it judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The check that made it (`status`, `schema`, `golden`, ...).
    pub check: &'static str,
    /// The step it is about; `None` for the case as a whole.
    pub step: Option<usize>,
    pub verdict: CheckVerdict,
    /// How many of the fixed checks it stands for: a passed record may stand for many values,
    /// a failed one for every check of a step that could not be judged, and an added attribute
    /// or further evidence of a check already failed for none.
    pub weight: usize,
    /// An attribute the target added: counted apart, outside the total.
    pub added: bool,
    /// Why it failed or warned; `None` when it passed.
    pub failure: Option<Failure>,
    /// A unified diff, on the record that first fails a step's comparison.
    pub diff: Option<String>,
}

impl Record {
    /// `weight` checks of `check` on `step` that passed.
    pub fn passed(check: &'static str, step: Option<usize>, weight: usize) -> Record {
        Record {
            check,
            step,
            verdict: CheckVerdict::Passed,
            weight,
            added: false,
            failure: None,
            diff: None,
        }
    }

    /// `weight` checks of `check` on `step` that ended as `verdict` for `failure`.
    pub fn judged(
        check: &'static str,
        step: Option<usize>,
        verdict: CheckVerdict,
        weight: usize,
        failure: Failure,
    ) -> Record {
        Record {
            check,
            step,
            verdict,
            weight,
            added: false,
            failure: Some(failure),
            diff: None,
        }
    }

    /// `weight` checks of `check` on `step` that failed for `failure`.
    pub fn failed(
        check: &'static str,
        step: Option<usize>,
        weight: usize,
        failure: Failure,
    ) -> Record {
        Record::judged(check, step, CheckVerdict::Failed, weight, failure)
    }
}

/// One reason a step or case failed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Failure {
    pub class: FailureClass,
    /// JSON pointer of the offending value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub message: String,
    /// What an implementer changes to fix it: the object type and the attribute path within
    /// it (`customer.test_clock`), when the value sits inside a typed object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Failure {
    pub fn new(class: FailureClass, message: impl Into<String>) -> Failure {
        Failure {
            class,
            pointer: None,
            message: message.into(),
            subject: None,
        }
    }

    pub fn at(
        class: FailureClass,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Failure {
        Failure {
            class,
            pointer: Some(pointer.into()),
            message: message.into(),
            subject: None,
        }
    }

    /// A failure for one comparison difference.
    pub fn from_difference(difference: &Difference) -> Failure {
        let class = FailureClass::of_difference(difference);
        let message = match (&difference.expected, &difference.actual) {
            (Some(e), Some(a)) if difference.kind == DiffKind::Order => {
                format!("expected items in the order {e}, got {a}")
            }
            (Some(e), Some(a)) => format!("expected {e}, got {a}"),
            (Some(e), None) => format!("expected {e}, got nothing"),
            (None, Some(a)) => format!("unexpected {a}"),
            (None, None) => String::new(),
        };
        Failure::at(class, difference.pointer.clone(), message)
    }

    /// A failure for one schema violation of the `side` ("recorded" or "target") response.
    pub fn from_violation(side: &str, violation: &Violation) -> Failure {
        Failure::at(
            FailureClass::Schema,
            format!("/body{}", violation.pointer),
            format!(
                "{side} {}: {} ({})",
                violation.object, violation.message, violation.rule
            ),
        )
    }
}

/// The object type and attribute path that `pointer` (`/body/...`) lands on in `body` (a
/// normalized answer or golden body, which keep each object's `object`): the innermost
/// enclosing object that names its type, then the path within it, list positions as `[]`
/// (`/body/data/0/customer/test_clock` in a list of invoices with expanded customers is
/// `customer.test_clock`). `None` when no enclosing object names its type.
pub fn subject_at(body: &Value, pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/body/")?;
    let mut typed: Option<(&str, usize)> = None;
    let segments: Vec<String> = rest.split('/').map(crate::pointer::unescape).collect();
    let mut at = Some(body);
    for (depth, segment) in segments.iter().enumerate() {
        let value = at?;
        if let Some(Value::String(object)) = value.get("object") {
            typed = Some((object, depth));
        }
        at = match value {
            Value::Object(map) => map.get(segment.as_str()),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|n| items.get(n)),
            _ => None,
        };
    }
    let (object, from) = typed?;
    let mut path = String::from(object);
    for segment in &segments[from..] {
        if segment.parse::<usize>().is_ok() {
            path.push_str("[]");
        } else {
            path.push('.');
            path.push_str(segment);
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subjects_name_the_innermost_typed_object() {
        let list = json!({"object": "list", "data": [
            {"object": "invoice", "customer": {"object": "customer", "id": "<cus_1>"}, "lines": {"data": [{"amount": 1}]}}
        ]});
        let at = |p: &str| subject_at(&list, p);
        assert_eq!(
            at("/body/data/0/customer/test_clock").as_deref(),
            Some("customer.test_clock")
        );
        assert_eq!(
            at("/body/data/0/lines/data/0/amount").as_deref(),
            Some("invoice.lines.data[].amount")
        );
        assert_eq!(at("/body/has_more").as_deref(), Some("list.has_more"));
        assert_eq!(at("/body/data/1").as_deref(), Some("list.data[]"));
        let event =
            json!({"object": "event", "data": {"object": {"object": "customer", "name": null}}});
        assert_eq!(
            subject_at(&event, "/body/data/object/name").as_deref(),
            Some("customer.name")
        );
        assert_eq!(
            subject_at(&json!({"error": {"code": "x"}}), "/body/error/code"),
            None
        );
        assert_eq!(subject_at(&list, "/status"), None);
    }
}
