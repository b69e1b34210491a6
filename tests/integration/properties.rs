//! Property tests on what users and clients supply: the form codec, the case parser, the
//! normalizer, JSON pointers and redaction never panic, and round-trip where that applies.
//! Bounded: a fixed number of cases each, well under a few seconds in all.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use conform::normalize::{snapshot, Symbols};

/// 256 cases each in the suite; `just fuzz` (`CONFORM_FUZZ_CASES`) runs a longer campaign.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("CONFORM_FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON values of bounded depth and size with keys and strings that stress escaping.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z~/ %+&=\\[\\]_0-9A-Z]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_~/ ]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// Objects whose keys are plain words and whose leaves are strings: what a form can carry.
fn form_value() -> impl Strategy<Value = Value> {
    let leaf = "[a-zA-Z0-9 %+&=@._-]{1,10}".prop_map(Value::from);
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop::collection::btree_map("[a-z_]{1,6}", inner, 1..4)
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>()))
    })
    .prop_filter("an object at the top", Value::is_object)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn form_decoding_never_panics(text in "[a-z\\[\\]=&%+0-9]{0,300}") {
        let _ = conform::form::decode(&text);
    }

    #[test]
    fn form_encoding_round_trips(value in form_value()) {
        let encoded = conform::form::encode(&value);
        prop_assert_eq!(conform::form::decode(&encoded).unwrap(), conform::form::stringify_leaves(&value));
    }

    #[test]
    fn pointers_round_trip(segments in prop::collection::vec("[a-z~/0-9]{0,6}", 0..6)) {
        let pointer = segments.iter().fold(String::new(), |p, s| conform::pointer::child(&p, s));
        prop_assert_eq!(conform::pointer::segments(&pointer), segments);
    }

    #[test]
    fn the_case_parser_never_panics(text in "\\PC{0,400}") {
        let _ = conform::load::parse("p", std::path::Path::new("p.json"), &text);
        let _ = conform::load::step_lines(&text, usize::MAX);
    }

    #[test]
    fn the_case_parser_never_panics_on_json(body in json_value()) {
        let text = json!({"request": {"method": "GET", "path": "/v1/x"}, "response": {"status": 200, "body": body}}).to_string();
        let case = conform::load::parse("p", std::path::Path::new("p.json"), &text);
        prop_assert!(case.is_ok());
    }

    #[test]
    fn normalizing_never_panics_and_is_stable(body in json_value()) {
        let mut symbols = Symbols::default();
        let first = snapshot(200, &Default::default(), &body, &[], &mut symbols);
        let mut again = Symbols::default();
        let second = snapshot(200, &Default::default(), &body, &[], &mut again);
        prop_assert_eq!(first, second);
    }

    #[test]
    fn redaction_never_panics_and_leaves_no_key(body in json_value(), token in "[A-Za-z0-9]{4,12}") {
        let key = format!("{}{token}", concat!("sk_", "live_"));
        let mut value = json!({"a": body, "k": key.clone(), key.clone(): [key.clone()]});
        conform::secrets::redact(&mut value);
        prop_assert!(!value.to_string().contains(&key));
    }
}
