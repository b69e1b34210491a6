//! The built-in normalization rules: owns [`normalize_body`] (ids, timestamps, secrets, URLs)
//! and [`normalize_headers`] (volatile headers). The vocabulary is documented in the module
//! above.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Symbols;
use crate::ids;

/// Headers whose value changes on every request; only their presence is compared.
pub const VOLATILE_HEADERS: &[&str] = &[
    "request-id",
    "date",
    "content-length",
    "connection",
    "keep-alive",
    "server",
    "etag",
    "x-request-id",
    "x-stripe-routing-context-priority-tier",
    "original-request",
];

const MIN_TIMESTAMP: i64 = 946_684_800; // 2000-01-01
const MAX_TIMESTAMP: i64 = 4_102_444_800; // 2100-01-01

fn is_time_key(key: &str) -> bool {
    matches!(
        key,
        "created"
            | "updated"
            | "date"
            | "start"
            | "end"
            | "trial_start"
            | "trial_end"
            | "available_on"
    ) || key.ends_with("_at")
        || key.ends_with("_date")
        || key.ends_with("_start")
        || key.ends_with("_end")
}

fn timestamp(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .filter(|t| (MIN_TIMESTAMP..MAX_TIMESTAMP).contains(t))
}

/// Normalizes a body in place. Keys are visited in sorted order, so numbering is stable.
pub fn normalize_body(body: &mut Value, symbols: &mut Symbols) {
    match body {
        Value::Object(map) => normalize_object(map, symbols),
        Value::Array(items) => {
            for item in items {
                normalize_body(item, symbols);
            }
        }
        Value::String(text) => {
            if let Some(new) = normalize_string(None, text, symbols) {
                *text = new;
            }
        }
        _ => {}
    }
}

fn normalize_object(map: &mut Map<String, Value>, symbols: &mut Symbols) {
    let created = map.get("created").and_then(timestamp);
    for (key, value) in map.iter_mut() {
        if is_time_key(key) {
            if let Some(t) = timestamp(value) {
                *value = Value::String(match created {
                    Some(base) if key != "created" => {
                        let offset = t - base;
                        if offset >= 0 {
                            format!("<created+{offset}>")
                        } else {
                            format!("<created{offset}>")
                        }
                    }
                    _ => "<timestamp>".to_owned(),
                });
                continue;
            }
        }
        match value {
            Value::String(text) => {
                if let Some(new) = normalize_string(Some(key), text, symbols) {
                    *text = new;
                }
            }
            other => normalize_body(other, symbols),
        }
    }
}

/// Numbers the ids and generated values of `body` into `symbols` in the order
/// [`normalize_body`] meets them, without building anything: keys in sorted order, strings as
/// [`normalize_string`] reads them. Timestamps are numbers, so they number nothing.
pub fn number_symbols(body: &Value, symbols: &mut Symbols) {
    match body {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(text) => {
                        normalize_string(Some(key), text, symbols);
                    }
                    other => number_symbols(other, symbols),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| number_symbols(item, symbols)),
        Value::String(text) => {
            normalize_string(None, text, symbols);
        }
        _ => {}
    }
}

/// The normalized form of a string, or `None` when it stays as it is (most strings: nothing
/// is allocated for them).
fn normalize_string(key: Option<&str>, text: &str, symbols: &mut Symbols) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if crate::secrets::is_secret(key, text) {
        return Some("<secret>".to_owned());
    }
    if let Some((token, rest)) = key.and_then(|k| ids::generated_token(k, text)) {
        return Some(format!("{}{rest}", symbols.generated("prefix", token)));
    }
    if text.starts_with("http://") || text.starts_with("https://") {
        return Some(normalize_url(text, symbols));
    }
    // A whole value paired with a recorded id keeps that id's symbol, even when the target's
    // ids are shaped otherwise than the API's (`cus_a1-B2`).
    // Either way the symbol is marked (`<cus_1*>`): the shape of the id differs, which only
    // `strict` fails.
    if let Some(symbol) = symbols.odd(text).filter(|_| !ids::is_id(text)) {
        return Some(otherwise_shaped(symbol));
    }
    // A whole value shaped like such an id, of a prefix the case numbers, is one too: a
    // target's random ids are never compared literally, whatever characters they hold.
    if let Some(prefix) = loose_id_prefix(text) {
        if symbols.knows_prefix(prefix) && !ids::is_id(text) {
            return Some(otherwise_shaped(&symbols.symbol_as(text, prefix)));
        }
    }
    // Most strings hold no id (enum values, names): nothing to replace, nothing allocated.
    if !ids::contains_id(text) {
        return None;
    }
    let out = ids::replace_ids(text, |id| Some(symbols.symbol(id)));
    (out != text).then_some(out)
}

/// `<cus_1>` as the symbol of an id shaped otherwise than the API's: `<cus_1*>`.
fn otherwise_shaped(symbol: &str) -> String {
    match symbol.strip_suffix('>') {
        Some(head) => format!("{head}*>"),
        None => symbol.to_owned(),
    }
}

/// The prefix of a whole value shaped like an id of a target that writes its own
/// (`prod_-r3AW-x9Qz`): a lowercase word, `_`, then eight or more of `A-Za-z0-9_-` with at
/// least one digit, capital or `-`.
fn loose_id_prefix(text: &str) -> Option<&str> {
    let (head, token) = text.split_once('_')?;
    let shaped = !head.is_empty()
        && head.bytes().all(|b| b.is_ascii_lowercase())
        && token.len() >= 8
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && token
            .bytes()
            .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-');
    shaped.then_some(head)
}

fn normalize_url(url: &str, symbols: &mut Symbols) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, _)) => (rest, "#<fragment>"),
        None => (url, ""),
    };
    let (base, query) = match rest.split_once('?') {
        Some((base, _)) => (base, "?<query>"),
        None => (rest, ""),
    };
    let base = ids::replace_ids(base, |id| Some(symbols.symbol(id)));
    format!("{base}{query}{fragment}")
}

/// Lower-cases header names; volatile ones become `<present>`, ids in the others symbols.
pub fn normalize_headers(
    headers: &BTreeMap<String, String>,
    symbols: &mut Symbols,
) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let value = if VOLATILE_HEADERS.contains(&name.as_str()) {
                "<present>".to_owned()
            } else if name == "content-type" {
                value.split(';').next().unwrap_or("").trim().to_owned()
            } else {
                normalize_string(Some(&name), value, symbols).unwrap_or_else(|| value.clone())
            };
            (name, value)
        })
        .collect()
}
