//! Open values: owns [`BUILT_IN`], the values the reference leaves open for every case (hosts of
//! URLs the API generates, defaults that follow the account's settings, which parameter a
//! missing object's error names), and [`accepts`], which says whether a difference there is
//! one the rule allows. Case files add their own rules (`open`). At `contract` an allowed
//! difference warns; at `strict` it still fails. Each built-in rule and its reason is listed in
//! `docs/levels.md`.

use serde_json::Value;

use crate::case::{Accept, OpenRule};
use crate::compare::{DiffKind, Difference};
use crate::transcript::Transcript;

/// A rule for every case: the object type and attribute it covers (`invoice.invoice_pdf`;
/// what lies inside it too), what it accepts, and why.
pub struct BuiltIn {
    pub subject: &'static str,
    pub accept: Accept,
    pub why: &'static str,
}

/// Every built-in open value.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        subject: "invoice.hosted_invoice_url",
        accept: Accept::Url,
        why: "the host of a page the API generates is the API's to choose",
    },
    BuiltIn {
        subject: "invoice.invoice_pdf",
        accept: Accept::Url,
        why: "the host of a file the API generates is the API's to choose",
    },
    BuiltIn {
        subject: "credit_note.pdf",
        accept: Accept::Url,
        why: "the host of a file the API generates is the API's to choose",
    },
    BuiltIn {
        subject: "checkout.session.url",
        accept: Accept::Url,
        why: "the Checkout host is the merchant's custom domain when one is set",
    },
    BuiltIn {
        subject: "checkout.session.adaptive_pricing.enabled",
        accept: Accept::Shape,
        why: "defaults to the account's dashboard setting",
    },
    BuiltIn {
        subject: "checkout.session.payment_method_types",
        accept: Accept::Any,
        why: "without `payment_method_types`, the account's payment method settings decide",
    },
    BuiltIn {
        subject: "event.api_version",
        accept: Accept::Shape,
        why: "an event is rendered with the account's API version, not the request's",
    },
    BuiltIn {
        subject: "checkout.session.payment_method_configuration_details",
        accept: Accept::Any,
        why: "set only when the account's payment method configurations are used",
    },
];

/// The pointer the built-in error rule covers, and the error code it applies to.
const ERROR_PARAM: (&str, &str) = ("/body/error/param", "resource_missing");

/// Why no document pins which parameter a missing object's error names.
pub const ERROR_PARAM_WHY: &str =
    "no document says which parameter names an id in the path of a missing object";

/// The rule that covers `difference` in step `i`, if any: the step's own, then the case's,
/// then the built-in ones (by `subject`, the object type and attribute the pointer lands on).
pub fn rule_for(
    transcript: &Transcript<'_>,
    i: usize,
    difference: &Difference,
    subject: Option<&str>,
    golden_body: Option<&Value>,
) -> Option<Accept> {
    let case = transcript.case;
    let written = case.steps[i]
        .step
        .open
        .iter()
        .chain(&case.open)
        .find(|rule| matches_pointer(rule, &difference.pointer));
    if let Some(rule) = written {
        return Some(rule.accept.clone());
    }
    if let Some(subject) = subject {
        let built_in = BUILT_IN.iter().find(|rule| covers(rule.subject, subject));
        if let Some(rule) = built_in {
            return Some(rule.accept.clone());
        }
    }
    let code = golden_body
        .and_then(|body| body.pointer("/error/code"))
        .and_then(Value::as_str);
    (difference.pointer == ERROR_PARAM.0 && code == Some(ERROR_PARAM.1))
        .then_some(Accept::ShapeOrAbsent)
}

/// The rule a step's (or its case's) file states for `/status`, if any.
pub fn status_rule<'c>(transcript: &Transcript<'c>, i: usize) -> Option<&'c OpenRule> {
    let case = transcript.case;
    case.steps[i]
        .step
        .open
        .iter()
        .chain(&case.open)
        .find(|rule| rule.path == "/status")
}

/// Whether `rule` covers `subject`: the attribute itself, or anything inside it.
fn covers(rule: &str, subject: &str) -> bool {
    subject
        .strip_prefix(rule)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// Whether a pointer matches a rule's path, where `*` matches any one segment.
fn matches_pointer(rule: &OpenRule, pointer: &str) -> bool {
    let mut pattern = rule.path.split('/');
    let mut actual = pointer.split('/');
    loop {
        match (pattern.next(), actual.next()) {
            (None, None) => return true,
            (Some(p), Some(a)) if p == "*" || p == a => {}
            _ => return false,
        }
    }
}

/// Whether the answer's side of `difference` is what `accept` allows.
pub fn accepts(accept: &Accept, difference: &Difference) -> bool {
    let parse = |side: &Option<String>| {
        side.as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
    };
    let (expected, actual) = (parse(&difference.expected), parse(&difference.actual));
    let same_shape = || match (&expected, &actual) {
        (Some(e), Some(a)) => std::mem::discriminant(e) == std::mem::discriminant(a),
        _ => false,
    };
    match accept {
        Accept::Any => true,
        Accept::Shape => difference.kind == DiffKind::Changed && same_shape(),
        Accept::ShapeOrAbsent => {
            difference.kind == DiffKind::Missing
                || (difference.kind == DiffKind::Changed && same_shape())
        }
        Accept::Url => {
            difference.kind == DiffKind::Changed
                && actual
                    .as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|url| url.starts_with("https://") || url.starts_with("http://"))
        }
        Accept::ClientError => false,
        Accept::OneOf(values) => {
            difference.kind == DiffKind::Changed
                && actual.as_ref().is_some_and(|a| values.contains(a))
        }
    }
}

/// Whether `status` is what a `/status` rule allows in place of `expected`.
pub fn accepts_status(accept: &Accept, expected: u16, status: u16) -> bool {
    match accept {
        Accept::ClientError => (400..500).contains(&expected) && (400..500).contains(&status),
        Accept::OneOf(values) => values.contains(&Value::from(status)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::compare::difference as diff;

    #[test]
    fn each_kind_accepts_only_what_it_says() {
        use DiffKind::{Added, Changed, Missing};
        let url = diff(
            "/body/url",
            Changed,
            r#""https://a.example/c""#,
            r#""https://b.example/c""#,
        );
        assert!(accepts(&Accept::Url, &url));
        assert!(!accepts(
            &Accept::Url,
            &diff("/body/url", Changed, r#""https://a""#, "null")
        ));
        assert!(!accepts(
            &Accept::Url,
            &diff("/body/url", Missing, r#""https://a""#, "")
        ));
        let flag = diff("/body/enabled", Changed, "true", "false");
        assert!(accepts(&Accept::Shape, &flag));
        assert!(!accepts(
            &Accept::Shape,
            &diff("/body/enabled", Changed, "true", "\"yes\"")
        ));
        let param = diff("/body/error/param", Missing, r#""id""#, "");
        assert!(accepts(&Accept::ShapeOrAbsent, &param));
        assert!(!accepts(&Accept::Shape, &param));
        assert!(accepts(&Accept::Any, &diff("/body/x/0", Added, "", "1")));
        let one_of = Accept::OneOf(vec![Value::from("a"), Value::from("b")]);
        assert!(accepts(
            &one_of,
            &diff("/body/k", Changed, r#""c""#, r#""b""#)
        ));
        assert!(!accepts(
            &one_of,
            &diff("/body/k", Changed, r#""a""#, r#""c""#)
        ));
        assert!(accepts_status(&Accept::ClientError, 404, 400));
        assert!(!accepts_status(&Accept::ClientError, 404, 500));
        assert!(!accepts_status(&Accept::ClientError, 200, 400));
    }

    #[test]
    fn built_in_rules_cover_their_attribute_and_what_lies_inside() {
        assert!(covers(
            "checkout.session.payment_method_types",
            "checkout.session.payment_method_types[]"
        ));
        assert!(covers("invoice.invoice_pdf", "invoice.invoice_pdf"));
        assert!(!covers("invoice.invoice_pdf", "invoice.invoice_pdf_x"));
        let rule = OpenRule {
            path: "/body/data/*/url".into(),
            accept: Accept::Url,
            why: None,
        };
        assert!(matches_pointer(&rule, "/body/data/3/url"));
        assert!(!matches_pointer(&rule, "/body/data/3/url/x"));
    }
}
