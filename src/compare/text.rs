//! Equality of a JSON text with a parsed value, read in one pass without building the text's
//! value: how a golden body is checked when the answer matches it, the common case. Anything
//! this reader does not decide exactly (escaped strings, fractions and exponents, keys out of
//! the order a parsed object keeps) gives `None`, and the caller parses and compares in full.

use serde_json::Value;

/// `Some(n)` when the JSON text `text` holds exactly `value`, with `n` the count of values a
/// full comparison of two equal bodies counts as passed (every scalar, every empty object or
/// array, and a list check per non-empty array); `None` when they differ or this reader cannot tell. `text` must be valid JSON.
pub fn matches(text: &str, value: &Value) -> Option<usize> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let leaves = reader.value(value)?;
    reader.space();
    (reader.at == reader.bytes.len()).then_some(leaves)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        {
            self.at += 1;
        }
    }

    /// The next byte after white space, consumed.
    fn next(&mut self) -> Option<u8> {
        self.space();
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A string without escapes, after its opening quote.
    fn string(&mut self) -> Option<&'a str> {
        let rest = self.bytes.get(self.at..)?;
        let end = memchr::memchr2(b'"', b'\\', rest)?;
        if rest[end] != b'"' {
            return None;
        }
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        self.at += end + 1;
        Some(text)
    }

    fn value(&mut self, value: &Value) -> Option<usize> {
        match (self.next()?, value) {
            (b'{', Value::Object(map)) => {
                if self.peek()? == b'}' {
                    self.at += 1;
                    return map.is_empty().then_some(1);
                }
                // Keys in the map's (sorted) order, one by one: no lookups, and a repeated
                // or missing key is a mismatch.
                let mut leaves = 0;
                let mut entries = map.iter();
                loop {
                    if self.next()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    let (expected_key, expected) = entries.next()?;
                    if key != expected_key || self.next()? != b':' {
                        return None;
                    }
                    leaves += self.value(expected)?;
                    match self.next()? {
                        b',' => continue,
                        b'}' => break,
                        _ => return None,
                    }
                }
                entries.next().is_none().then_some(leaves)
            }
            (b'[', Value::Array(items)) => {
                if self.peek()? == b']' {
                    self.at += 1;
                    return items.is_empty().then_some(1);
                }
                // The list check, then the items' own.
                let mut leaves = 1;
                let mut items = items.iter();
                loop {
                    leaves += self.value(items.next()?)?;
                    match self.next()? {
                        b',' => continue,
                        b']' => break,
                        _ => return None,
                    }
                }
                items.next().is_none().then_some(leaves)
            }
            (b'"', Value::String(expected)) => (self.string()? == expected).then_some(1),
            (b'n', Value::Null) => self.literal(b"ull").map(|()| 1),
            (b't', Value::Bool(true)) => self.literal(b"rue").map(|()| 1),
            (b'f', Value::Bool(false)) => self.literal(b"alse").map(|()| 1),
            (first @ (b'-' | b'0'..=b'9'), Value::Number(number)) => {
                let start = self.at - 1;
                while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
                    self.at += 1;
                }
                if matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
                    return None;
                }
                let digits = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
                let equal = if first == b'-' {
                    digits != "-0" && digits.parse::<i64>().ok() == number.as_i64()
                } else {
                    digits.parse::<u64>().ok() == number.as_u64()
                };
                equal.then_some(1)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(text: &str) -> Option<usize> {
        matches(text, &serde_json::from_str(text).unwrap())
    }

    #[test]
    fn equal_bodies_count_what_a_full_comparison_counts() {
        assert_eq!(
            both(r#"{"a": 1, "b": [true, null, "x"], "c": {}}"#),
            Some(6)
        );
        assert_eq!(both("[]"), Some(1));
        assert_eq!(both("-12"), Some(1));
        assert_eq!(both("18446744073709551615"), Some(1));
        assert_eq!(both("\n {\n  \"k\" : \"v\"\n }\n"), Some(1));
    }

    #[test]
    fn any_difference_is_no_match() {
        let value = json!({"a": 1, "b": [1, 2], "c": "x"});
        for text in [
            r#"{"a": 2, "b": [1, 2], "c": "x"}"#,
            r#"{"a": 1, "b": [1, 2, 3], "c": "x"}"#,
            r#"{"a": 1, "b": [1], "c": "x"}"#,
            r#"{"a": 1, "b": [1, 2], "c": "y"}"#,
            r#"{"a": 1, "b": [1, 2]}"#,
            r#"{"a": 1, "b": [1, 2], "c": "x", "d": null}"#,
            r#"{"a": -1, "b": [1, 2], "c": "x"}"#,
            r#"{"a": "1", "b": [1, 2], "c": "x"}"#,
            r#"{"a": 1, "b": {}, "c": "x"}"#,
            r#"[{"a": 1, "b": [1, 2], "c": "x"}]"#,
        ] {
            assert_eq!(matches(text, &value), None, "{text}");
        }
        assert_eq!(matches("null", &json!(false)), None);
        assert_eq!(matches("true", &json!(false)), None);
        assert_eq!(matches("{}", &json!({"a": 1})), None);
        assert_eq!(matches("[]", &json!([0])), None);
    }

    #[test]
    fn what_it_cannot_decide_is_left_to_the_full_comparison() {
        // Escapes, fractions, exponents, negative zero and unsorted or repeated keys.
        assert_eq!(both(r#""a\"b""#), None);
        assert_eq!(both("1.5"), None);
        assert_eq!(both("1e3"), None);
        assert_eq!(matches("-0", &json!(0)), None);
        assert_eq!(both(r#"{"b": 1, "a": 2}"#), None);
        assert_eq!(
            matches(r#"{"a": 1, "a": 1}"#, &json!({"a": 1, "b": 1})),
            None
        );
    }
}
