use std::path::PathBuf;

use serde_json::json;

use super::explain::explain;
use super::*;
use crate::case::Case;
use crate::load::parse;

fn flow() -> Case {
    let text = json!({"steps": [
        {"request": {"method": "POST", "path": "/v1/customers", "form": {"email": "a@example.com", "metadata": {"n": 1}}},
         "response": {"status": 200, "body": {"id": "cus_Aa1Bb2Cc3Dd4", "balance": 0}}},
        {"request": {"method": "GET", "path": "/v1/customers/cus_Aa1Bb2Cc3Dd4", "query": {"expand": ["x"]}},
         "response": {"status": 200, "body": {"id": "cus_Aa1Bb2Cc3Dd4", "balance": 0}}},
        {"request": {"method": "POST", "path": "/v1/customers/cus_Aa1Bb2Cc3Dd4", "form": {"balance": -5}},
         "response": {"status": 200, "body": {"id": "cus_Aa1Bb2Cc3Dd4", "balance": -5}}},
        {"request": {"method": "GET", "path": "/v1/customers/cus_Aa1Bb2Cc3Dd4", "query": {"expand": ["x"]}},
         "response": {"status": 200, "body": {"id": "cus_Aa1Bb2Cc3Dd4", "balance": -5}}}
    ]});
    parse(
        "customers/flow",
        &PathBuf::from("f.json"),
        &text.to_string(),
    )
    .unwrap()
}

fn incoming(method: &str, url: &str, body: &str) -> Incoming {
    Incoming::decode(
        method,
        url,
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
        Some("Bearer sk_test_x"),
    )
    .unwrap()
}

fn balance(decision: Decision) -> i64 {
    match decision {
        Decision::Answer(r) => serde_json::from_slice::<serde_json::Value>(&r.prepared).unwrap()
            ["balance"]
            .as_i64()
            .unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn parameters_match_as_structures_whatever_their_order() {
    let case = flow();
    let index = Index::new(&[&case]);
    let d = index.answer(&incoming(
        "POST",
        "/v1/customers",
        "metadata%5Bn%5D=1&email=a%40example.com",
    ));
    assert!(matches!(d, Decision::Answer(r) if r.step == 0));
}

#[test]
fn repeated_requests_answer_in_recorded_order() {
    let case = flow();
    let index = Index::new(&[&case]);
    let get = || incoming("GET", "/v1/customers/cus_Aa1Bb2Cc3Dd4?expand[0]=x", "");
    index.answer(&incoming(
        "POST",
        "/v1/customers",
        "email=a%40example.com&metadata[n]=1",
    ));
    assert_eq!(balance(index.answer(&get())), 0);
    assert_eq!(
        balance(index.answer(&incoming(
            "POST",
            "/v1/customers/cus_Aa1Bb2Cc3Dd4",
            "balance=-5"
        ))),
        -5
    );
    assert_eq!(balance(index.answer(&get())), -5);
    assert_eq!(balance(index.answer(&get())), -5, "the last answer repeats");
    // Sending the first request again starts the case over.
    index.answer(&incoming(
        "POST",
        "/v1/customers",
        "email=a%40example.com&metadata[n]=1",
    ));
    assert_eq!(balance(index.answer(&get())), 0);
}

#[test]
fn a_case_starting_over_leaves_the_cursors_of_other_cases_alone() {
    let first = flow();
    let text = json!({"steps": [
        {"request": {"method": "GET", "path": "/v1/customers/cus_Zz9Yy8Xx7Ww6"},
         "response": {"status": 200, "body": {"id": "cus_Zz9Yy8Xx7Ww6", "balance": 1}}},
        {"request": {"method": "GET", "path": "/v1/customers/cus_Zz9Yy8Xx7Ww6"},
         "response": {"status": 200, "body": {"id": "cus_Zz9Yy8Xx7Ww6", "balance": 2}}}
    ]});
    let second = parse(
        "customers/other",
        &PathBuf::from("o.json"),
        &text.to_string(),
    )
    .unwrap();
    let index = Index::new(&[&second, &first]);
    let other = || incoming("GET", "/v1/customers/cus_Zz9Yy8Xx7Ww6", "");
    let create = || {
        incoming(
            "POST",
            "/v1/customers",
            "email=a%40example.com&metadata[n]=1",
        )
    };
    assert_eq!(balance(index.answer(&other())), 1);
    // The first case runs once and starts over (its first request answered twice).
    index.answer(&create());
    index.answer(&create());
    assert_eq!(
        balance(index.answer(&other())),
        2,
        "the other case kept its place"
    );
}

#[test]
fn an_index_built_from_cases_handed_over_owns_what_it_answers() {
    // The cases are moved in and dropped as they are indexed; answers come from the index.
    let index = Index::build(vec![flow()]);
    assert_eq!(index.recordings.len(), 4);
    let get = incoming("GET", "/v1/customers/cus_Aa1Bb2Cc3Dd4?expand[0]=x", "");
    assert_eq!(balance(index.answer(&get)), 0);
}

#[test]
fn missing_key_is_unauthorized_and_near_misses_are_explained() {
    let case = flow();
    let index = Index::new(&[&case]);
    let no_key = Incoming::decode(
        "POST",
        "/v1/customers",
        None,
        b"email=a%40example.com&metadata[n]=1",
        None,
    )
    .unwrap();
    assert!(matches!(index.answer(&no_key), Decision::Unauthorized));
    let wrong = incoming(
        "POST",
        "/v1/customers",
        "email=b%40example.com&metadata[n]=1",
    );
    assert!(matches!(index.answer(&wrong), Decision::NoMatch));
    let message = explain(&index, &wrong);
    assert!(
        message.contains("case `customers/flow` step `step1`"),
        "{message}"
    );
    assert!(message.contains("`email` differs"), "{message}");
    let method = incoming("DELETE", "/v1/customers", "");
    assert!(explain(&index, &method).contains("method differs"));
}

#[test]
fn a_deeply_nested_form_is_a_stripe_shaped_400_naming_the_parameter() {
    let case = flow();
    let index = Index::new(&[&case]);
    let body = format!("a{}=1", "[b]".repeat(2_800));
    let request = crate::listener::Request {
        method: "POST".to_owned(),
        url: "/v1/customers".to_owned(),
        headers: vec![(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )],
        body: body.into_bytes(),
    };
    let response = super::http::handle(&index, request, None);
    assert_eq!(response.status, 400);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"]["param"]
        .as_str()
        .unwrap()
        .starts_with("a[b][b]"));
}

#[test]
fn cases_prepared_in_any_order_make_the_same_index() {
    let first = flow();
    let text = json!({"request": {"method": "GET", "path": "/v1/customers/cus_Zz9Yy8Xx7Ww6"},
        "response": {"status": 200, "body": {"id": "cus_Zz9Yy8Xx7Ww6", "balance": 7}}});
    let second = parse("accounts/a", &PathBuf::from("a.json"), &text.to_string()).unwrap();
    let shape = |index: &Index| -> Vec<(String, usize, usize, String, bytes::Bytes)> {
        index
            .recordings
            .iter()
            .map(|r| {
                (
                    r.case.clone(),
                    r.case_index,
                    r.step,
                    r.path.clone(),
                    r.prepared.clone(),
                )
            })
            .collect()
    };
    let ordered = Index::from_prepared([Prepared::of(&first), Prepared::of(&second)]);
    let reversed = Index::from_prepared([Prepared::of(&second), Prepared::of(&first)]);
    assert_eq!(ordered.recordings.len(), 5);
    assert_eq!(ordered.recordings[0].case, "accounts/a");
    assert_eq!(shape(&ordered), shape(&reversed));
    let get = || incoming("GET", "/v1/customers/cus_Zz9Yy8Xx7Ww6", "");
    assert_eq!(balance(reversed.answer(&get())), 7);
}
