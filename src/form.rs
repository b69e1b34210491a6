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
/// A form over the limits ([`MAX_PARAMS`], [`MAX_DEPTH`], [`MAX_KEY_BYTES`], [`MAX_SEGMENTS`])
/// is an error, found before any of the structure is built (keys are unescaped once, for the
/// check and the build), so no input can exhaust the stack or make the structure cost more than
/// the limits allow.
pub fn decode(text: &str) -> Result<Value, FormError> {
    let keys = checked_keys(text)?;
    let mut root = Value::Object(Map::new());
    for (key, value) in keys {
        insert(&mut root, &key_path(&key), Value::String(unescape(value)));
    }
    Ok(arrays_back(root))
}

/// Longest key of one parameter, in bytes once unescaped.
pub const MAX_KEY_BYTES: usize = 4 * 1024;
/// Most key segments a form may hold in all (`a[b][c]` is 3): each becomes a node of the
/// decoded structure, so this bounds what decoding allocates whatever the body's size.
pub const MAX_SEGMENTS: usize = 10_000;

/// Checks that [`encode`] of `value` would decode within every limit of [`decode`], walking the
/// value without encoding it (what a case file sends must be what a server reads).
pub fn check_value(value: &Value) -> Result<(), FormError> {
    struct Count {
        params: usize,
        segments: usize,
    }
    fn walk(
        value: &Value,
        name: &str,
        depth: usize,
        key_len: usize,
        count: &mut Count,
    ) -> Result<(), FormError> {
        let refuse = |message: String| FormError {
            param: cut(name),
            message,
        };
        if depth > MAX_DEPTH {
            return Err(refuse(format!(
                "parameter nested {depth} levels deep; at most {MAX_DEPTH} are allowed"
            )));
        }
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) if !map.is_empty() => {
                map.iter().map(|(k, v)| (k.clone(), v)).collect()
            }
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => {
                count.params += 1;
                count.segments += depth;
                if count.params > MAX_PARAMS {
                    return Err(refuse(format!(
                        "a request may carry at most {MAX_PARAMS} parameters"
                    )));
                }
                if key_len > MAX_KEY_BYTES {
                    return Err(refuse(format!(
                        "a parameter name of {key_len} bytes; at most {MAX_KEY_BYTES} are allowed"
                    )));
                }
                if count.segments > MAX_SEGMENTS {
                    return Err(refuse(format!(
                        "the parameter names hold more than {MAX_SEGMENTS} segments in all"
                    )));
                }
                return Ok(());
            }
        };
        for (key, child) in children {
            walk(child, name, depth + 1, key_len + key.len() + 2, count)?;
        }
        Ok(())
    }
    let mut count = Count {
        params: 0,
        segments: 0,
    };
    if let Value::Object(map) = value {
        for (key, child) in map {
            walk(child, key, 1, key.len(), &mut count)?;
        }
    }
    Ok(())
}

/// Every parameter's unescaped key with its raw value, once each key is within every limit of
/// [`decode`]: nothing of the structure is built before the whole form is checked.
fn checked_keys(text: &str) -> Result<Vec<(String, &str)>, FormError> {
    let mut segments = 0usize;
    let mut keys = Vec::new();
    for (n, part) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
        let (raw, value) = part.split_once('=').unwrap_or((part, ""));
        let key = unescape(raw);
        let refuse = |message: String| FormError {
            param: cut(&key),
            message,
        };
        if n >= MAX_PARAMS {
            return Err(refuse(format!(
                "a request may carry at most {MAX_PARAMS} parameters"
            )));
        }
        let depth = if key.contains('[') && key.ends_with(']') {
            1 + memchr::memchr_iter(b'[', key.as_bytes()).count()
        } else {
            1
        };
        if depth > MAX_DEPTH {
            return Err(refuse(format!(
                "parameter nested {depth} levels deep; at most {MAX_DEPTH} are allowed"
            )));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(refuse(format!(
                "a parameter name of {} bytes; at most {MAX_KEY_BYTES} are allowed",
                key.len()
            )));
        }
        segments += depth;
        if segments > MAX_SEGMENTS {
            return Err(refuse(format!(
                "the parameter names hold more than {MAX_SEGMENTS} segments in all"
            )));
        }
        keys.push((key, value));
    }
    Ok(keys)
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
    fn a_value_is_checked_as_its_encoding_would_be_decoded() {
        let deep = (0..40).fold(json!(1), |inner, _| json!({"a": inner}));
        let wide = json!({"items": (0..MAX_PARAMS + 1).collect::<Vec<_>>()});
        let fine = json!({"line_items": [{"price": "p", "quantity": 2}], "metadata": {"k": "v"}});
        for value in [&deep, &wide, &fine] {
            assert_eq!(
                check_value(value).is_ok(),
                decode(&encode(value)).is_ok(),
                "{value}"
            );
        }
        assert!(check_value(&fine).is_ok() && check_value(&deep).is_err());
    }

    #[test]
    fn long_names_and_too_many_segments_are_refused() {
        let long = format!("{}=1", "k".repeat(MAX_KEY_BYTES + 1));
        assert!(decode(&long)
            .unwrap_err()
            .message
            .contains("parameter name of"));
        // 9,999 parameters nested 31 levels deep: within the count and the depth, not the total.
        let wide: Vec<String> = (0..9_999)
            .map(|i| format!("p{i}{}=1", "[x]".repeat(30)))
            .collect();
        let err = decode(&wide.join("&")).unwrap_err();
        assert!(err.message.contains("segments in all"), "{err}");
        let fine: Vec<String> = (0..400)
            .map(|i| format!("line_items[{i}][price_data][product_data][name]=n"))
            .collect();
        assert!(decode(&fine.join("&")).is_ok());
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
