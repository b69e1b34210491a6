//! Redaction of recorded exchanges: owns [`redact`], which replaces every secret in a JSON value
//! before it is written: API keys (`sk_`, `rk_`, `pk_` with `test`/`live`, webhook secrets
//! `whsec_`), client secrets (values under a `client_secret` or `..._secret` key, and any string
//! holding `_secret_`). The `Authorization` header is never recorded at all: a recorded request
//! keeps only whether it had a key (`auth`).

use serde_json::Value;

use crate::secrets::is_secret_key;
pub use crate::secrets::{is_secret_text, REDACTED};

/// Replaces the secrets inside `value`; returns how many were replaced.
pub fn redact(value: &mut Value) -> usize {
    match value {
        Value::String(text) if is_secret_text(text) => {
            *text = REDACTED.to_owned();
            1
        }
        Value::Object(map) => map
            .iter_mut()
            .map(|(key, child)| {
                if is_secret_key(key) && child.is_string() {
                    *child = Value::String(REDACTED.to_owned());
                    1
                } else {
                    redact(child)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(redact).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_and_client_secrets_are_replaced() {
        let key = concat!("sk_", "test_", "51Abc");
        let mut body = json!({
            "id": "cs_test_a1",
            "client_secret": "cs_test_a1_secret_xyz",
            "nested": [{"note": format!("key was {key}")}, {"webhook": "whsec_123"}],
            "publishable": concat!("pk_", "live_", "9"),
            "email": "a@example.com",
        });
        assert_eq!(redact(&mut body), 4);
        let text = body.to_string();
        assert!(
            !text.contains("secret_xyz") && !text.contains("51Abc") && !text.contains("whsec_1")
        );
        assert_eq!(body["email"], "a@example.com");
        assert_eq!(body["id"], "cs_test_a1");
    }
}
