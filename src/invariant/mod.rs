//! Invariants: owns [`Invariant`] and [`CATALOGUE`], relations the documents promise between
//! the answers of one flow whatever its input (balances, totals, credit notes, grants,
//! sessions, events, lists), and [`View`], the exchanges of a flow they read. An invariant is a
//! pure function of a view: it counts each instance it judged and returns the ones that broke.
//! The `invariant` check (`check/invariant.rs`) runs the catalogue on every case; `explore`
//! runs it on the flows it generates. docs/invariants.md lists each one with its source.

mod balance;
mod billing;
mod checkout;
mod event;
mod general;
mod invoice;
mod view;

use serde_json::Value;

pub use view::{Seen, View};

/// One relation between answers.
pub struct Invariant {
    /// Stable id, as records and reports carry it (`balance.ending_balance`).
    pub id: &'static str,
    /// What holds, in one line.
    pub statement: &'static str,
    /// Where the documents or the reference promise it.
    pub source: &'static str,
    judge: fn(&View<'_>, &mut Found),
}

impl Invariant {
    /// Judges `view`: how many instances there were, and which broke.
    pub fn judge(&self, view: &View<'_>) -> Found {
        let mut found = Found::default();
        (self.judge)(view, &mut found);
        found
    }
}

/// What an invariant found in a view.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Found {
    /// Instances judged (held or broken).
    pub instances: usize,
    /// The step of the first instance.
    pub first: Option<usize>,
    pub broken: Vec<Broken>,
}

/// One instance that does not hold: the step whose answer shows it, where, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub step: usize,
    /// JSON pointer into the answer (`/body/ending_balance`).
    pub pointer: String,
    pub message: String,
}

impl Found {
    /// Counts one instance on `step`; it breaks unless `holds`.
    fn expect(
        &mut self,
        step: usize,
        pointer: impl Into<String>,
        holds: bool,
        message: impl FnOnce() -> String,
    ) {
        self.instances += 1;
        self.first.get_or_insert(step);
        if !holds {
            self.broken.push(Broken {
                step,
                pointer: pointer.into(),
                message: message(),
            });
        }
    }

    /// Counts one instance comparing two numbers.
    fn equal(&mut self, step: usize, pointer: &str, expected: i64, actual: i64, what: &str) {
        self.expect(step, pointer, expected == actual, || {
            format!("expected {expected} ({what}), got {actual}")
        });
    }
}

/// Every invariant, in the order reports list them.
pub const CATALOGUE: &[Invariant] = &[
    balance::AMOUNT_AS_REQUESTED,
    balance::ENDING_BALANCE,
    balance::CUSTOMER_BALANCE,
    invoice::CREDIT_NOTE_LINES,
    invoice::CREDIT_NOTE_SPLIT,
    invoice::CREDIT_NOTE_VOID,
    invoice::INVOICE_CREDIT_NOTES,
    invoice::INVOICE_AMOUNT_DUE,
    invoice::INVOICE_TOTALS,
    billing::SUMMARY_AVAILABLE,
    billing::GRANT_VOID_EXPIRE,
    billing::LEDGER,
    checkout::EXPIRES_AT,
    checkout::EXPIRE_ONCE,
    checkout::AMOUNT_TOTAL,
    checkout::LINE_ITEMS_TOTAL,
    event::DATA_OBJECT,
    event::ONE_PER_CHANGE,
    general::READ_AFTER_WRITE,
    general::NEWEST_FIRST,
    general::LIST_FILTER,
    general::PAGES_JOIN,
    general::DELETED_STAYS_DELETED,
    general::IDEMPOTENT_REPLAY,
    general::METADATA_AS_SENT,
];

/// An integer at `pointer`, written as a number or as a string of digits (form parameters).
fn int(value: &Value, pointer: &str) -> Option<i64> {
    match value.pointer(pointer)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The text at `pointer`.
fn text<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer)?.as_str()
}

/// The id a value names: the string itself, or an expanded object's `id`.
fn id_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(map) => map.get("id")?.as_str(),
        _ => None,
    }
}

/// Whether a value is an object of type `object`.
fn is_a(value: &Value, object: &str) -> bool {
    value.get("object").and_then(Value::as_str) == Some(object)
}

/// The items of a complete list (`has_more` false): `None` for anything else.
fn complete_list(list: &Value) -> Option<&Vec<Value>> {
    if list.get("has_more")? != &Value::Bool(false) {
        return None;
    }
    list.get("data")?.as_array()
}

/// The objects of type `object` an answer holds: the body itself, or the items of a list.
fn objects_in<'v>(body: &'v Value, object: &str) -> Vec<(String, &'v Value)> {
    if is_a(body, object) {
        return vec![(String::from("/body"), body)];
    }
    if is_a(body, "list") || is_a(body, "search_result") {
        if let Some(items) = body.get("data").and_then(Value::as_array) {
            return items
                .iter()
                .enumerate()
                .filter(|(_, item)| is_a(item, object))
                .map(|(i, item)| (format!("/body/data/{i}"), item))
                .collect();
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
