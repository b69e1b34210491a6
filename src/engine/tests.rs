use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::{json, Value};

use super::*;
use crate::check::Judge;
use crate::golden::{GoldenFile, GoldenStep};
use crate::load::parse;
use crate::outcome::{CaseOutcome, CaseStatus, FailureClass, StepStatus};
use crate::target::{Answer, Payload, ReplayTarget, Sent};

/// A target that answers each step with the recording passed through `edit`.
struct Edited<F: Fn(usize, &mut Value, &mut u16) + Send + Sync> {
    edit: F,
    sent: Mutex<Vec<String>>,
}

impl<F: Fn(usize, &mut Value, &mut u16) + Send + Sync> Target for Edited<F> {
    fn send<'c>(&self, exchange: Exchange<'c>, request: &Outgoing) -> Sent<'c> {
        self.sent.lock().unwrap().push(request.path.clone());
        let response = &exchange.case.steps[exchange.step].step.response;
        let mut body = response.body.clone();
        let mut status = response.status;
        (self.edit)(exchange.step, &mut body, &mut status);
        Ok(Answer {
            status,
            headers: [("content-type".to_owned(), "application/json".to_owned())].into(),
            body: Payload::Bytes(serde_json::to_vec(&body).unwrap()),
        })
    }

    fn base_url(&self) -> Option<&str> {
        Some("http://127.0.0.1:9")
    }
}

/// Runs the flow against its own recordings passed through `edit`, with its golden file.
fn run_edited<F: Fn(usize, &mut Value, &mut u16) + Send + Sync>(edit: F) -> CaseOutcome {
    let case = flow();
    let golden = golden_of(&case);
    run(&case, Some(&golden), &edited(edit))
}

fn edited<F: Fn(usize, &mut Value, &mut u16) + Send + Sync>(edit: F) -> Edited<F> {
    Edited {
        edit,
        sent: Mutex::new(Vec::new()),
    }
}

fn flow() -> Case {
    let text = json!({
        "steps": [
            {"name": "create", "request": {"method": "POST", "path": "/v1/customers", "form": {"email": "a@example.com"}},
             "response": {"status": 200, "headers": {"content-type": "application/json"},
                          "body": {"id": "cus_Aa1Bb2Cc3Dd4", "object": "customer", "created": 1763700000, "balance": 0}}},
            {"name": "credit", "request": {"method": "POST", "path": "/v1/customers/cus_Aa1Bb2Cc3Dd4/balance_transactions", "form": {"amount": -500, "currency": "usd"}},
             "response": {"status": 200, "body": {"id": "cbtxn_1Xy2Zz3Ww4Vv5Uu", "object": "customer_balance_transaction", "customer": "cus_Aa1Bb2Cc3Dd4", "amount": -500, "created": 1763700010}}},
            {"name": "list", "list": "contains", "request": {"method": "GET", "path": "/v1/customers/cus_Aa1Bb2Cc3Dd4/balance_transactions"},
             "response": {"status": 200, "body": {"object": "list", "has_more": false, "data": [{"id": "cbtxn_1Xy2Zz3Ww4Vv5Uu", "customer": "cus_Aa1Bb2Cc3Dd4", "amount": -500}]}}}
        ]
    });
    parse(
        "customers/flow",
        &PathBuf::from("cases/customers/flow.json"),
        &text.to_string(),
    )
    .unwrap()
}

fn golden_of(case: &Case) -> GoldenFile {
    let expected = expected(case, &[]);
    GoldenFile {
        case: case.name.to_string(),
        normalize: Vec::new(),
        steps: case
            .steps
            .iter()
            .zip(expected.steps)
            .map(|(s, e)| GoldenStep::new(&s.name, e.snapshot))
            .collect(),
    }
}

/// Runs `case` into its transcript and judges it with every check, at strict level.
fn run(case: &Case, golden: Option<&GoldenFile>, target: &dyn Target) -> CaseOutcome {
    judged(case, golden, target, &SchemaSet::default())
}

fn judged(
    case: &Case,
    golden: Option<&GoldenFile>,
    target: &dyn Target,
    schemas: &SchemaSet,
) -> CaseOutcome {
    let ctx = Context {
        target,
        schemas,
        level: Level::Strict,
        keep_answers: false,
    };
    let transcript = run_case(case, golden, ctx);
    let judge = Judge {
        schemas,
        level: Level::Strict,
        golden: true,
    };
    CaseOutcome::assemble(&transcript, crate::check::run(&transcript, judge), false)
}

fn classes(outcome: &CaseOutcome) -> Vec<FailureClass> {
    outcome.classes()
}

#[test]
fn replay_of_the_recording_passes() {
    let case = flow();
    let golden = golden_of(&case);
    let outcome = run(&case, Some(&golden), &ReplayTarget);
    assert!(outcome.passed(), "{outcome:#?}");
    assert_eq!(outcome.steps.len(), 3);
}

#[test]
fn missing_golden_file_fails_but_steps_run() {
    let case = flow();
    let outcome = run(&case, None, &ReplayTarget);
    assert_eq!(classes(&outcome), vec![FailureClass::Golden]);
    assert!(outcome.steps.iter().all(|s| s.status == StepStatus::Passed));
}

#[test]
fn target_ids_are_correlated_into_later_requests() {
    let case = flow();
    let golden = golden_of(&case);
    let target = edited(|_, body, _| {
        let text = body
            .to_string()
            .replace("cus_Aa1Bb2Cc3Dd4", "cus_Other9Id8Here7");
        *body = serde_json::from_str(&text).unwrap();
    });
    let outcome = run(&case, Some(&golden), &target);
    assert!(outcome.passed(), "{outcome:#?}");
    let sent = target.sent.lock().unwrap();
    assert_eq!(
        sent[1],
        "/v1/customers/cus_Other9Id8Here7/balance_transactions"
    );
}

#[test]
fn a_changed_amount_fails_with_its_pointer() {
    let outcome = run_edited(|step, body, _| {
        if step == 1 {
            body["amount"] = json!(-400);
        }
    });
    assert!(!outcome.passed());
    let failure = outcome.steps[1].failures.first().unwrap();
    assert_eq!(failure.class, FailureClass::Changed);
    assert_eq!(failure.pointer.as_deref(), Some("/body/amount"));
    assert!(
        outcome.steps[1].diff().contains("-400"),
        "{}",
        outcome.steps[1].diff()
    );
    assert!(outcome.steps[1].curl().unwrap().starts_with("curl"));
    // A passing step carries no evidence.
    assert!(outcome.steps[0].evidence.is_none());
    // Reports keep the flat shape: `diff` and `curl` beside the checks, absent when passing.
    let failing = serde_json::to_value(&outcome.steps[1]).unwrap();
    assert!(failing["diff"].as_str().unwrap().contains("-400"));
    assert!(failing["curl"].as_str().unwrap().starts_with("curl"));
    let passing = serde_json::to_value(&outcome.steps[0]).unwrap();
    assert!(passing.get("diff").is_none() && passing.get("curl").is_none());
}

#[test]
fn missing_field_and_status_are_classified() {
    let outcome = run_edited(|step, body, status| {
        if step == 0 {
            body.as_object_mut().unwrap().remove("balance");
        }
        if step == 2 {
            *status = 404;
        }
    });
    assert_eq!(outcome.steps[0].failures[0].class, FailureClass::Missing);
    assert!(outcome.steps[2]
        .failures
        .iter()
        .any(|f| f.class == FailureClass::Status));
}

#[test]
fn a_reused_id_breaks_referential_integrity() {
    // The balance transaction names a customer other than the one created in step 1.
    let outcome = run_edited(|step, body, _| {
        if step == 1 {
            body["customer"] = json!("cus_Zz9Yy8Xx7Ww6");
        }
    });
    let failure = &outcome.steps[1].failures[0];
    assert_eq!(failure.class, FailureClass::IdIntegrity, "{outcome:#?}");
    assert_eq!(failure.pointer.as_deref(), Some("/body/customer"));
}

#[test]
fn contains_lists_ignore_unrelated_items() {
    let outcome = run_edited(|step, body, _| {
        if step == 2 {
            let other =
                json!({"id": "cbtxn_1Other2Item3Zz", "customer": "cus_Unrelated1Aa", "amount": 7});
            body["data"].as_array_mut().unwrap().insert(0, other);
            body["has_more"] = json!(true);
        }
    });
    assert!(outcome.passed(), "{outcome:#?}");
}

#[test]
fn non_json_answers_stop_the_case() {
    struct Html;
    impl Target for Html {
        fn send<'c>(&self, _: Exchange<'c>, _: &Outgoing) -> Sent<'c> {
            Ok(Answer {
                status: 502,
                headers: [("content-type".to_owned(), "text/html".to_owned())].into(),
                body: Payload::Bytes(b"<html><body>Bad gateway</body></html>".to_vec()),
            })
        }
        fn base_url(&self) -> Option<&str> {
            None
        }
    }
    let case = flow();
    let golden = golden_of(&case);
    let outcome = run(&case, Some(&golden), &Html);
    let failure = &outcome.steps[0].failures[0];
    assert_eq!(failure.class, FailureClass::NotJson);
    assert!(failure.message.contains("text/html"), "{}", failure.message);
    assert_eq!(outcome.steps[1].status, StepStatus::NotRun);
}

#[test]
fn unresolvable_templates_fail_the_step() {
    let text = json!({"steps": [
        {"request": {"method": "GET", "path": "/v1/customers/${nope.body.id}"}, "response": {"status": 200, "body": {}}}
    ]});
    let case = parse("t", &PathBuf::from("t.json"), &text.to_string()).unwrap();
    let golden = golden_of(&case);
    let outcome = run(&case, Some(&golden), &ReplayTarget);
    assert_eq!(outcome.steps[0].failures[0].class, FailureClass::Template);
}

/// A target that notes each path it is sent, then lets `inner` answer.
struct Logged<T: Target> {
    inner: T,
    sent: Mutex<Vec<String>>,
}

impl<T: Target> Target for Logged<T> {
    fn send<'c>(&self, exchange: Exchange<'c>, request: &Outgoing) -> Sent<'c> {
        self.sent.lock().unwrap().push(request.path.clone());
        self.inner.send(exchange, request)
    }

    fn base_url(&self) -> Option<&str> {
        None
    }
}

#[test]
fn templates_read_earlier_answers_whether_or_not_the_answer_is_the_recording() {
    let text = json!({"steps": [
        {"name": "create", "request": {"method": "POST", "path": "/v1/customers"},
         "response": {"status": 200, "body": {"id": "cus_Aa1Bb2Cc3Dd4", "object": "customer", "balance": 7}}},
        {"name": "read", "request": {"method": "GET", "path": "/v1/customers/${create.body.id}?b=${create.body.balance}"},
         "response": {"status": 200, "body": {"id": "cus_Aa1Bb2Cc3Dd4", "object": "customer", "balance": 7}}}
    ]});
    let case = parse("t", &PathBuf::from("t.json"), &text.to_string()).unwrap();
    let golden = golden_of(&case);
    // The built-in target hands over the recording itself; `AsBytes` a copy of it.
    let itself = Logged {
        inner: ReplayTarget,
        sent: Mutex::default(),
    };
    let copied = Logged {
        inner: AsBytes,
        sent: Mutex::default(),
    };
    for target in [&itself as &dyn Target, &copied] {
        let outcome = run(&case, Some(&golden), target);
        assert!(outcome.passed(), "{outcome:#?}");
    }
    for sent in [itself.sent, copied.sent] {
        assert_eq!(
            sent.into_inner().unwrap()[1],
            "/v1/customers/cus_Aa1Bb2Cc3Dd4?b=7"
        );
    }
}

#[test]
fn query_and_version_are_sent() {
    let case = flow();
    let mut request = case.steps[2].step.request.clone();
    request.query = Some(json!({"limit": 3, "expand": ["data.customer"]}));
    let out = Outgoing::of(&request, Some("2025-11-17.clover"));
    assert_eq!(
        out.path,
        "/v1/customers/cus_Aa1Bb2Cc3Dd4/balance_transactions?expand[0]=data.customer&limit=3"
    );
    assert!(out
        .headers
        .contains(&("Stripe-Version".to_owned(), "2025-11-17.clover".to_owned())));
}

/// The replay target's answers, as bytes: what any other target hands over, so the engine
/// takes its general path (copy, correlate, normalize) rather than reusing the expected
/// snapshot.
struct AsBytes;

impl Target for AsBytes {
    fn send<'c>(&self, exchange: Exchange<'c>, request: &Outgoing) -> Sent<'c> {
        let answer = ReplayTarget.send(exchange, request)?;
        let body = match answer.body {
            Payload::Value(value) => Payload::Bytes(serde_json::to_vec(value).unwrap()),
            bytes => bytes,
        };
        Ok(Answer { body, ..answer })
    }

    fn base_url(&self) -> Option<&str> {
        None
    }
}

/// What a report shows of an outcome, durations aside.
fn shown(outcome: &CaseOutcome) -> String {
    let steps: Vec<String> = outcome
        .steps
        .iter()
        .map(|s| {
            format!(
                "{} {:?} {:?} {:?} {:?} {}",
                s.name,
                s.status,
                s.checks,
                s.failures,
                s.warnings,
                s.diff()
            )
        })
        .collect();
    format!(
        "{:?} {:?}\n{}",
        outcome.status,
        outcome.failures,
        steps.join("\n")
    )
}

#[test]
fn reusing_the_expected_snapshot_gives_the_outcome_normalizing_the_answer_gives() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let entries = crate::discover::discover(&root.join("cases")).unwrap();
    let schemas = SchemaSet::load(&root.join("schemas")).unwrap();
    let run_with = |case: &Case, golden: Option<&GoldenFile>, target: &dyn Target| {
        shown(&judged(case, golden, target, &schemas))
    };
    let mut compared = 0;
    let mut failing = 0;
    for entry in &entries {
        let case = &crate::load::load(entry).unwrap();
        let golden = GoldenFile::read(&root.join("golden"), &case.name).unwrap();
        let fast = run_with(case, golden.as_ref(), &ReplayTarget);
        assert_eq!(
            fast,
            run_with(case, golden.as_ref(), &AsBytes),
            "{}",
            case.name
        );
        // A target that hands over the recordings without saying so: their snapshots are made
        // when a step needs one, after only their symbols were taken up front.
        let late = Logged {
            inner: ReplayTarget,
            sent: Mutex::default(),
        };
        assert_eq!(
            fast,
            run_with(case, golden.as_ref(), &late),
            "{}",
            case.name
        );
        // The golden bodies checked as text give the outcome their parsed values give.
        let parsed = golden.clone().map(|mut golden| {
            for step in &mut golden.steps {
                step.body = step.body.value().unwrap().clone().into();
                assert!(step.body.text().is_none());
            }
            golden
        });
        assert_eq!(
            fast,
            run_with(case, parsed.as_ref(), &AsBytes),
            "{}",
            case.name
        );
        // A golden file that no longer matches fails both ways, with the same differences.
        if let Some(mut golden) = golden {
            golden.steps[0].body = json!({"changed": [1, 2]}).into();
            let fast = run_with(case, Some(&golden), &ReplayTarget);
            assert!(fast.contains("/body/changed"), "{fast}");
            assert_eq!(fast, run_with(case, Some(&golden), &late), "{}", case.name);
            assert_eq!(
                fast,
                run_with(case, Some(&golden), &AsBytes),
                "{}",
                case.name
            );
            failing += 1;
        }
        compared += 1;
    }
    assert!(
        compared > 100 && failing == compared,
        "{compared} cases, {failing} edited"
    );
}

#[test]
fn numbering_without_snapshots_gives_the_symbols_the_snapshots_give() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let entries = crate::discover::discover(&root.join("cases")).unwrap();
    let mut numbered = 0;
    for entry in &entries {
        let case = crate::load::load(entry).unwrap();
        let symbols = recordings(&case, &[], |response, body, _, symbols| {
            crate::normalize::number(&response.headers, body, symbols);
        })
        .symbols;
        let expected = expected(&case, &[]);
        assert_eq!(symbols, expected.symbols, "{}", case.name);
        numbered += usize::from(expected.symbols != Symbols::default());
    }
    assert!(numbered > 100, "{numbered} cases numbered an id");
}

#[test]
fn a_golden_body_too_deep_to_parse_fails_the_step_it_belongs_to() {
    let case = flow();
    let mut golden = golden_of(&case);
    golden.steps[1].body = serde_json::from_str::<GoldenStep>(&format!(
        r#"{{"name": "x", "status": 200, "body": {}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    ))
    .unwrap()
    .body;
    let outcome = run(&case, Some(&golden), &ReplayTarget);
    assert_eq!(classes(&outcome), vec![FailureClass::Golden]);
    let failure = &outcome.steps[1].failures[0];
    assert!(
        failure.message.contains("its body cannot be read")
            && failure.message.contains("recursion limit"),
        "{failure:?}"
    );
    assert!(outcome.steps[0].failures.is_empty() && outcome.steps[2].failures.is_empty());
}

#[test]
fn a_setup_step_answered_with_another_status_blocks_its_case() {
    let outcome = run_edited(|i, body, status| {
        if i == 0 {
            *status = 400;
            *body = json!({"error": {"type": "invalid_request_error", "message": "no"}});
        }
    });
    assert_eq!(outcome.status, CaseStatus::Blocked, "{outcome:#?}");
    assert_eq!(
        outcome
            .blocked_by
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("POST /v1/customers")
    );
    assert_eq!(outcome.steps[1].status, StepStatus::NotRun);
    assert_eq!(outcome.steps[2].status, StepStatus::NotRun);
    assert_eq!(outcome.steps[2].failures[0].class, FailureClass::Blocked);
}

#[test]
fn a_setup_answer_without_an_id_a_later_request_uses_blocks_its_case() {
    let target = edited(|i, body, _| {
        if i == 0 {
            body.as_object_mut().unwrap().remove("id");
        }
    });
    let case = flow();
    let golden = golden_of(&case);
    let outcome = run(&case, Some(&golden), &target);
    assert_eq!(outcome.status, CaseStatus::Blocked, "{outcome:#?}");
    let failure = &outcome.steps[1].failures[0];
    assert_eq!(failure.class, FailureClass::Template);
    assert!(
        failure.message.contains("cus_Aa1Bb2Cc3Dd4") && failure.message.contains("`create`"),
        "{failure:?}"
    );
    assert_eq!(outcome.steps[2].status, StepStatus::NotRun);
    // Nothing was sent after the step that lacked the id.
    assert_eq!(target.sent.lock().unwrap().len(), 1);
}

#[test]
fn a_setup_step_missing_an_attribute_nothing_uses_fails_without_hiding_the_subject() {
    let outcome = run_edited(|i, body, _| {
        if i == 0 {
            body.as_object_mut().unwrap().remove("balance");
        }
    });
    assert_eq!(outcome.status, CaseStatus::Failed, "{outcome:#?}");
    assert!(outcome.blocked_by.is_none());
    assert_eq!(outcome.steps[0].status, StepStatus::Failed);
    assert_eq!(
        outcome.steps[0].failures[0].pointer.as_deref(),
        Some("/body/balance")
    );
    assert_eq!(
        outcome.steps[0].failures[0].subject.as_deref(),
        Some("customer.balance")
    );
    assert_eq!(outcome.steps[1].status, StepStatus::Passed);
    assert_eq!(outcome.steps[2].status, StepStatus::Passed);
}

/// How a test target changes step `i`'s recorded body and status.
type Edit = dyn Fn(usize, &mut Value, &mut u16) + Sync;

#[test]
fn every_answer_counts_the_same_checks() {
    let case = flow();
    let golden = golden_of(&case);
    let total = |outcome: &CaseOutcome| outcome.checks().total();
    let recorded = run(&case, Some(&golden), &ReplayTarget);
    assert_eq!(recorded.checks().failed, 0);
    let edits: [&Edit; 4] = [
        &|_, body, _| *body = json!({"x": [1, 2, 3]}),
        &|_, _, status| *status = 500,
        &|i, body, _| {
            if i == 2 {
                body["data"] = json!([]);
            }
        },
        &|_, body, _| {
            body.as_object_mut()
                .unwrap()
                .insert("extra".into(), json!({"a": 1}));
        },
    ];
    for edit in edits {
        let outcome = run(&case, Some(&golden), &edited(edit));
        assert_eq!(total(&outcome), total(&recorded), "{outcome:#?}");
    }
}
