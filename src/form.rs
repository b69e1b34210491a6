//! Stripe-style form encoding: owns [`encode`] (JSON value -> `a[b][0]=c` pairs) and [`decode`]
//! (the reverse, used to compare requests as structures). Pure functions, no I/O.
//!
//! Nested objects become bracketed keys, arrays are indexed (`items[0][price]`), booleans are
//! `true`/`false`, numbers are written as JSON writes them, `null` is an empty value. Keys come
//! out in the order of the (sorted) JSON object.

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

/// Percent-encodes everything but unreserved characters; brackets stay readable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'[' | b']' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept as they are.
pub fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a form string back into a JSON structure. Every leaf is a string (forms carry no
/// types); bracketed keys nest; arrays come back as objects keyed `"0"`, `"1"`, ... unless every
/// key at that level is an index, in which case they are arrays again. `a[]=x&a[]=y` appends.
pub fn decode(text: &str) -> Value {
    let mut root = Value::Object(Map::new());
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let key = unescape(key);
        let value = Value::String(unescape(value));
        insert(&mut root, &key_path(&key), value);
    }
    arrays_back(root)
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
        assert_eq!(decode(&encode(&body)), stringify_leaves(&body));
    }

    #[test]
    fn decode_appends_empty_brackets_and_tolerates_junk() {
        assert_eq!(
            decode("expand[]=a&expand[]=b"),
            json!({"expand": ["a", "b"]})
        );
        assert_eq!(decode("a=%zz&&b"), json!({"a": "%zz", "b": ""}));
    }
}
