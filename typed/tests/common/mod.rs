//! What the typed check and the Rust client test share.

use serde_json::Value;

/// The first place where `typed` (a value serialized back from its generated type) does not
/// carry `recorded`: an attribute the type lacks or, when `values` is set, a value that
/// differs. Attributes only the typed side has are left alone; `object` is never serialized.
pub fn first_gap(recorded: &Value, typed: &Value, at: &str, values: bool) -> Option<String> {
    match (recorded, typed) {
        (Value::Object(r), Value::Object(t)) => r.iter().find_map(|(key, value)| {
            let here = conform::pointer::child(at, key);
            match t.get(key) {
                None if key == "object" => None,
                None => Some(format!("{here}: not an attribute of the type")),
                Some(back) => first_gap(value, back, &here, values),
            }
        }),
        (Value::Array(r), Value::Array(t)) if !values || r.len() == t.len() => {
            r.iter().zip(t).enumerate().find_map(|(i, (value, back))| {
                first_gap(value, back, &conform::pointer::child(at, i), values)
            })
        }
        (r, t) if !values || r == t => None,
        (r, t) => Some(format!("{at}: recorded {r}, the typed value is {t}")),
    }
}
