//! Comparison: owns [`compare`], which sets a normalized answer's headers and body beside its
//! golden snapshot and returns every [`Difference`] (by JSON pointer) plus a labelled unified
//! diff; and [`checks_in`], how many checks a golden body defines.
//!
//! # What a golden body counts
//!
//! Every scalar, every empty object and every empty array is one value check; every non-empty
//! array adds one list check (no extra items, items in order). The count depends on the golden
//! body alone, so every answer is judged on the same number of checks: a difference carries the
//! `weight` of the checks it fails (a missing object fails every check inside it), the checks
//! it does not fail pass, and an attribute the answer adds weighs nothing (it is counted apart).

use serde_json::Value;
use similar::TextDiff;

use crate::golden::GoldenStep;
use crate::normalize::{Snapshot, SnapshotRef};
use crate::pointer::escape as escape_pointer;

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
    /// A list holds the same items in another order.
    Order,
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
    /// How many of the golden file's checks this difference fails ([`checks_in`]); 0 for an
    /// attribute the answer adds.
    #[serde(skip)]
    pub weight: usize,
}

impl Difference {
    /// Whether this is an attribute the answer has and the golden file lacks (not an extra
    /// list item): counted apart from the golden file's checks.
    pub fn is_added_attribute(&self) -> bool {
        self.kind == DiffKind::Added
            && self
                .pointer
                .rsplit('/')
                .next()
                .is_some_and(|last| last.parse::<usize>().is_err())
    }

    /// Whether both sides are id symbols (`<cus_1>` vs `<cus_2>`): referential integrity broke.
    pub fn is_id_mismatch(&self) -> bool {
        // `<cus_1*>` is the symbol of an id shaped otherwise than the API's.
        let symbol = |v: &Option<String>| {
            v.as_deref().is_some_and(|s| {
                s.starts_with("\"<")
                    && s.ends_with(">\"")
                    && s[2..s.len() - 2]
                        .trim_end_matches('*')
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
            DiffKind::Order => write!(
                f,
                "{}: list order differs (expected {}, got {})",
                self.pointer,
                self.expected.clone().unwrap_or_else(none),
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
    /// Checks that passed: each compared header, and each value and list check of the golden
    /// body. With the differences' weights, they add up to the golden file's checks.
    pub passed: usize,
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

mod text;

/// A difference at `pointer` of `kind` weighing one check; an empty side is absent.
#[cfg(test)]
pub(crate) fn difference(
    pointer: &str,
    kind: DiffKind,
    expected: &str,
    actual: &str,
) -> Difference {
    Difference {
        pointer: pointer.to_owned(),
        kind,
        expected: (!expected.is_empty()).then(|| expected.to_owned()),
        actual: (!actual.is_empty()).then(|| actual.to_owned()),
        weight: 1,
    }
}

/// A golden body whose JSON text cannot be held as a value (nested too deep, a number out of
/// range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnreadableBody(pub String);

/// [`compare`] with a golden step as read from its file: when the answer equals it, as it mostly
/// does, its body is checked against the file's text and never parsed, and the diff `label` is
/// never made. The outcome is the one [`compare`] gives; `Err` when the golden body cannot be
/// parsed.
pub fn compare_step(
    golden: &GoldenStep,
    actual: SnapshotRef<'_>,
    label: impl FnOnce() -> String,
) -> Result<Comparison, UnreadableBody> {
    let heads_equal = golden
        .headers
        .iter()
        .all(|(name, value)| actual.headers.get(name) == Some(value));
    if let Some(leaves) = golden
        .body
        .text()
        .filter(|_| heads_equal)
        .and_then(|text| text::matches(text, actual.body))
    {
        return Ok(Comparison {
            differences: Vec::new(),
            passed: golden.headers.len() + leaves,
            diff: String::new(),
        });
    }
    let golden = golden
        .view()
        .map_err(|message| UnreadableBody(message.to_owned()))?;
    Ok(compare(golden, actual, &label()))
}

/// How many checks a golden body defines: every scalar, empty object and empty array is one;
/// a non-empty array adds one list check to those of its items.
pub fn checks_in(value: &Value) -> usize {
    match value {
        Value::Object(map) if !map.is_empty() => map.values().map(checks_in).sum(),
        Value::Array(items) if !items.is_empty() => 1 + items.iter().map(checks_in).sum::<usize>(),
        _ => 1,
    }
}

/// Compares the headers and body of `actual` with `golden` (the status is its own check).
/// Only the headers the golden snapshot lists are compared.
pub fn compare(golden: SnapshotRef<'_>, actual: SnapshotRef<'_>, label: &str) -> Comparison {
    let mut differences = Vec::new();
    let mut passed = 0;
    let mut shown_headers = std::collections::BTreeMap::new();
    for (name, expected) in golden.headers {
        let got = actual.headers.get(name);
        if let Some(got) = got {
            shown_headers.insert(name.clone(), got.clone());
        }
        if got == Some(expected) {
            passed += 1;
        } else {
            differences.push(Difference {
                pointer: format!("/headers/{}", escape_pointer(name)),
                kind: if got.is_some() {
                    DiffKind::Changed
                } else {
                    DiffKind::Missing
                },
                expected: Some(format!("{expected:?}")),
                actual: got.map(|g| format!("{g:?}")),
                weight: 1,
            });
        }
    }
    let mut walk = Walk {
        out: &mut differences,
        passed: 0,
        pointer: String::from("/body"),
    };
    walk.values(golden.body, actual.body);
    passed += walk.passed;
    // Headers, then the body, by pointer.
    differences.sort_by(|a, b| (&a.pointer, a.kind).cmp(&(&b.pointer, b.kind)));
    let diff = if differences.is_empty() {
        String::new()
    } else {
        let shown = Snapshot {
            status: actual.status,
            headers: shown_headers,
            body: actual.body.clone(),
        };
        unified(&pretty(&golden), &pretty(&shown), label)
    };
    Comparison {
        differences,
        passed,
        diff,
    }
}

fn pretty(snapshot: &impl serde::Serialize) -> String {
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

/// Whether two normalized timestamps agree. `<created+N>` offsets that are whole hours are
/// documented durations (a session expires 24 hours after it is created) and must be equal; any
/// other offset is elapsed time between requests, so only its direction is compared.
fn offsets_agree(expected: &str, actual: &str) -> bool {
    let offset = |s: &str| -> Option<i64> {
        let inner = s.strip_prefix("<created")?.strip_suffix('>')?;
        inner.strip_prefix('+').unwrap_or(inner).parse().ok()
    };
    match (offset(expected), offset(actual)) {
        (Some(n), Some(m)) if n != 0 && n % 3600 == 0 => n == m,
        (Some(n), Some(m)) => (n >= 0) == (m >= 0),
        _ => false,
    }
}

/// Whether two JSON numbers are the same number written differently (`25.0` and `25`): JSON
/// has one number type, so how a server writes a whole amount is not part of the answer.
fn same_number(e: &serde_json::Number, a: &serde_json::Number) -> bool {
    (e.is_f64() || a.is_f64()) && e.as_f64().zip(a.as_f64()).is_some_and(|(x, y)| x == y)
}

/// Longest list whose order is checked item by item; longer lists compare by position.
const MAX_REORDERED_LIST: usize = 500;

/// Walks both bodies with one growing pointer buffer: a pointer is only copied out when a
/// difference is recorded.
struct Walk<'a> {
    out: &'a mut Vec<Difference>,
    passed: usize,
    pointer: String,
}

impl Walk<'_> {
    fn push(&mut self, segment: &str) -> usize {
        let len = self.pointer.len();
        self.pointer.push('/');
        if segment.contains(['~', '/']) {
            self.pointer.push_str(&escape_pointer(segment));
        } else {
            self.pointer.push_str(segment);
        }
        len
    }

    /// Records a difference at the current pointer; it fails every check the expected side
    /// defines, or `weight` when there is none.
    fn differ(
        &mut self,
        kind: DiffKind,
        expected: Option<&Value>,
        actual: Option<&Value>,
        weight: usize,
    ) {
        self.out.push(Difference {
            pointer: self.pointer.clone(),
            kind,
            expected: expected.map(render),
            actual: actual.map(render),
            weight: expected.map_or(weight, checks_in),
        });
    }

    /// Items the answer's list has beyond the golden one's `len`: the first fails the list
    /// check, the others weigh nothing.
    fn extra_items(&mut self, len: usize, actual: &[Value]) -> bool {
        for (i, av) in actual.iter().enumerate().skip(len) {
            let at = self.push(&i.to_string());
            self.differ(DiffKind::Added, None, Some(av), usize::from(i == len));
            self.pointer.truncate(at);
        }
        actual.len() > len
    }

    fn values(&mut self, expected: &Value, actual: &Value) {
        match (expected, actual) {
            (Value::Object(e), Value::Object(a)) => {
                if e.is_empty() {
                    self.passed += 1;
                }
                // Both maps iterate in key order: one merge pass, no lookups.
                let mut left = e.iter().peekable();
                let mut right = a.iter().peekable();
                loop {
                    let order = match (left.peek(), right.peek()) {
                        (None, None) => break,
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (Some((ek, _)), Some((ak, _))) => ek.cmp(ak),
                    };
                    match order {
                        std::cmp::Ordering::Less => {
                            if let Some((key, ev)) = left.next() {
                                let len = self.push(key);
                                self.differ(DiffKind::Missing, Some(ev), None, 0);
                                self.pointer.truncate(len);
                            }
                        }
                        std::cmp::Ordering::Greater => {
                            if let Some((key, av)) = right.next() {
                                let len = self.push(key);
                                self.differ(DiffKind::Added, None, Some(av), 0);
                                self.pointer.truncate(len);
                            }
                        }
                        std::cmp::Ordering::Equal => {
                            if let (Some((key, ev)), Some((_, av))) = (left.next(), right.next()) {
                                let len = self.push(key);
                                self.values(ev, av);
                                self.pointer.truncate(len);
                            }
                        }
                    }
                }
            }
            (Value::Array(e), Value::Array(a)) => self.arrays(e, a),
            (Value::String(e), Value::String(a)) if e == a || offsets_agree(e, a) => {
                self.passed += 1;
            }
            (e, a) if e == a => self.passed += 1,
            (Value::Number(e), Value::Number(a)) if same_number(e, a) => self.passed += 1,
            (e, a) => self.differ(DiffKind::Changed, Some(e), Some(a), 0),
        }
    }

    fn arrays(&mut self, e: &[Value], a: &[Value]) {
        if e.is_empty() {
            if !self.extra_items(0, a) {
                self.passed += 1;
            }
            return;
        }
        if let Some(order) = reordering(e, a) {
            self.out.push(Difference {
                pointer: self.pointer.clone(),
                kind: DiffKind::Order,
                expected: Some(render(&Value::from(keys_of(e)))),
                actual: Some(render(&Value::from(keys_of(a)))),
                weight: 1,
            });
            for (i, j) in order.into_iter().enumerate() {
                let len = self.push(&i.to_string());
                self.values(&e[i], &a[j]);
                self.pointer.truncate(len);
            }
            return;
        }
        for (i, ev) in e.iter().enumerate() {
            let len = self.push(&i.to_string());
            match a.get(i) {
                Some(av) => self.values(ev, av),
                None => self.differ(DiffKind::Missing, Some(ev), None, 0),
            }
            self.pointer.truncate(len);
        }
        if !self.extra_items(e.len(), a) {
            self.passed += 1;
        }
    }
}

/// What identifies a list item: its `id` when it has one, else the whole item.
fn item_key(item: &Value) -> &Value {
    item.get("id").unwrap_or(item)
}

fn keys_of(items: &[Value]) -> Vec<Value> {
    items.iter().map(|i| item_key(i).clone()).collect()
}

/// When `actual` holds the items of `expected` (matched by `id`, or whole) in another order:
/// for each expected item, the index of its match in `actual`.
fn reordering(expected: &[Value], actual: &[Value]) -> Option<Vec<usize>> {
    if expected.len() != actual.len() || expected.len() < 2 || expected.len() > MAX_REORDERED_LIST {
        return None;
    }
    let mut taken = vec![false; actual.len()];
    let mut order = Vec::with_capacity(expected.len());
    for item in expected {
        let key = item_key(item);
        let j = (0..actual.len()).find(|&j| !taken[j] && item_key(&actual[j]) == key)?;
        taken[j] = true;
        order.push(j);
    }
    let identity = order.iter().enumerate().all(|(i, &j)| i == j);
    (!identity).then_some(order)
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

    /// Each difference as (pointer, kind), in report order.
    fn located(c: &Comparison) -> Vec<(&str, DiffKind)> {
        c.differences
            .iter()
            .map(|d| (d.pointer.as_str(), d.kind))
            .collect()
    }

    #[test]
    fn equal_snapshots_have_no_differences() {
        let a = snap(200, json!({"a": [1, 2], "b": {}}));
        let c = compare(a.view(), a.view(), "x");
        assert!(c.differences.is_empty());
        assert!(c.diff.is_empty());
        // The list check, two list items and one empty object.
        assert_eq!(c.passed, 4);
        assert_eq!(checks_in(&a.body), 4);
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
        let c = compare(golden.view(), actual.view(), "case step1");
        let pointers = located(&c);
        assert_eq!(
            pointers,
            [
                ("/body/amount", DiffKind::Changed),
                ("/body/extra", DiffKind::Added),
                ("/body/gone", DiffKind::Missing),
                ("/body/id", DiffKind::Changed),
                ("/body/items/1", DiffKind::Added),
            ]
        );
        assert!(c.differences[3].is_id_mismatch());
        assert!(!c.differences[0].is_id_mismatch());
        // `items/0`; the extra item fails the list check, the added attribute weighs nothing.
        assert_eq!(c.passed, 1);
        let weights: Vec<usize> = c.differences.iter().map(|d| d.weight).collect();
        assert_eq!(weights, [1, 0, 1, 1, 1]);
        assert!(c.differences[1].is_added_attribute());
        assert!(!c.differences[4].is_added_attribute());
        assert!(c.diff.contains("--- golden case step1"));
        assert!(c.diff.contains("-    \"amount\": 100,"), "{}", c.diff);
        assert!(c.diff.contains("+    \"amount\": 90,"));
    }

    #[test]
    fn elapsed_time_compares_by_direction_and_documented_durations_exactly() {
        let golden = snap(
            200,
            json!({"updated": "<created+30>", "expires_at": "<created+86400>", "ended": "<created-5>"}),
        );
        let faster = snap(
            200,
            json!({"updated": "<created+0>", "expires_at": "<created+86400>", "ended": "<created-1>"}),
        );
        assert!(compare(golden.view(), faster.view(), "x")
            .differences
            .is_empty());
        let wrong = snap(
            200,
            json!({"updated": "<created-1>", "expires_at": "<created+3600>", "ended": "<created+0>"}),
        );
        let pointers: Vec<String> = compare(golden.view(), wrong.view(), "x")
            .differences
            .into_iter()
            .map(|d| d.pointer)
            .collect();
        assert_eq!(
            pointers,
            ["/body/ended", "/body/expires_at", "/body/updated"]
        );
    }

    #[test]
    fn numbers_compare_by_value_however_they_are_written() {
        let golden = snap(
            200,
            json!({"percent_off": 25.0, "amount": 100, "rate": 0.5}),
        );
        let whole = snap(
            200,
            serde_json::from_str(r#"{"percent_off": 25, "amount": 100.0, "rate": 0.5}"#).unwrap(),
        );
        assert!(compare(golden.view(), whole.view(), "x")
            .differences
            .is_empty());
        let other = snap(
            200,
            json!({"percent_off": 25.5, "amount": 101, "rate": 0.5}),
        );
        assert_eq!(
            compare(golden.view(), other.view(), "x").differences.len(),
            2
        );
    }

    #[test]
    fn a_reordered_list_is_one_order_difference() {
        let golden = snap(
            200,
            json!({"data": [{"id": "<cus_1>", "n": 1}, {"id": "<cus_2>", "n": 2}, {"id": "<cus_3>", "n": 3}]}),
        );
        let reversed = snap(
            200,
            json!({"data": [{"id": "<cus_3>", "n": 3}, {"id": "<cus_2>", "n": 2}, {"id": "<cus_1>", "n": 1}]}),
        );
        let c = compare(golden.view(), reversed.view(), "x");
        assert_eq!(c.differences.len(), 1, "{:?}", c.differences);
        assert_eq!(c.differences[0].kind, DiffKind::Order);
        assert_eq!(c.differences[0].pointer, "/body/data");
        let plain = compare(
            snap(200, json!([3, 1, 2])).view(),
            snap(200, json!([1, 2, 3])).view(),
            "x",
        );
        assert_eq!(plain.differences.len(), 1);
        assert_eq!(plain.differences[0].kind, DiffKind::Order);
    }

    fn json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (0i64..4).prop_map(Value::from),
            "[ab]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[abc]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever the answer, the checks that pass and those the differences fail add up to
        /// the golden body's count: the denominator never depends on the answer.
        #[test]
        fn passed_and_failed_checks_add_up_to_the_golden_count(golden in json(), actual in json()) {
            let c = compare(snap(200, golden.clone()).view(), snap(200, actual).view(), "x");
            let failed: usize = c.differences.iter().map(|d| d.weight).sum();
            proptest::prop_assert_eq!(c.passed + failed, checks_in(&golden));
            for d in c.differences.iter().filter(|d| d.is_added_attribute()) {
                proptest::prop_assert_eq!(d.weight, 0);
            }
        }
    }

    #[test]
    fn object_keys_iterate_sorted_as_the_merge_walk_needs() {
        // If a dependency turned on serde_json's `preserve_order`, this fails first.
        let map: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"b": 1, "a": 2}"#).unwrap();
        assert_eq!(map.keys().next().map(String::as_str), Some("a"));
        let c = compare(
            snap(200, json!({"a": 1, "c": 3})).view(),
            snap(200, json!({"b": 2, "c": 3})).view(),
            "x",
        );
        let kinds = located(&c);
        assert_eq!(
            kinds,
            [("/body/a", DiffKind::Missing), ("/body/b", DiffKind::Added)]
        );
    }

    #[test]
    fn only_golden_headers_are_compared() {
        let mut golden = snap(200, json!(null));
        golden
            .headers
            .insert("content-type".into(), "application/json".into());
        let mut actual = golden.clone();
        actual.headers.insert("x-extra".into(), "1".into());
        assert!(compare(golden.view(), actual.view(), "x")
            .differences
            .is_empty());
        actual.headers.clear();
        assert_eq!(
            compare(golden.view(), actual.view(), "x").differences[0].kind,
            DiffKind::Missing
        );
    }

    #[test]
    fn golden_bodies_checked_as_text_count_what_the_full_comparison_counts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
        let (mut steps, mut read) = (0, 0);
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let golden = crate::golden::GoldenFile::parse(&text).unwrap();
            for step in &golden.steps {
                let full = compare(step.view().unwrap(), step.view().unwrap(), "x");
                assert!(full.differences.is_empty());
                let body = step.body.text().unwrap();
                if let Some(leaves) = text::matches(body, step.body.value().unwrap()) {
                    assert_eq!(step.headers.len() + leaves, full.passed);
                    read += 1;
                }
                let quick = compare_step(step, step.view().unwrap(), || "x".to_owned()).unwrap();
                assert_eq!((quick.passed, quick.differences.len()), (full.passed, 0));
                steps += 1;
            }
        }
        assert!(
            steps > 200 && read * 10 >= steps * 9,
            "{read} of {steps} steps"
        );
    }
}
