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
    text == REDACTED || text.contains("_secret_") || KEY_PREFIXES.iter().any(|p| text.contains(p))
}

/// Whether an attribute of this name holds a secret whatever its value.
pub fn is_secret_key(key: &str) -> bool {
    key == "client_secret" || key == "secret" || key.ends_with("_secret")
}

/// Whether the value `text` of attribute `key` (if any) is a secret.
pub fn is_secret(key: Option<&str>, text: &str) -> bool {
    key.is_some_and(is_secret_key) || is_secret_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
