//! The shape of an API id: owns [`is_id`], [`prefix`] and [`replace_ids`], shared by id
//! correlation and normalization.
//!
//! An id is one or more lowercase segments each ending in `_` (`cus_`, `cs_test_`,
//! `credgr_test_`), then a token of at least 8 ASCII letters and digits holding at least one digit
//! or capital letter. Enum values such as `requires_location_inputs` or
//! `checkout_session_completed` are therefore not ids.

/// Attributes whose value the server generates at random (not an id): they compare by shape
/// and by consistency within a case, never literally.
pub const GENERATED_PREFIX_KEYS: &[&str] = &["invoice_prefix"];

/// Attributes whose value is built from a generated prefix (`ABCD1234-0001`,
/// `ABCD1234-0001-CN-01`).
pub const PREFIXED_NUMBER_KEYS: &[&str] = &["number", "receipt_number"];

/// The generated token inside the value of attribute `key`, with the text after it: the whole
/// value of an `invoice_prefix`, or the part before the first `-` of a number built from one.
pub fn generated_token<'a>(key: &str, value: &'a str) -> Option<(&'a str, &'a str)> {
    let token_like = |t: &str| {
        (3..=12).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if GENERATED_PREFIX_KEYS.contains(&key) {
        return (!value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some((value, ""));
    }
    if PREFIXED_NUMBER_KEYS.contains(&key) {
        let (token, _) = value.split_once('-')?;
        let rest = &value[token.len()..];
        let numbered = rest[1..].bytes().next().is_some_and(|b| b.is_ascii_digit());
        return (token_like(token) && numbered).then_some((token, rest));
    }
    None
}

/// Whether the whole of `text` is an id.
pub fn is_id(text: &str) -> bool {
    let Some((head, token)) = text.rsplit_once('_') else {
        return false;
    };
    token.len() >= 8
        && token.bytes().all(|b| b.is_ascii_alphanumeric())
        && token
            .bytes()
            .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && !head.is_empty()
        && head.split('_').all(|seg| {
            seg.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The object prefix of an id, without the `test`/`live` mode segment: `cs_test_a1B2` -> `cs`.
pub fn prefix(id: &str) -> &str {
    let head = id.rsplit_once('_').map_or(id, |(head, _)| head);
    head.strip_suffix("_test")
        .or_else(|| head.strip_suffix("_live"))
        .unwrap_or(head)
}

/// Whether `text` holds an id anywhere: what [`replace_ids`] would find, without building
/// anything.
pub fn contains_id(text: &str) -> bool {
    id_spans(text).next().is_some()
}

/// Calls `replace` for every id inside `text` (ids are maximal runs of letters, digits and `_`)
/// and substitutes what it returns; `None` keeps the id as it is.
pub fn replace_ids(text: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    // `text[..copied]` is in `out` already; unchanged text is copied a slice at a time.
    let mut copied = 0;
    for (start, end) in id_spans(text) {
        if let Some(new) = replace(&text[start..end]) {
            out.push_str(&text[copied..start]);
            out.push_str(&new);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The byte ranges of the ids inside `text`: the maximal runs of word bytes that [`is_id`].
/// Word bytes are ASCII, so every range starts and ends on a char boundary.
fn id_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            if !is_word(bytes[at]) {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && is_word(bytes[at]) {
                at += 1;
            }
            if is_id(&text[start..at]) {
                return Some((start, at));
            }
        }
        None
    })
}

/// A byte an id may hold: an ASCII letter or digit, or `_`.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_found_by_key_and_shape() {
        assert_eq!(
            generated_token("invoice_prefix", "7QAPUWHK"),
            Some(("7QAPUWHK", ""))
        );
        assert_eq!(
            generated_token("invoice_prefix", "JNwPtdp"),
            Some(("JNwPtdp", ""))
        );
        assert_eq!(
            generated_token("number", "9ORKEOUY-0001-CN-01"),
            Some(("9ORKEOUY", "-0001-CN-01"))
        );
        assert_eq!(generated_token("number", "hello-world"), None);
        assert_eq!(generated_token("number", "ABCD1234"), None);
        assert_eq!(generated_token("name", "ABCD1234-0001"), None);
    }

    #[test]
    fn recognises_ids_and_rejects_enum_values() {
        for id in [
            "cus_NffrFeUfNV2Hib",
            "cs_test_a1B2c3D4e5",
            "credgr_test_61R9xJ2kAbC",
            "price_1MotwRLkdIwHu7ixYcPLm5uZ",
            "cbtxn_1MrU9R2eZvKYlo2C",
        ] {
            assert!(is_id(id), "{id}");
        }
        for not in [
            "requires_location_inputs",
            "checkout_session_completed",
            "cus_",
            "_ABCDEFGH1",
            "Cus_ABCDEFGH1",
            "cus_abc12",
            "usd",
            "",
        ] {
            assert!(!is_id(not), "{not}");
        }
    }

    #[test]
    fn prefix_drops_mode() {
        assert_eq!(prefix("cs_test_a1B2c3D4e5"), "cs");
        assert_eq!(prefix("credgr_live_61R9xJ2kAbC"), "credgr");
        assert_eq!(prefix("cus_NffrFeUfNV2Hib"), "cus");
        assert_eq!(prefix("billing_credit_1AbCdEfGh"), "billing_credit");
    }

    #[test]
    fn replaces_embedded_ids_only() {
        let out = replace_ids(
            "/v1/customers/cus_NffrFeUfNV2Hib/balance_transactions",
            |id| Some(format!("<{}>", prefix(id))),
        );
        assert_eq!(out, "/v1/customers/<cus>/balance_transactions");
        let msg = replace_ids("No such customer: 'cus_NffrFeUfNV2Hib'", |_| {
            Some("X".into())
        });
        assert_eq!(msg, "No such customer: 'X'");
        assert_eq!(
            replace_ids("héllo wörld", |_| Some("X".into())),
            "héllo wörld"
        );
    }

    /// `replace_ids` as first written: char by char.
    fn replace_ids_by_char(text: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
        let mut out = String::new();
        let mut run_start: Option<usize> = None;
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            let word = is_word(c) && i < text.len();
            match (run_start, word) {
                (None, true) => run_start = Some(i),
                (Some(start), false) => {
                    let run = &text[start..i];
                    match is_id(run).then(|| replace(run)).flatten() {
                        Some(new) => out.push_str(&new),
                        None => out.push_str(run),
                    }
                    run_start = None;
                }
                _ => {}
            }
            if !word && i < text.len() {
                out.push(c);
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn replace_ids_agrees_with_a_char_by_char_scan(
            text in "([a-zA-Z0-9_]{0,12}|cus_[a-zA-Z0-9]{6,10}|cs_test_a1B2c3D4|[ /:'.,#?=é€-]{0,3}){0,8}",
            keep_every in 1usize..4,
        ) {
            let mut calls = (Vec::new(), Vec::new());
            let mut n = 0;
            let fast = replace_ids(&text, |id| {
                calls.0.push(id.to_owned());
                n += 1;
                (n % keep_every != 0).then(|| format!("<{}>", prefix(id)))
            });
            let mut m = 0;
            let slow = replace_ids_by_char(&text, |id| {
                calls.1.push(id.to_owned());
                m += 1;
                (m % keep_every != 0).then(|| format!("<{}>", prefix(id)))
            });
            proptest::prop_assert_eq!(fast, slow);
            proptest::prop_assert_eq!(calls.0, calls.1);
        }
    }

    #[test]
    fn contains_id_finds_what_replace_ids_replaces() {
        for text in [
            "",
            "if_required",
            "checkout_session_completed",
            "cus_NffrFeUfNV2Hib",
            "/v1/customers/cus_NffrFeUfNV2Hib/balance_transactions",
            "No such customer: 'cus_NffrFeUfNV2Hib'",
            "écus_NffrFeUfNV2Hib",
            "xcus_NffrFeUfNV2Hib_",
            "héllo wörld",
            "cs_test_a1B2c3D4e5é",
            "price_1loRJO8kOyBAVt0T50ufRVjV,prod_FQA3q0S56Lozxt",
            "per_unit one_time unspecified",
        ] {
            let replaced = replace_ids(text, |_| Some("\u{0}".into())) != text;
            assert_eq!(contains_id(text), replaced, "{text}");
        }
    }
}
