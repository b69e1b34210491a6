//! Stripe-style form encoding: owns [`encode`] (JSON value -> `a[b][0]=c` pairs) and [`decode`]
//! (the reverse, used to compare requests as structures). Pure functions, no I/O.
//!
//! Nested objects become bracketed keys, arrays are indexed (`items[0][price]`), booleans are
//! `true`/`false`, numbers are written as JSON writes them, `null` is an empty value. Keys come
//! out in the order of the (sorted) JSON object.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

/// Flattens `value` into `(key, value)` pairs; a scalar at the top has no key and is skipped.
pub fn pairs(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(map) = value {
        for (key, child) in map {
            flatten(key.clone(), child, &mut out);
        }
    }
    out
}

fn flatten(prefix: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if map.is_empty() {
                out.push((prefix, String::new()));
                return;
            }
            for (key, child) in map {
                flatten(format!("{prefix}[{key}]"), child, out);
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push((prefix, String::new()));
                return;
            }
            for (i, child) in items.iter().enumerate() {
                flatten(format!("{prefix}[{i}]"), child, out);
            }
        }
        Value::Null => out.push((prefix, String::new())),
        Value::Bool(b) => out.push((prefix, b.to_string())),
        Value::Number(n) => out.push((prefix, n.to_string())),
        Value::String(s) => out.push((prefix, s.clone())),
    }
}

/// Encodes `value` as an `application/x-www-form-urlencoded` string.
pub fn encode(value: &Value) -> String {
    pairs(value)
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What `escape` leaves as it is: letters, digits, `-_.~` and brackets (kept readable).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'[')
    .remove(b']');

/// Percent-encodes everything but unreserved characters; a space becomes `+`.
pub fn escape(text: &str) -> String {
    utf8_percent_encode(text, FORM)
        .to_string()
        .replace("%20", "+")
}

/// Decodes `+` and `%XX` escapes; invalid escapes (`%zz`, `%+1`) are kept as they are.
pub fn unescape(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Deepest bracket nesting a form key may have (`a[b][c]` is 3).
pub const MAX_DEPTH: usize = 32;
/// Most parameters a form may carry.
pub const MAX_PARAMS: usize = 10_000;

/// A form over the limits: `param` names the parameter (as sent, cut to 100 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    pub param: String,
    pub message: String,
}

/// Decodes a form string back into a JSON structure. Every leaf is a string (forms carry no
/// types); bracketed keys nest; arrays come back as objects keyed `"0"`, `"1"`, ... unless every
/// key at that level is an index, in which case they are arrays again. `a[]=x&a[]=y` appends.
/// Keys nested deeper than [`MAX_DEPTH`] or more than [`MAX_PARAMS`] parameters are an error,
/// so no input can exhaust the stack or memory.
pub fn decode(text: &str) -> Result<Value, FormError> {
    let mut root = Value::Object(Map::new());
    for (n, part) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let key = unescape(key);
        if n >= MAX_PARAMS {
            return Err(FormError {
                param: cut(&key),
                message: format!("a request may carry at most {MAX_PARAMS} parameters"),
            });
        }
        let path = key_path(&key);
        if path.len() > MAX_DEPTH {
            return Err(FormError {
                param: cut(&key),
                message: format!(
                    "parameter nested {} levels deep; at most {MAX_DEPTH} are allowed",
                    path.len()
                ),
            });
        }
        insert(&mut root, &path, Value::String(unescape(value)));
    }
    Ok(arrays_back(root))
}

/// [`decode`] for text from a trusted file: what is over the limits is left out.
pub fn decode_lenient(text: &str) -> Value {
    decode(text).unwrap_or_else(|_| Value::Object(Map::new()))
}

fn cut(key: &str) -> String {
    key.chars().take(100).collect()
}

fn key_path(key: &str) -> Vec<String> {
    let mut path = Vec::new();
    let (head, mut rest) = match key.find('[') {
        Some(i) if key.ends_with(']') => (&key[..i], &key[i..]),
        _ => return vec![key.to_owned()],
    };
    path.push(head.to_owned());
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(end) => {
                path.push(stripped[..end].to_owned());
                rest = &stripped[end + 1..];
            }
            None => break,
        }
    }
    path
}

fn insert(node: &mut Value, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Value::Object(map) = node else {
        return;
    };
    let key = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        map.insert(key, value);
        return;
    }
    let child = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    insert(child, rest, value);
}

fn arrays_back(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let is_array =
                !map.is_empty() && (0..map.len()).all(|i| map.contains_key(&i.to_string()));
            if is_array {
                let mut map = map;
                let items = (0..map.len())
                    .map(|i| arrays_back(map.remove(&i.to_string()).unwrap_or(Value::Null)))
                    .collect();
                Value::Array(items)
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, arrays_back(v))).collect())
            }
        }
        other => other,
    }
}

/// Turns every scalar leaf into the string a form would carry, so a JSON-typed structure can be
/// compared with a decoded form.
pub fn stringify_leaves(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), stringify_leaves(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(stringify_leaves).collect()),
        Value::Null => Value::String(String::new()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => Value::String(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_nested_arrays_and_booleans() {
        let body = json!({"line_items": [{"price": "price_123", "quantity": 2}], "metadata": {"order": "6735"}, "automatic_tax": {"enabled": true}});
        assert_eq!(
            encode(&body),
            "automatic_tax[enabled]=true&line_items[0][price]=price_123&line_items[0][quantity]=2&metadata[order]=6735"
        );
    }

    #[test]
    fn escapes_reserved_characters() {
        assert_eq!(encode(&json!({"q": "a b&c=d/é"})), "q=a+b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn decode_inverts_encode_up_to_leaf_types() {
        let body = json!({"line_items": [{"price": "p", "quantity": 2}, {"price": "q"}], "expand": ["line_items"], "metadata": {"k": "v w"}, "flag": false});
        assert_eq!(decode(&encode(&body)).unwrap(), stringify_leaves(&body));
    }

    #[test]
    fn decode_appends_empty_brackets_and_tolerates_junk() {
        assert_eq!(
            decode("expand[]=a&expand[]=b").unwrap(),
            json!({"expand": ["a", "b"]})
        );
        assert_eq!(decode("a=%zz&&b").unwrap(), json!({"a": "%zz", "b": ""}));
        // `%+1` is not an escape (a sign is not a hex digit); `%2B` is a plus.
        assert_eq!(
            decode("a=%+1&b=%2B").unwrap(),
            json!({"a": "% 1", "b": "+"})
        );
    }

    #[test]
    fn deep_nesting_and_too_many_parameters_are_errors_not_crashes() {
        let deep = format!("a{}=1", "[b]".repeat(2_800));
        let err = decode(&deep).unwrap_err();
        assert!(err.param.starts_with("a[b][b]"), "{err:?}");
        assert!(err.message.contains("2801 levels"), "{err}");
        let ok = format!("a{}=1", "[b]".repeat(MAX_DEPTH - 1));
        assert!(decode(&ok).is_ok());
        let many = vec!["x=1"; MAX_PARAMS + 1].join("&");
        assert!(decode(&many).unwrap_err().message.contains("at most"));
    }
}
