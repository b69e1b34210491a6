use std::collections::BTreeMap;

use serde_json::json;

use super::*;

#[test]
fn ids_are_numbered_by_first_appearance_and_shared() {
    let mut symbols = Symbols::default();
    let mut body = json!({"id": "cus_NffrFeUfNV2Hib", "default_source": "card_1AbCdEfGhIj", "invoice_settings": {"owner": "cus_NffrFeUfNV2Hib"}, "z": "cus_OtherOne12345"});
    normalize_body(&mut body, &mut symbols);
    assert_eq!(body["id"], "<cus_1>");
    assert_eq!(body["invoice_settings"]["owner"], "<cus_1>");
    assert_eq!(body["z"], "<cus_2>");
    assert_eq!(body["default_source"], "<card_1>");
}

#[test]
fn timestamps_become_offsets_from_created() {
    let mut symbols = Symbols::default();
    let mut body = json!({"created": 1763700000, "expires_at": 1763786400, "amount": 1763700000, "nested": {"effective_at": 1763700500}});
    normalize_body(&mut body, &mut symbols);
    assert_eq!(body["created"], "<timestamp>");
    assert_eq!(body["expires_at"], "<created+86400>");
    assert_eq!(body["amount"], 1763700000, "only time keys are timestamps");
    assert_eq!(body["nested"]["effective_at"], "<timestamp>");
}

#[test]
fn secrets_and_urls_keep_only_stable_parts() {
    let mut symbols = Symbols::default();
    let mut body = json!({
        "client_secret": "cs_test_a1B2c3D4e5_secret_xyz",
        "url": "https://checkout.example.com/c/pay/cs_test_a1B2c3D4e5#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing?x=1",
        "message": "No such checkout session: 'cs_test_a1B2c3D4e5'"
    });
    normalize_body(&mut body, &mut symbols);
    assert_eq!(body["client_secret"], "<secret>");
    assert_eq!(
        body["url"],
        "https://checkout.example.com/c/pay/<cs_1>#<fragment>"
    );
    assert_eq!(
        body["doc_url"],
        "https://stripe.com/docs/error-codes/resource-missing?<query>"
    );
    assert_eq!(body["message"], "No such checkout session: '<cs_1>'");
}

#[test]
fn volatile_headers_are_presence_only() {
    let mut symbols = Symbols::default();
    let headers = BTreeMap::from([
        ("Request-Id".to_owned(), "req_AbCdEfGh1234".to_owned()),
        (
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ),
    ]);
    let out = normalize_headers(&headers, &mut symbols);
    assert_eq!(out["request-id"], "<present>");
    assert_eq!(out["content-type"], "application/json");
}

#[test]
fn rules_ignore_type_and_regex_with_wildcards() {
    let rules = [
        Rule {
            path: "/data/*/amount".into(),
            ignore: true,
            json_type: None,
            regex: None,
        },
        Rule {
            path: "/url".into(),
            ignore: false,
            json_type: Some(JsonType::String),
            regex: None,
        },
        Rule {
            path: "/pi".into(),
            ignore: false,
            json_type: None,
            regex: Some("^pi_".into()),
        },
        Rule {
            path: "/count".into(),
            ignore: false,
            json_type: Some(JsonType::String),
            regex: None,
        },
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    let mut body = json!({"data": [{"amount": 1, "id": 2}, {"amount": 3}], "url": "x", "pi": "pi_123", "count": 4});
    apply_rules(&mut body, &refs);
    assert_eq!(
        body,
        json!({"data": [{"id": 2}, {}], "url": "<any string>", "pi": "<matches ^pi_>", "count": 4})
    );
}

#[test]
fn malformed_rules_are_rejected() {
    let rule = |ignore, regex: Option<&str>| Rule {
        path: "/a".into(),
        ignore,
        json_type: None,
        regex: regex.map(str::to_owned),
    };
    assert!(rule(true, None).check().is_ok());
    assert!(rule(false, None).check().is_err());
    assert!(rule(true, Some("x")).check().is_err());
    assert!(rule(false, Some("(")).check().is_err());
    let bad_path = Rule {
        path: "a".into(),
        ignore: true,
        json_type: None,
        regex: None,
    };
    assert!(bad_path.check().is_err());
}

#[test]
fn the_target_side_never_reuses_recorded_numbers() {
    let mut recorded = Symbols::default();
    recorded.symbol("cus_AAAAAAAA1");
    let mut actual = recorded.clone();
    actual.assign("cus_XXXXXXXX9", "<cus_1>");
    assert_eq!(actual.symbol("cus_XXXXXXXX9"), "<cus_1>");
    assert_eq!(
        actual.symbol("cus_AAAAAAAA1"),
        "<cus_1>",
        "an echoed recorded id keeps its symbol"
    );
    assert_eq!(actual.symbol("cus_YYYYYYYY9"), "<cus_2>");
}

#[test]
fn numbering_alone_gives_the_symbols_a_snapshot_gives() {
    let headers: BTreeMap<String, String> = [
        ("Stripe-Account".to_owned(), "acct_1Hh2Ii3Jj4Kk".to_owned()),
        ("request-id".to_owned(), "req_Zz9Yy8Xx7Ww6".to_owned()),
    ]
    .into();
    let bodies = [
        json!({"id": "cs_test_a1B2c3D4e5", "customer": "cus_NffrFeUfNV2Hib", "account": "acct_1Hh2Ii3Jj4Kk"}),
        json!({"object": "list", "data": [{"id": "cus_OtherOne12345"}, "see cus_NffrFeUfNV2Hib"]}),
        json!({"client_secret": "cs_test_a1B2c3D4e5_secret_x", "url": "https://example.com/c/cus_Third3Third3?x=cus_Query4Query4",
               "invoice_prefix": "7QAPUWHK", "number": "7QAPUWHK-0001", "created": 1763700000}),
        json!(["card_1AbCdEfGhIj", {"nested": ["pi_3Aa1Bb2Cc3Dd4Ee"]}]),
        json!("cus_Alone5Alone5"),
    ];
    for body in &bodies {
        let mut numbered = Symbols::default();
        number(&headers, body, &mut numbered);
        let mut made = Symbols::default();
        snapshot(200, &headers, body, &[], &mut made);
        assert_eq!(numbered, made, "{body}");
        assert_ne!(numbered, Symbols::default(), "{body}");
    }
    // Order counts: the header's id is numbered after the body's own ids.
    let mut numbered = Symbols::default();
    number(
        &headers,
        &json!({"other": "acct_0Zz0Zz0Zz0Zz"}),
        &mut numbered,
    );
    assert_eq!(numbered.get("acct_1Hh2Ii3Jj4Kk"), Some("<acct_2>"));
}

#[test]
fn a_paired_id_keeps_its_symbol_whatever_characters_it_holds() {
    let mut symbols = Symbols::default();
    assert_eq!(symbols.symbol("cus_Recorded1234"), "<cus_1>");
    let mut plain = json!({"id": "prod_-r3AW-x9Qz", "ref": "cus_-r3AW-x9Qz"});
    builtin::normalize_body(&mut plain, &mut symbols);
    assert_eq!(
        plain["id"], "prod_-r3AW-x9Qz",
        "no product numbered: left as it is"
    );
    assert_eq!(
        plain["ref"], "<cus_2*>",
        "customers are numbered in this case"
    );
    assert_eq!(symbols.symbol("prod_Recorded1234"), "<prod_1>");
    symbols.assign("cus_a1-B2c3xyz", "<cus_1>");
    let mut body = json!({"id": "cus_a1-B2c3xyz", "note": "see cus_a1-B2c3xyz", "other": "cus_Zz9Yy8Xx7", "new": "prod_-r3AW-x9Qz"});
    builtin::normalize_body(&mut body, &mut symbols);
    assert_eq!(body["id"], "<cus_1*>");
    // Inside other text it is left as it is; API-shaped ids are numbered as ever, and so are
    // new ids shaped like the target's.
    assert_eq!(body["note"], "see cus_a1-B2c3xyz");
    assert_eq!(body["other"], "<cus_3>");
    assert_eq!(body["new"], "<prod_2*>");
}
