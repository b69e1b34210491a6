//! Redaction of recorded exchanges: owns [`redact`], which replaces every secret in a JSON value
//! before it is written: API keys (`sk_`, `rk_`, `pk_` with `test`/`live`, webhook secrets
//! `whsec_`), client secrets (values under a `client_secret` or `..._secret` key, and any string
//! holding `_secret_`). The `Authorization` header is never recorded at all: a recorded request
//! keeps only whether it had a key (`auth`).

pub use crate::secrets::{is_secret_text, REDACTED};

pub use crate::secrets::redact;

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
