//! Comparison: owns [`compare`], which sets a normalized answer beside its golden snapshot and
//! returns every [`Difference`] (by JSON pointer) plus a labelled unified diff.

use serde_json::Value;
use similar::TextDiff;

use crate::normalize::Snapshot;
use crate::validate::escape_pointer;

/// What kind of deviation a difference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// The golden file has a value the answer lacks.
    Missing,
    /// The answer has a value the golden file lacks.
    Added,
    /// Both have the value and it differs.
    Changed,
}

/// One deviation at one place: `/status`, `/headers/content-type` or `/body/...`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Difference {
    pub pointer: String,
    pub kind: DiffKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl Difference {
    /// Whether both sides are id symbols (`<cus_1>` vs `<cus_2>`): referential integrity broke.
    pub fn is_id_mismatch(&self) -> bool {
        let symbol = |v: &Option<String>| {
            v.as_deref().is_some_and(|s| {
                s.starts_with("\"<")
                    && s.ends_with(">\"")
                    && s[2..s.len() - 2]
                        .rsplit_once('_')
                        .is_some_and(|(_, n)| n.parse::<u32>().is_ok())
            })
        };
        self.kind == DiffKind::Changed && symbol(&self.expected) && symbol(&self.actual)
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let none = || "(absent)".to_owned();
        match self.kind {
            DiffKind::Missing => write!(
                f,
                "{}: missing (expected {})",
                self.pointer,
                self.expected.clone().unwrap_or_else(none)
            ),
            DiffKind::Added => write!(
                f,
                "{}: not expected (got {})",
                self.pointer,
                self.actual.clone().unwrap_or_else(none)
            ),
            DiffKind::Changed => write!(
                f,
                "{}: expected {}, got {}",
                self.pointer,
                self.expected.clone().unwrap_or_else(none),
                self.actual.clone().unwrap_or_else(none)
            ),
        }
    }
}

/// The outcome of one comparison; empty `differences` means equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comparison {
    pub differences: Vec<Difference>,
    /// Unified diff of the pretty-printed snapshots, `golden` and `actual` labelled; empty when equal.
    pub diff: String,
}

/// Longest rendering of one value inside a [`Difference`].
const MAX_VALUE_CHARS: usize = 200;

fn render(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > MAX_VALUE_CHARS {
        let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Compares `actual` with `golden`. Only the headers the golden snapshot lists are compared.
pub fn compare(golden: &Snapshot, actual: &Snapshot, label: &str) -> Comparison {
    let mut differences = Vec::new();
    if golden.status != actual.status {
        differences.push(Difference {
            pointer: "/status".to_owned(),
            kind: DiffKind::Changed,
            expected: Some(golden.status.to_string()),
            actual: Some(actual.status.to_string()),
        });
    }
    let mut shown_headers = std::collections::BTreeMap::new();
    for (name, expected) in &golden.headers {
        let got = actual.headers.get(name);
        if let Some(got) = got {
            shown_headers.insert(name.clone(), got.clone());
        }
        if got != Some(expected) {
            differences.push(Difference {
                pointer: format!("/headers/{}", escape_pointer(name)),
                kind: if got.is_some() {
                    DiffKind::Changed
                } else {
                    DiffKind::Missing
                },
                expected: Some(format!("{expected:?}")),
                actual: got.map(|g| format!("{g:?}")),
            });
        }
    }
    diff_values(&golden.body, &actual.body, "/body", &mut differences);
    differences.sort();
    let diff = if differences.is_empty() {
        String::new()
    } else {
        let shown = Snapshot {
            status: actual.status,
            headers: shown_headers,
            body: actual.body.clone(),
        };
        unified(&pretty(golden), &pretty(&shown), label)
    };
    Comparison { differences, diff }
}

fn pretty(snapshot: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(snapshot).unwrap_or_default();
    text.push('\n');
    text
}

/// A unified diff with three lines of context, sides labelled `golden` and `actual`.
pub fn unified(expected: &str, actual: &str, label: &str) -> String {
    unified_between(
        expected,
        actual,
        &format!("golden {label}"),
        &format!("actual {label}"),
    )
}

/// A unified diff with three lines of context and the given side labels.
pub fn unified_between(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

fn diff_values(expected: &Value, actual: &Value, pointer: &str, out: &mut Vec<Difference>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let child = format!("{pointer}/{}", escape_pointer(key));
                match a.get(key) {
                    Some(av) => diff_values(ev, av, &child, out),
                    None => out.push(Difference {
                        pointer: child,
                        kind: DiffKind::Missing,
                        expected: Some(render(ev)),
                        actual: None,
                    }),
                }
            }
            for (key, av) in a {
                if !e.contains_key(key) {
                    out.push(Difference {
                        pointer: format!("{pointer}/{}", escape_pointer(key)),
                        kind: DiffKind::Added,
                        expected: None,
                        actual: Some(render(av)),
                    });
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, ev) in e.iter().enumerate() {
                match a.get(i) {
                    Some(av) => diff_values(ev, av, &format!("{pointer}/{i}"), out),
                    None => out.push(Difference {
                        pointer: format!("{pointer}/{i}"),
                        kind: DiffKind::Missing,
                        expected: Some(render(ev)),
                        actual: None,
                    }),
                }
            }
            for (i, av) in a.iter().enumerate().skip(e.len()) {
                out.push(Difference {
                    pointer: format!("{pointer}/{i}"),
                    kind: DiffKind::Added,
                    expected: None,
                    actual: Some(render(av)),
                });
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(Difference {
            pointer: pointer.to_owned(),
            kind: DiffKind::Changed,
            expected: Some(render(e)),
            actual: Some(render(a)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn snap(status: u16, body: Value) -> Snapshot {
        Snapshot {
            status,
            headers: BTreeMap::new(),
            body,
        }
    }

    #[test]
    fn equal_snapshots_have_no_differences() {
        let a = snap(200, json!({"a": [1, 2]}));
        assert_eq!(compare(&a, &a.clone(), "x"), Comparison::default());
    }

    #[test]
    fn every_kind_of_difference_is_located() {
        let golden = snap(
            200,
            json!({"amount": 100, "gone": true, "id": "<cus_1>", "items": [1]}),
        );
        let actual = snap(
            201,
            json!({"amount": 90, "extra": 1, "id": "<cus_2>", "items": [1, 2]}),
        );
        let c = compare(&golden, &actual, "case step1");
        let pointers: Vec<(&str, DiffKind)> = c
            .differences
            .iter()
            .map(|d| (d.pointer.as_str(), d.kind))
            .collect();
        assert_eq!(
            pointers,
            [
                ("/body/amount", DiffKind::Changed),
                ("/body/extra", DiffKind::Added),
                ("/body/gone", DiffKind::Missing),
                ("/body/id", DiffKind::Changed),
                ("/body/items/1", DiffKind::Added),
                ("/status", DiffKind::Changed),
            ]
        );
        assert!(c.differences[3].is_id_mismatch());
        assert!(!c.differences[0].is_id_mismatch());
        assert!(c.diff.contains("--- golden case step1"));
        assert!(c.diff.contains("-    \"amount\": 100,"), "{}", c.diff);
        assert!(c.diff.contains("+    \"amount\": 90,"));
    }

    #[test]
    fn only_golden_headers_are_compared() {
        let mut golden = snap(200, json!(null));
        golden
            .headers
            .insert("content-type".into(), "application/json".into());
        let mut actual = golden.clone();
        actual.headers.insert("x-extra".into(), "1".into());
        assert!(compare(&golden, &actual, "x").differences.is_empty());
        actual.headers.clear();
        assert_eq!(
            compare(&golden, &actual, "x").differences[0].kind,
            DiffKind::Missing
        );
    }
}
