//! The Rust client (async-stripe, blocking) replays recorded flows against `conform serve`,
//! started in process on 127.0.0.1: every step is sent through the client's own request
//! builder, its answer must come back as the typed object the route returns (deserialized by the
//! client), carrying exactly the recorded values; recorded errors must come back as the client's
//! `StripeError::Stripe` with the recorded status and error type.

mod common;

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use stripe::StripeError;
use stripe_client_core::{RequestBuilder, StripeMethod};

/// The recorded flows the official clients replay (the Python and Node tests use the same).
const FLOWS: [&str; 4] = [
    "cases/checkout/sessions/expire_expired.json",
    "cases/checkout/sessions/retrieve_expand_line_items.json",
    "cases/flows/notes_invoice_credit_note_lifecycle.json",
    "cases/flows/billing_customer_balance.json",
];

type Answer = Result<Value, StripeError>;

/// Sends `request` and deserializes the answer as `T` the way the client does, then serializes
/// the typed value back for comparison with the recording.
fn typed<T>(client: &stripe::blocking::Client, request: RequestBuilder) -> Answer
where
    T: miniserde::Deserialize + serde::Serialize,
{
    let value: T = request.customize::<T>().send_blocking(client)?;
    Ok(serde_json::to_value(&value).expect("a typed value serializes"))
}

type Call = fn(&stripe::blocking::Client, RequestBuilder) -> Answer;

/// (method, path with `*` for an id, the type the route returns), most specific first.
const ROUTES: &[(&str, &str, Call)] = &[
    ("POST", "/v1/customers", typed::<stripe_shared::Customer>),
    ("GET", "/v1/customers/*", typed::<stripe_shared::Customer>),
    (
        "POST",
        "/v1/customers/*/balance_transactions",
        typed::<stripe_shared::CustomerBalanceTransaction>,
    ),
    (
        "GET",
        "/v1/customers/*/balance_transactions",
        typed::<stripe_types::List<stripe_shared::CustomerBalanceTransaction>>,
    ),
    (
        "GET",
        "/v1/customers/*/balance_transactions/*",
        typed::<stripe_shared::CustomerBalanceTransaction>,
    ),
    ("POST", "/v1/products", typed::<stripe_shared::Product>),
    ("POST", "/v1/prices", typed::<stripe_shared::Price>),
    (
        "POST",
        "/v1/invoiceitems",
        typed::<stripe_billing::InvoiceItem>,
    ),
    ("POST", "/v1/invoices", typed::<stripe_shared::Invoice>),
    ("GET", "/v1/invoices/*", typed::<stripe_shared::Invoice>),
    (
        "POST",
        "/v1/invoices/*/finalize",
        typed::<stripe_shared::Invoice>,
    ),
    (
        "POST",
        "/v1/invoices/*/pay",
        typed::<stripe_shared::Invoice>,
    ),
    (
        "GET",
        "/v1/credit_notes/preview",
        typed::<stripe_shared::CreditNote>,
    ),
    (
        "POST",
        "/v1/credit_notes",
        typed::<stripe_shared::CreditNote>,
    ),
    (
        "GET",
        "/v1/credit_notes/*",
        typed::<stripe_shared::CreditNote>,
    ),
    (
        "GET",
        "/v1/credit_notes/*/lines",
        typed::<stripe_types::List<stripe_shared::CreditNoteLineItem>>,
    ),
    (
        "POST",
        "/v1/credit_notes/*/void",
        typed::<stripe_shared::CreditNote>,
    ),
    (
        "POST",
        "/v1/checkout/sessions",
        typed::<stripe_shared::CheckoutSession>,
    ),
    (
        "GET",
        "/v1/checkout/sessions/*",
        typed::<stripe_shared::CheckoutSession>,
    ),
    (
        "POST",
        "/v1/checkout/sessions/*/expire",
        typed::<stripe_shared::CheckoutSession>,
    ),
    (
        "GET",
        "/v1/checkout/sessions/*/line_items",
        typed::<stripe_types::List<stripe_shared::CheckoutSessionItem>>,
    ),
];

/// Whether `path` fits `pattern` (`*` stands for one segment).
fn fits(pattern: &str, path: &str) -> bool {
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == a.len() && p.iter().zip(&a).all(|(p, a)| *p == "*" || p == a)
}

fn route(method: &str, path: &str) -> Option<Call> {
    ROUTES
        .iter()
        .find(|(m, pattern, _)| *m == method && fits(pattern, path))
        .map(|(_, _, call)| *call)
}

/// Replays one step; `Err` names what went wrong.
fn replay(client: &stripe::blocking::Client, step: &Value) -> Result<(), String> {
    let request = &step["request"];
    let response = &step["response"];
    let method = request["method"].as_str().unwrap_or("");
    let path = request["path"].as_str().unwrap_or("");
    let call = route(method, path).ok_or_else(|| format!("no typed route for {method} {path}"))?;
    let method_enum = match method {
        "GET" => StripeMethod::Get,
        "POST" => StripeMethod::Post,
        "DELETE" => StripeMethod::Delete,
        other => return Err(format!("method {other} is not replayed")),
    };
    let mut builder = RequestBuilder::new(method_enum, path.trim_start_matches("/v1"));
    if let Some(query) = request.get("query").filter(|q| q.is_object()) {
        builder = builder.query(query);
    }
    if let Some(form) = request.get("form").filter(|f| f.is_object()) {
        builder = builder.form(form);
    }
    let status = response["status"].as_u64().unwrap_or(0);
    match call(client, builder) {
        Ok(typed) if status < 400 => match common::first_gap(&response["body"], &typed, "", true) {
            None => Ok(()),
            Some(difference) => Err(difference),
        },
        Ok(_) => Err(format!("expected the error {status}, got a typed object")),
        Err(StripeError::Stripe(error, got)) => {
            let kind = serde_json::to_value(&error.type_).unwrap_or_default();
            if u64::from(got) != status || status < 400 {
                Err(format!("unexpected error {got}: {error:?}"))
            } else if kind != response["body"]["error"]["type"] {
                Err(format!("error type {kind} differs from the recording"))
            } else {
                Ok(())
            }
        }
        Err(other) => Err(format!("the client failed: {other}")),
    }
}

#[test]
fn the_async_stripe_client_replays_recorded_flows_against_serve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let suite = conform::suite::Suite::load(&root.join("cases")).expect("the corpus loads");
    let cases: Vec<&conform::case::Case> = suite.cases().collect();
    let index = Arc::new(conform::server::Index::new(&cases));
    let limits = conform::listener::Limits::default();
    let running = conform::server::start(index, "127.0.0.1:0", None, limits).unwrap();
    let client = stripe::ClientBuilder::new(format!("sk_test_{}", "conform_rust_client"))
        .url(format!("http://{}/", running.addr))
        .build_sync()
        .expect("a client for the replayer");
    let mut checked = 0;
    for flow in FLOWS {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(flow)).unwrap()).unwrap();
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            if let Err(problem) = replay(&client, step) {
                panic!("{flow} step {}: {problem}", i + 1);
            }
            checked += 1;
        }
    }
    running.shutdown();
    println!(
        "async-stripe: {checked} steps of {} cases matched the recordings",
        FLOWS.len()
    );
    assert!(checked >= 20, "only {checked} steps replayed");
}

#[test]
fn a_recording_the_client_does_not_reproduce_is_reported() {
    let recorded = serde_json::json!({"id": "cus_1", "object": "customer", "balance": -500});
    let typed = serde_json::json!({"id": "cus_1", "balance": -400, "email": null});
    assert_eq!(
        common::first_gap(&recorded, &typed, "", true).as_deref(),
        Some("/balance: recorded -500, the typed value is -400")
    );
    let same = serde_json::json!({"id": "cus_1", "balance": -500});
    assert_eq!(common::first_gap(&recorded, &same, "", true), None);
    // Without values, only attributes count.
    assert_eq!(common::first_gap(&recorded, &typed, "", false), None);
    let lacking = serde_json::json!({"id": "cus_1"});
    assert_eq!(
        common::first_gap(&recorded, &lacking, "", false).as_deref(),
        Some("/balance: not an attribute of the type")
    );
    assert!(route("GET", "/v1/credit_notes/preview").is_some());
    assert!(route("PUT", "/v1/customers").is_none());
}
