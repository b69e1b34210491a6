//! Levels and honest verdicts: a target that differs from the recordings only in values a
//! server generates passes at every level; each kind of deviation fails at `strict`, and at
//! `contract` only the kinds the rules call backwards-compatible become warnings; exit codes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::serve::Process;
use crate::support::{stdout, Reply, Scratch, TestServer};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn is_time_key(key: &str) -> bool {
    matches!(key, "updated" | "date" | "start" | "end")
        || key.ends_with("_at")
        || key.ends_with("_date")
        || key.ends_with("_start")
        || key.ends_with("_end")
}

/// Sets every timestamp that lies a few seconds (elapsed time, not a documented duration)
/// after its object's `created` to `created` itself: a target that is faster between steps.
fn collapse_elapsed(value: &mut Value, changed: &mut usize) {
    match value {
        Value::Object(map) => {
            if let Some(created) = map.get("created").and_then(Value::as_i64) {
                for (key, v) in map.iter_mut() {
                    if let Some(t) = v.as_i64().filter(|_| is_time_key(key)) {
                        let offset = t - created;
                        if offset > 0 && offset % 3600 != 0 && offset < 3600 {
                            *v = json!(created);
                            *changed += 1;
                        }
                    }
                }
            }
            map.values_mut().for_each(|v| collapse_elapsed(v, changed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| collapse_elapsed(v, changed)),
        _ => {}
    }
}

/// Every invoice prefix in the text, by the attribute that carries it.
fn prefixes(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(p)) = map.get("invoice_prefix") {
                out.push(p.clone());
            }
            map.values().for_each(|v| prefixes(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| prefixes(v, out)),
        _ => {}
    }
}

/// Another generated-looking prefix of the same length (each character shifted).
fn other_prefix(prefix: &str) -> String {
    prefix
        .chars()
        .map(|c| match c {
            'Z' => '0',
            '9' => 'A',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect()
}

#[test]
fn a_target_differing_only_in_generated_values_and_elapsed_time_passes() {
    let scratch = Scratch::new("generated");
    let (mut renamed, mut collapsed) = (0, 0);
    for entry in walkdir::WalkDir::new(root().join("cases")).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(root()).unwrap();
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        let mut found = Vec::new();
        prefixes(&serde_json::from_str(&text).unwrap(), &mut found);
        found.sort();
        found.dedup();
        for prefix in &found {
            // Numbers built on the prefix (`PREFIX-0001`) change with it.
            text = text.replace(prefix.as_str(), &other_prefix(prefix));
            renamed += 1;
        }
        let mut case: Value = serde_json::from_str(&text).unwrap();
        let steps: Vec<&mut Value> = match case.get_mut("steps") {
            Some(Value::Array(steps)) => steps.iter_mut().collect(),
            _ => vec![&mut case],
        };
        for step in steps {
            collapse_elapsed(&mut step["response"]["body"], &mut collapsed);
        }
        scratch.write(
            &relative.to_string_lossy(),
            &serde_json::to_string_pretty(&case).unwrap(),
        );
    }
    assert!(renamed > 20, "the corpus has invoice prefixes ({renamed})");
    assert!(collapsed > 5, "the corpus has elapsed time ({collapsed})");

    // Cases only the built-in target can answer are skipped against a server.
    let suite = conform::suite::Suite::load(&root().join("cases")).unwrap();
    let replay_only = suite.cases().filter(|c| c.replay_only).count();
    let expected = format!(
        "{} passed, 0 failed, {replay_only} skipped",
        suite.cases().count() - replay_only
    );
    let server = Process::start(scratch.path(), &["serve", "--port", "0"]);
    for level in [None, Some("strict")] {
        let mut args = vec![
            "run",
            "--quiet",
            "--color",
            "never",
            "--target",
            &server.url,
        ];
        if let Some(level) = level {
            args.extend(["--level", level]);
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(&args)
            .current_dir(root())
            .env_remove("CONFORM_TARGET")
            .output()
            .unwrap();
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "level {level:?}:\n{text}");
        assert!(text.contains(&expected), "{expected}:\n{text}");
    }
}

/// `conform run --color never --target URL EXTRA...` in `scratch`.
fn run_against(scratch: &Scratch, url: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--color", "never", "--target", url];
    args.extend_from_slice(extra);
    scratch.conform(&args)
}

/// A one-step case whose recorded answer is `body` with status `status`.
fn case_with(body: &Value, status: u16) -> String {
    serde_json::to_string_pretty(&json!({
        "request": {"method": "POST", "path": "/v1/customers", "form": {"name": "Jo", "email": "jo@example.com"}},
        "response": {"status": status, "headers": {"content-type": "application/json", "stripe-version": "2025-03-31.basil"}, "body": body}
    }))
    .unwrap()
}

fn customer() -> Value {
    json!({
        "id": "cus_Rec0rded1Aa", "object": "customer", "created": 1763700000,
        "name": "Jo", "email": "jo@example.com", "balance": 0,
        "address": {"city": "Paris", "country": "FR"},
        "invoice_prefix": "ABCD1234", "metadata": {},
        "related": "cus_Rec0rded1Aa",
        "items": {"object": "list", "data": [{"id": "ii_1A2b3C4d5E"}, {"id": "ii_2A2b3C4d5E"}]}
    })
}

fn error() -> Value {
    json!({"error": {
        "type": "invalid_request_error", "code": "resource_missing", "param": "customer",
        "message": "No such customer: 'cus_X'", "doc_url": "https://docs.example/missing",
        "request_log_url": "https://dash.example/logs/req_1A2b3C4d5E"
    }})
}

/// Runs the recorded `body` against a server answering `served` (status, body, extra headers)
/// at `level`; returns the exit code and stdout.
fn judge(
    recorded: &Value,
    status: u16,
    served: (u16, Value, Vec<(&'static str, &'static str)>),
    level: &str,
) -> (Option<i32>, String) {
    let scratch = Scratch::new("levels");
    scratch.write("cases/rules/case.json", &case_with(recorded, status));
    assert!(scratch.conform(&["bless"]).status.success());
    let (answer_status, answer_body, extra) = served;
    let server = TestServer::start(move |_| {
        let mut reply = Reply::json(answer_status, answer_body.clone());
        reply
            .headers
            .push(("Stripe-Version".to_owned(), "2025-03-31.basil".to_owned()));
        for (name, value) in &extra {
            if name.eq_ignore_ascii_case("content-type") {
                reply.content_type = value;
                continue;
            }
            reply.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            reply
                .headers
                .push(((*name).to_owned(), (*value).to_owned()));
        }
        reply
    });
    let out = run_against(&scratch, &server.url, &["--level", level]);
    (out.status.code(), stdout(&out))
}

fn with(mut value: Value, pointer: &str, new: Option<Value>) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = value.pointer_mut(parent).unwrap();
    match (target, new) {
        (Value::Object(map), Some(v)) => {
            map.insert(key.to_owned(), v);
        }
        (Value::Object(map), None) => {
            map.remove(key);
        }
        (Value::Array(items), Some(v)) => items[key.parse::<usize>().unwrap()] = v,
        _ => unreachable!(),
    }
    value
}

#[test]
fn every_deviation_fails_at_strict_and_only_compatible_ones_warn_at_contract() {
    type Rule = (
        &'static str,
        Value,
        u16,
        (u16, Value, Vec<(&'static str, &'static str)>),
        bool,
    );
    let c = customer();
    let e = error();
    let invalid = with(
        with(e.clone(), "/error/code", Some(json!("parameter_invalid"))),
        "/error/param",
        Some(json!("name")),
    );
    let invoice = json!({
        "id": "in_Rec0rded1Aa", "object": "invoice", "created": 1763700000,
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1A2b3C4d5E/test_YWNjdF8x",
        "amount_due": 100
    });
    let session = json!({
        "id": "cs_test_Rec0rded1Aa", "object": "checkout.session", "created": 1763700000,
        "adaptive_pricing": {"enabled": true}, "amount_total": 100
    });
    let no_headers = Vec::new;
    let reversed = {
        let mut v = c.clone();
        v["items"]["data"] = json!([{"id": "ii_2A2b3C4d5E"}, {"id": "ii_1A2b3C4d5E"}]);
        v
    };
    // (rule, recorded body, recorded status, served, warns at contract)
    let rules: Vec<Rule> = vec![
        (
            "status",
            c.clone(),
            200,
            (201, c.clone(), no_headers()),
            false,
        ),
        (
            "missing attribute",
            c.clone(),
            200,
            (200, with(c.clone(), "/email", None), no_headers()),
            false,
        ),
        (
            "type changed",
            c.clone(),
            200,
            (
                200,
                with(c.clone(), "/balance", Some(json!("0"))),
                no_headers(),
            ),
            false,
        ),
        (
            "null where a value was",
            c.clone(),
            200,
            (
                200,
                with(c.clone(), "/address", Some(Value::Null)),
                no_headers(),
            ),
            false,
        ),
        (
            "echoed value",
            c.clone(),
            200,
            (
                200,
                with(c.clone(), "/name", Some(json!("Joe"))),
                no_headers(),
            ),
            false,
        ),
        (
            "state value",
            c.clone(),
            200,
            (
                200,
                with(c.clone(), "/balance", Some(json!(-500))),
                no_headers(),
            ),
            false,
        ),
        (
            "id integrity",
            c.clone(),
            200,
            (
                200,
                with(c.clone(), "/related", Some(json!("cus_Other00One1"))),
                no_headers(),
            ),
            false,
        ),
        (
            "list order",
            c.clone(),
            200,
            (200, reversed, no_headers()),
            false,
        ),
        (
            "error type",
            e.clone(),
            404,
            (
                404,
                with(e.clone(), "/error/type", Some(json!("api_error"))),
                no_headers(),
            ),
            false,
        ),
        (
            "error code",
            e.clone(),
            404,
            (
                404,
                with(e.clone(), "/error/code", Some(json!("other"))),
                no_headers(),
            ),
            false,
        ),
        (
            "error param",
            invalid.clone(),
            400,
            (
                400,
                with(invalid.clone(), "/error/param", Some(json!("email"))),
                no_headers(),
            ),
            false,
        ),
        (
            "error param of a missing object",
            e.clone(),
            404,
            (
                404,
                with(e.clone(), "/error/param", Some(json!("id"))),
                no_headers(),
            ),
            true,
        ),
        (
            "host of a generated URL",
            invoice.clone(),
            200,
            (
                200,
                with(
                    invoice.clone(),
                    "/hosted_invoice_url",
                    Some(json!(
                        "https://billing.other.example/i/acct_1A2b3C4d5E/live_x"
                    )),
                ),
                no_headers(),
            ),
            true,
        ),
        (
            "a default the dashboard sets",
            session.clone(),
            200,
            (
                200,
                with(
                    session.clone(),
                    "/adaptive_pricing",
                    Some(json!({"enabled": false})),
                ),
                no_headers(),
            ),
            true,
        ),
        (
            "content type",
            c.clone(),
            200,
            (200, c.clone(), vec![("Content-Type", "text/plain")]),
            false,
        ),
        (
            "added attribute",
            c.clone(),
            200,
            (200, with(c.clone(), "/extra", Some(json!(1))), no_headers()),
            true,
        ),
        (
            "error message wording",
            e.clone(),
            404,
            (
                404,
                with(e.clone(), "/error/message", Some(json!("Not found"))),
                no_headers(),
            ),
            true,
        ),
        (
            "doc_url",
            e.clone(),
            404,
            (
                404,
                with(
                    e.clone(),
                    "/error/doc_url",
                    Some(json!("https://other.example/x")),
                ),
                no_headers(),
            ),
            true,
        ),
        (
            "request_log_url",
            e.clone(),
            404,
            (
                404,
                with(e.clone(), "/error/request_log_url", None),
                no_headers(),
            ),
            true,
        ),
        (
            "other header",
            c.clone(),
            200,
            (200, c.clone(), vec![("Stripe-Version", "2020-08-27")]),
            true,
        ),
        (
            "id length and format",
            c.clone(),
            200,
            (
                200,
                with(
                    with(c.clone(), "/id", Some(json!("cus_short"))),
                    "/related",
                    Some(json!("cus_short")),
                ),
                no_headers(),
            ),
            true,
        ),
    ];
    let mut report = BTreeMap::new();
    for (name, recorded, status, served, warns) in rules {
        let (strict, strict_out) = judge(&recorded, status, served.clone(), "strict");
        assert_eq!(strict, Some(1), "{name} must fail at strict:\n{strict_out}");
        let (contract, contract_out) = judge(&recorded, status, served, "contract");
        if warns {
            assert_eq!(
                contract,
                Some(0),
                "{name} must only warn at contract:\n{contract_out}"
            );
            let (failed, warned) = checks(&contract_out);
            assert_eq!(
                failed, 0,
                "{name}: no failing check at contract:\n{contract_out}"
            );
            assert!(
                warned > 0,
                "{name} must be counted as a warning or an added attribute:\n{contract_out}"
            );
        } else {
            assert_eq!(
                contract,
                Some(1),
                "{name} must fail at contract:\n{contract_out}"
            );
        }
        report.insert(name, (strict, contract));
    }
    assert_eq!(report.len(), 21);
}

/// Failed and warned checks from the human summary line `checks: P passed, F failed, W warned`.
fn checks(text: &str) -> (usize, usize) {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("checks: "))
        .unwrap_or_else(|| panic!("no checks line in:\n{text}"));
    let number = |word: &str| -> usize {
        line.split(", ")
            .find_map(|part| part.split_once(word).map(|(n, _)| n.trim()))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no `{word}` count in {line:?}"))
    };
    (number(" failed"), number(" warned") + number(" added"))
}

#[test]
fn a_closed_port_exits_3_even_with_expectations() {
    let scratch = Scratch::new("closed");
    scratch.write("cases/rules/case.json", &case_with(&customer(), 200));
    assert!(scratch.conform(&["bless"]).status.success());
    scratch.write(
        "expect.txt",
        "rules/case\n    POST /v1/customers  -  transport\n",
    );
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = scratch.conform(&[
        "run",
        "--target",
        &url,
        "--expect",
        "expect.txt",
        "--timeout",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let coarse = scratch.conform(&["run", "--target", &url, "--timeout", "2"]);
    assert_eq!(coarse.status.code(), Some(3));
}

#[test]
fn a_new_failing_check_in_an_expected_case_exits_1() {
    let scratch = Scratch::new("regression");
    scratch.write("cases/rules/case.json", &case_with(&customer(), 200));
    assert!(scratch.conform(&["bless"]).status.success());
    let serve = |body: Value| TestServer::start(move |_| Reply::json(200, body.clone()));
    let run = |url: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--color",
            "never",
            "--target",
            url,
            "--expect",
            "expect.txt",
        ];
        args.extend_from_slice(extra);
        scratch.conform(&args)
    };
    // The known defect: `name` is dropped.
    let known = serve(with(customer(), "/name", Some(Value::Null)));
    let out = run(&known.url, &["--update-expect"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let file = scratch.read("expect.txt");
    assert!(
        file.contains("rules/case\n    POST /v1/customers  /body/name  changed\n"),
        "{file}"
    );
    let again = run(&known.url, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));

    // The same case now also loses `email`: a regression inside a listed case.
    let worse = serve(with(
        with(customer(), "/name", Some(Value::Null)),
        "/email",
        None,
    ));
    let out = run(&worse.url, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("new: POST /v1/customers  /body/email  missing"),
        "{text}"
    );

    // The defect is fixed: the listed case passes, which the run reports.
    let fixed = serve(customer());
    let out = run(&fixed.url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("XPASS rules/case"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_failing_setup_step_blocks_the_case_and_spares_its_subject() {
    let scratch = Scratch::new("blocked");
    let case = json!({"steps": [
        {"name": "price", "request": {"method": "POST", "path": "/v1/prices", "form": {"unit_amount": 100}},
         "response": {"status": 200, "body": {"id": "price_1A2b3C4d5E", "object": "price", "unit_amount": 100}}},
        {"name": "invoice", "request": {"method": "POST", "path": "/v1/invoiceitems", "form": {"price": "price_1A2b3C4d5E"}},
         "response": {"status": 200, "body": {"id": "ii_1A2b3C4d5E", "object": "invoiceitem", "price": "price_1A2b3C4d5E"}}}
    ]});
    scratch.write(
        "cases/flows/case.json",
        &serde_json::to_string_pretty(&case).unwrap(),
    );
    assert!(scratch.conform(&["bless"]).status.success());
    let server = TestServer::start(|req| {
        if req.path.starts_with("/v1/prices") {
            Reply::json(
                404,
                json!({"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}),
            )
        } else {
            Reply::json(
                400,
                json!({"error": {"type": "invalid_request_error", "message": "No such price"}}),
            )
        }
    });
    let out = run_against(&scratch, &server.url, &["--report", "json=r.json"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("BLOCKED flows/case"), "{text}");
    assert!(text.contains("blocked by POST /v1/prices"), "{text}");
    assert!(text.ends_with("0 passed, 0 failed, 1 blocked\n"), "{text}");
    let report: Value = serde_json::from_str(&scratch.read("r.json")).unwrap();
    let endpoints = report["endpoints"].as_array().unwrap();
    let invoiceitems = endpoints
        .iter()
        .find(|e| e["path"] == "/v1/invoiceitems")
        .unwrap();
    // The subject was never sent: every check it counts fails, and it forms no fix-first entry.
    assert_eq!(invoiceitems["checks"]["passed"], 0, "{invoiceitems}");
    assert!(
        invoiceitems["checks"]["failed"].as_u64() > Some(0),
        "{invoiceitems}"
    );
    assert_eq!(invoiceitems["cases"]["blocked"], 1);
    let fixes = report["fix_first"].as_array().unwrap();
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0]["what"], "POST /v1/prices /status");
    let prices = endpoints
        .iter()
        .find(|e| e["path"] == "/v1/prices")
        .unwrap();
    assert_eq!(prices["cases"]["failed"], 1);
    assert_eq!(report["summary"]["blocked"], 1);
}

#[test]
fn a_status_the_case_leaves_open_warns_at_contract_and_fails_at_strict() {
    let scratch = Scratch::new("open-status");
    let case = json!({"steps": [{
        "name": "list",
        "open": [
            {"path": "/status", "accept": "4xx", "why": "not documented"},
            {"path": "/body/error/code", "accept": "shape_or_absent"}
        ],
        "request": {"method": "GET", "path": "/v1/credit_notes", "query": {"invoice": "in_1MqFabxEkpSxZhLy"}},
        "response": {"status": 404, "headers": {"content-type": "application/json"}, "body": error()}
    }]});
    scratch.write(
        "cases/rules/case.json",
        &serde_json::to_string_pretty(&case).unwrap(),
    );
    assert!(scratch.conform(&["bless"]).status.success());
    let served = |status: u16, code: &'static str| {
        TestServer::start(move |_| {
            Reply::json(status, with(error(), "/error/code", Some(json!(code))))
        })
    };
    let bad_request = served(400, "parameter_invalid");
    let contract = run_against(&scratch, &bad_request.url, &["--level", "contract"]);
    let text = stdout(&contract);
    assert_eq!(contract.status.code(), Some(0), "{text}");
    let (failed, warned) = checks(&text);
    assert_eq!(failed, 0, "{text}");
    assert!(warned >= 2, "{text}");
    let strict = run_against(&scratch, &bad_request.url, &["--level", "strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stdout(&strict));
    // A server error is not a client error: the rule does not cover it.
    let server_error = served(500, "resource_missing");
    let out = run_against(&scratch, &server_error.url, &["--level", "contract"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}
