//! Secrets: owns the one definition of what a secret is ([`is_secret`]): API keys (`sk_`, `rk_`,
//! `pk_` in test and live mode, webhook secrets `whsec_`), client secrets (values under a
//! `client_secret` or `..._secret` key, and any string holding `_secret_`), and [`REDACTED`],
//! what a recorded secret is replaced with. Recording redacts with it, normalization turns what
//! it finds into `<secret>`, and nothing else decides.

/// What a recorded secret is replaced with; normalization treats it as `<secret>`.
pub const REDACTED: &str = "<redacted>";

/// Prefixes of API keys and webhook secrets.
pub const KEY_PREFIXES: &[&str] = &[
    "sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_", "whsec_",
];

/// Whether `text` is (or holds) a secret, whatever attribute carries it.
pub fn is_secret_text(text: &str) -> bool {
    // Every marker holds `_`: most strings are ruled out by one scan.
    if !text.contains('_') {
        return text == REDACTED;
    }
    text.contains("_secret_") || KEY_PREFIXES.iter().any(|p| text.contains(p))
}

/// Whether an attribute of this name holds a secret whatever its value.
pub fn is_secret_key(key: &str) -> bool {
    key == "client_secret" || key == "secret" || key.ends_with("_secret")
}

/// Whether the value `text` of attribute `key` (if any) is a secret.
pub fn is_secret(key: Option<&str>, text: &str) -> bool {
    key.is_some_and(is_secret_key) || is_secret_text(text)
}

/// `text` with every secret in it replaced by [`REDACTED`]: each run of token characters
/// (letters, digits, `_`, `-`, `.`, `%`) that holds a secret once percent-decoded, and the
/// credentials of a `Bearer` or `Basic` value.
pub fn redact_text(text: &str) -> String {
    let trimmed = text.trim_start();
    for scheme in ["Bearer ", "Basic ", "bearer ", "basic "] {
        if trimmed.starts_with(scheme) {
            return format!("{scheme}{REDACTED}");
        }
    }
    let token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if !run.is_empty() {
            let decoded = percent_encoding::percent_decode_str(run).decode_utf8_lossy();
            if is_secret_text(&decoded) && decoded != REDACTED {
                out.push_str(REDACTED);
            } else {
                out.push_str(run);
            }
            run.clear();
        }
    };
    for c in text.chars() {
        if token(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    redact_named_inside(&out)
}

/// Values of secret-named parameters held in text: a URL query or form-encoded text
/// (`client_secret=VALUE`, `a[client_secret][0]=VALUE`, percent-encoded brackets too) and JSON
/// text (`"client_secret": "VALUE"`, also with its quotes escaped).
fn redact_named_inside(text: &str) -> String {
    use std::sync::OnceLock;
    static FORM: OnceLock<regex::Regex> = OnceLock::new();
    static JSON: OnceLock<regex::Regex> = OnceLock::new();
    if !text
        .as_bytes()
        .windows(6)
        .any(|w| w.eq_ignore_ascii_case(b"secret"))
    {
        return text.to_owned();
    }
    let form = FORM.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)([A-Za-z0-9_.~%-]+(?:(?:\[|%5B)[^=&\s"'#\]%]*(?:\]|%5D))*)=([^&#\s"'<>]*)"#,
        )
        .expect("a valid pattern")
    });
    let json = JSON.get_or_init(|| {
        regex::Regex::new(r#"(\\?")((?:[A-Za-z0-9]+_)*secret)(\\?"\s*:\s*)(\\?"(?:[^"\\]|\\[^"])*?\\?"|[0-9A-Za-z_.+-]+)"#)
            .expect("a valid pattern")
    });
    let named = |key: &str| {
        let decoded = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
        let last = decoded
            .trim_end_matches(']')
            .rsplit(['[', ']'])
            .find(|segment| !segment.is_empty() && segment.parse::<usize>().is_err())
            .unwrap_or("")
            .to_ascii_lowercase();
        is_secret_key(&last)
    };
    let once = form.replace_all(text, |c: &regex::Captures<'_>| {
        let value = &c[2];
        if named(&c[1]) && !value.is_empty() && value != REDACTED {
            format!("{}={REDACTED}", &c[1])
        } else {
            c[0].to_owned()
        }
    });
    json.replace_all(&once, |c: &regex::Captures<'_>| {
        let quote = &c[1];
        format!("{quote}{}{}{quote}{REDACTED}{quote}", &c[2], &c[3])
    })
    .into_owned()
}

/// Replaces every secret inside `value`: in strings ([`redact_text`]), in object keys, and the
/// whole value (whatever its type) of a secret attribute such as `client_secret`. Iterative, so
/// no nesting can exhaust the stack. Returns how many were replaced.
pub fn redact(value: &mut serde_json::Value) -> usize {
    use serde_json::Value;
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(text) => {
                let redacted = redact_text(text);
                if redacted != *text {
                    *text = redacted;
                    count += 1;
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    if redact_text(&key) != key {
                        if let Some(child) = map.remove(&key) {
                            let mut n = map.len();
                            let mut name = REDACTED.to_owned();
                            while map.contains_key(&name) {
                                n += 1;
                                name = format!("{REDACTED}{n}");
                            }
                            map.insert(name, child);
                            count += 1;
                        }
                    }
                }
                for (key, child) in map.iter_mut() {
                    if is_secret_key(key) && !child.is_null() && child.as_str() != Some(REDACTED) {
                        *child = Value::String(REDACTED.to_owned());
                        count += 1;
                    } else {
                        stack.push(child);
                    }
                }
            }
            _ => {}
        }
    }
    count
}

/// `url` without a `user:password@` part, for anything shown, logged or written.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{tail}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_named_parameters_inside_text_are_redacted() {
        let cases = [
            (
                "/v1/customers?client_secret=VALUE1&key=x",
                "VALUE1",
                "key=x",
            ),
            (
                "nested[client_secret][0]=VALUE2",
                "VALUE2",
                "nested[client_secret][0]=",
            ),
            ("a%5Bwebhook_secret%5D=VALUE3&b=1", "VALUE3", "b=1"),
            (
                r#"{"client_secret":"VALUE4","id":"x"}"#,
                "VALUE4",
                r#""id":"x""#,
            ),
            (
                r#"{\"client_secret\": \"VALUE5\"}"#,
                "VALUE5",
                "client_secret",
            ),
            ("https://a.example/p?secret=VALUE6#top", "VALUE6", "#top"),
        ];
        for (text, value, kept) in cases {
            let redacted = redact_text(text);
            assert!(!redacted.contains(value), "{text} -> {redacted}");
            assert!(redacted.contains(REDACTED), "{text} -> {redacted}");
            assert!(redacted.contains(kept), "{text} -> {redacted}");
        }
        for plain in ["name=secretary&x=1", "a=1&b=2", r#"{"secretary":"Jo"}"#] {
            assert_eq!(redact_text(plain), plain);
        }
    }

    #[test]
    fn keys_client_secrets_and_redactions_are_secrets() {
        assert!(is_secret(None, concat!("sk_", "live_", "abc")));
        assert!(is_secret(None, "Bearer rk_test_x"));
        assert!(is_secret(None, "cs_test_a1_secret_b2"));
        assert!(is_secret(Some("client_secret"), "anything"));
        assert!(is_secret(Some("webhook_secret"), "x"));
        assert!(is_secret(None, REDACTED));
        assert!(!is_secret(Some("name"), "Jo"));
        assert!(!is_secret(None, "secretary"));
    }

    #[test]
    fn secrets_are_redacted_in_every_place() {
        let live = concat!("sk_", "live_", "Abc123");
        assert_eq!(
            redact_text(&format!("/v1/x/{live}/y")),
            format!("/v1/x/{REDACTED}/y")
        );
        assert_eq!(
            redact_text("/v1/x?key=sk%5Flive%5FAbc"),
            format!("/v1/x?key={REDACTED}")
        );
        assert_eq!(redact_text("Bearer anything"), format!("Bearer {REDACTED}"));
        assert_eq!(redact_text("plain text"), "plain text");
        let mut value = serde_json::json!({
            live: "a",
            "items": [{"client_secret": 42}, {"deep": [{"client_secret": ["x"]}]}],
            "note": format!("key {live}"),
            "client_secret": null
        });
        let n = redact(&mut value);
        let text = value.to_string();
        assert!(!text.contains("Abc123"), "{text}");
        assert!(!text.contains("42") && !text.contains("[\"x\"]"), "{text}");
        assert_eq!(n, 4);
        assert_eq!(
            without_credentials("https://u:p@api.example/v1?x=1"),
            "https://api.example/v1?x=1"
        );
    }
}
