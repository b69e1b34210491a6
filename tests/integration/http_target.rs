//! The runner against a real HTTP server: an unchanged implementation passes; each kind of
//! deviation fails the run with a readable, classified error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{stdout, Reply, Scratch, TestServer};

/// A customer flow: create, credit the balance, retrieve.
const CASE: &str = r#"{
  "description": "customer balance flow",
  "tags": ["customers"],
  "steps": [
    {"name": "create", "request": {"method": "POST", "path": "/v1/customers", "form": {"email": "jo@example.com"}},
     "response": {"status": 200, "headers": {"content-type": "application/json"},
       "body": {"id": "cus_Rec0rded1Aa", "object": "customer", "created": 1763700000, "email": "jo@example.com", "balance": 0, "tax_exempt": "none"}}},
    {"name": "credit", "request": {"method": "POST", "path": "/v1/customers/cus_Rec0rded1Aa/balance_transactions", "form": {"amount": -500, "currency": "usd"}},
     "response": {"status": 200, "body": {"id": "cbtxn_1Rec0rded2Bb", "object": "customer_balance_transaction", "customer": "cus_Rec0rded1Aa", "amount": -500, "currency": "usd", "created": 1763700010}}},
    {"name": "retrieve", "request": {"method": "GET", "path": "/v1/customers/cus_Rec0rded1Aa"},
     "response": {"status": 200, "body": {"id": "cus_Rec0rded1Aa", "object": "customer", "created": 1763700000, "email": "jo@example.com", "balance": -500, "tax_exempt": "none"}}}
  ]
}"#;

const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "x-object": "customer",
  "type": "object",
  "required": ["id", "object"],
  "properties": {
    "id": {"type": "string"},
    "object": {"const": "customer"},
    "tax_exempt": {"enum": ["none", "exempt", "reverse"]}
  }
}"#;

/// How the fake implementation misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    Amount,
    MissingField,
    WrongEnum,
    WrongStatus,
    BrokenIntegrity,
    Slow,
    Html,
}

/// A stateful fake of the three endpoints, with fresh ids unlike the recording's.
fn server(fault: Fault) -> TestServer {
    let counter = AtomicUsize::new(0);
    let balance = Mutex::new(0i64);
    TestServer::start(move |req| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let customer = |balance: i64| -> Value {
            let mut c = json!({"id": "cus_Serv3r1Zz9Yy", "object": "customer", "created": 1800000000 + n as i64,
                "email": "jo@example.com", "balance": balance, "tax_exempt": "none"});
            if fault == Fault::MissingField {
                c.as_object_mut().unwrap().remove("email");
            }
            if fault == Fault::WrongEnum {
                c["tax_exempt"] = json!("sometimes");
            }
            c
        };
        if fault == Fault::Html {
            return Reply {
                status: 502,
                content_type: "text/html",
                body: "<html>bad gateway</html>".into(),
                delay: Duration::ZERO,
                headers: Vec::new(),
            };
        }
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/v1/customers") => Reply::json(
                if fault == Fault::WrongStatus {
                    201
                } else {
                    200
                },
                customer(0),
            ),
            ("POST", "/v1/customers/cus_Serv3r1Zz9Yy/balance_transactions") => {
                let amount: i64 = if fault == Fault::Amount { -400 } else { -500 };
                *balance.lock().unwrap() += amount;
                let owner = if fault == Fault::BrokenIntegrity {
                    "cus_0ther1Cust2X"
                } else {
                    "cus_Serv3r1Zz9Yy"
                };
                let mut reply = Reply::json(
                    200,
                    json!({"id": "cbtxn_1Serv3r2Txn", "object": "customer_balance_transaction",
                    "customer": owner, "amount": amount, "currency": "usd", "created": 1800000010}),
                );
                if fault == Fault::Slow {
                    reply.delay = Duration::from_millis(2500);
                }
                reply
            }
            ("GET", "/v1/customers/cus_Serv3r1Zz9Yy") => {
                Reply::json(200, customer(*balance.lock().unwrap()))
            }
            _ => Reply::json(
                404,
                json!({"error": {"type": "invalid_request_error", "message": format!("unknown {}", req.path)}}),
            ),
        }
    })
}

fn project() -> Scratch {
    let scratch = Scratch::new(&format!("http-{:?}", std::thread::current().id()));
    scratch.write("cases/customers/balance_flow.json", CASE);
    scratch.write("schemas/customer.json", SCHEMA);
    let blessed = scratch.conform(&["bless"]);
    assert!(blessed.status.success(), "{}", stdout(&blessed));
    scratch
}

/// Runs the project against a fake with `fault`; returns exit code and stdout.
fn run_against(fault: Fault) -> (i32, String) {
    let scratch = project();
    let server = server(fault);
    let out = scratch.conform(&["run", "--target", &server.url, "--timeout", "1"]);
    (out.status.code().unwrap_or(-1), stdout(&out))
}

#[test]
fn an_unchanged_implementation_passes() {
    let (code, out) = run_against(Fault::None);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
}

#[test]
fn a_changed_amount_fails_with_a_diff() {
    let (code, out) = run_against(Fault::Amount);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("value changed at /body/amount: expected -500, got -400"),
        "{out}"
    );
    assert!(
        out.contains("-  \"amount\": -500") || out.contains("-    \"amount\": -500"),
        "{out}"
    );
    assert!(out.contains("reproduce: curl"), "{out}");
    assert!(out.contains("$CONFORM_API_KEY"), "{out}");
}

#[test]
fn a_missing_field_fails() {
    let (code, out) = run_against(Fault::MissingField);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("field missing at /body/email"), "{out}");
}

#[test]
fn a_wrong_enum_value_fails_schema_validation() {
    let (code, out) = run_against(Fault::WrongEnum);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("schema violation at /body/tax_exempt"),
        "{out}"
    );
}

#[test]
fn a_wrong_status_fails() {
    let (code, out) = run_against(Fault::WrongStatus);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("status changed at /status: expected 200, got 201"),
        "{out}"
    );
}

#[test]
fn broken_referential_integrity_fails() {
    let (code, out) = run_against(Fault::BrokenIntegrity);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("id integrity broken at /body/customer"),
        "{out}"
    );
}

#[test]
fn a_timeout_fails_the_step_and_names_the_url() {
    let (code, out) = run_against(Fault::Slow);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("transport error"), "{out}");
    assert!(out.contains("/balance_transactions"), "{out}");
    assert!(out.contains("not run"), "{out}");
}

#[test]
fn a_non_json_answer_fails() {
    let (code, out) = run_against(Fault::Html);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not JSON"), "{out}");
    assert!(out.contains("text/html"), "{out}");
}

#[test]
fn a_refused_connection_is_a_transport_error() {
    let scratch = project();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = scratch.conform(&["run", "--target", &url, "--timeout", "2"]);
    let text = stdout(&out);
    // Exit 3: the target could not be used at all.
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("transport error"), "{text}");
    assert!(text.contains(&url), "{text}");
}

#[test]
fn the_api_key_is_sent_but_never_printed() {
    let scratch = project();
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let seen_by_server = std::sync::Arc::clone(&seen);
    let server = TestServer::start(move |req| {
        seen_by_server
            .lock()
            .unwrap()
            .push(req.header("Authorization"));
        Reply::json(500, json!({"error": {"type": "api_error"}}))
    });
    let key = concat!("sk_", "test_", "SecretValue123");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["run", "--target", &server.url])
        .env("CONFORM_API_KEY", key)
        .env("NO_COLOR", "1")
        .current_dir(scratch.path())
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), crate::support::stderr(&out));
    assert!(!all.contains("SecretValue123"), "{all}");
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.first().cloned().flatten(),
        Some(format!("Bearer {key}"))
    );
}

#[test]
fn an_oversized_body_is_refused_with_the_limit_named() {
    let scratch = project();
    let big = format!(
        "{{\"id\": \"cus_Serv3r1Zz9Yy\", \"pad\": \"{}\"}}",
        "x".repeat(3_000_000)
    );
    let server = TestServer::start(move |_| Reply {
        status: 200,
        content_type: "application/json",
        body: big.clone(),
        delay: Duration::ZERO,
        headers: Vec::new(),
    });
    let out = scratch.conform(&["run", "--target", &server.url, "--max-body", "1000000"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("larger than the limit of 1000000 bytes"),
        "{text}"
    );
}

#[test]
fn a_post_without_a_body_is_sent_with_content_length_zero() {
    let scratch = Scratch::new("empty-post");
    scratch.write(
        "cases/invoices/finalize.json",
        r#"{"request": {"method": "POST", "path": "/v1/invoices/in_1A2b3C4d5E/finalize"},
            "response": {"status": 200, "body": {"id": "in_1A2b3C4d5E", "object": "invoice", "status": "open"}}}"#,
    );
    assert!(scratch.conform(&["bless"]).status.success());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    let server = TestServer::start(move |req| {
        log.lock().unwrap().push((
            req.header("Content-Length"),
            req.header("Transfer-Encoding"),
        ));
        Reply::json(
            200,
            json!({"id": "in_1A2b3C4d5E", "object": "invoice", "status": "open"}),
        )
    });
    let out = scratch.conform(&["run", "--target", &server.url]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.as_slice(), [(Some("0".to_owned()), None)]);
}
