//! Scores over the whole corpus through the library: every target counts the same checks, a
//! deviation in setup steps does not hide their subjects, and the fix-first list names what to
//! change.

use std::path::Path;

use serde_json::Value;

use conform::check::Level;
use conform::engine::Context;
use conform::outcome::{CaseOutcome, FailureClass, Summary};
use conform::score::{endpoint_scores, fix_first};
use conform::suite::{run, RunOptions, Suite};
use conform::target::{
    Answer, Exchange, Outgoing, Payload, ReplayTarget, Sent, Target, TargetConfig,
};
use conform::validate::SchemaSet;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The whole corpus against `target` at `level`.
fn run_corpus(target: &dyn Target, level: Level) -> Vec<CaseOutcome> {
    let suite = Suite::discover(&root().join("cases")).unwrap();
    let schemas = SchemaSet::load(&root().join("schemas")).unwrap();
    let ctx = Context {
        target,
        schemas: &schemas,
        level,
        keep_answers: false,
    };
    let options = RunOptions {
        golden_root: root().join("golden"),
        jobs: 2,
        fail_fast: false,
        no_golden: false,
    };
    run(&suite, ctx, &options, &|_| {})
}

/// Answers every step with its recording after `edit` has changed it, as bytes over the wire
/// would be.
struct Edited(fn(&mut Value));

impl Target for Edited {
    fn send<'c>(&self, exchange: Exchange<'c>, _: &Outgoing) -> Sent<'c> {
        let response = &exchange.case.steps[exchange.step].step.response;
        let mut body = response.body.clone();
        (self.0)(&mut body);
        Ok(Answer {
            status: response.status,
            headers: response.headers.clone(),
            body: Payload::Bytes(serde_json::to_vec(&body).unwrap()),
        })
    }

    fn base_url(&self) -> Option<&str> {
        None
    }
}

/// Calls `visit` on every object of `value` whose `object` is `customer`.
fn each_customer(value: &mut Value, visit: &mut dyn FnMut(&mut serde_json::Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            if map.get("object").and_then(Value::as_str) == Some("customer") {
                visit(map);
            }
            map.values_mut().for_each(|v| each_customer(v, visit));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| each_customer(v, visit)),
        _ => {}
    }
}

fn without_test_clock(body: &mut Value) {
    each_customer(body, &mut |customer| {
        customer.remove("test_clock");
    });
}

fn changed_amounts(body: &mut Value) {
    if let Some(Value::Number(n)) = body.get("amount") {
        let more = n.as_i64().unwrap_or(0) + 1;
        body["amount"] = more.into();
    }
    if let Some(map) = body.as_object_mut() {
        map.insert("added_by_target".into(), Value::Bool(true));
    }
}

/// A URL on 127.0.0.1 where nothing listens.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The names of the cases only the built-in target answers.
fn replay_only() -> Vec<String> {
    let suite = Suite::load(&root().join("cases")).unwrap();
    suite
        .cases()
        .filter(|c| c.replay_only)
        .map(|c| c.name.to_string())
        .collect()
}

#[test]
fn every_target_counts_the_same_checks_at_each_level() {
    let closed = TargetConfig::for_url(Some(closed_port())).build().unwrap();
    let only_replayed = replay_only();
    for level in [Level::Strict, Level::Contract] {
        // The built-in target also answers the cases only it can; other targets skip them.
        let mut outcomes = run_corpus(&ReplayTarget, level);
        outcomes.retain(|o| !only_replayed.iter().any(|n| **n == *o.name));
        let builtin = Summary::of(&outcomes).checks;
        assert!(builtin.total() > 1000 && builtin.failed == 0, "{builtin:?}");
        let changed = Summary::of(&run_corpus(&Edited(changed_amounts), level)).checks;
        let refused = Summary::of(&run_corpus(closed.as_ref(), level)).checks;
        assert!(changed.failed > 0 && changed.added > 0, "{changed:?}");
        assert_eq!(refused.passed + refused.warned, 0, "{refused:?}");
        assert_eq!(changed.total(), builtin.total(), "{level:?}");
        assert_eq!(refused.total(), builtin.total(), "{level:?}");
    }
}

/// Whether any recording of a step at this endpoint holds a customer with a `test_clock`.
fn returns_customers(outcomes: &[CaseOutcome]) -> std::collections::BTreeSet<String> {
    let suite = Suite::load(&root().join("cases")).unwrap();
    let mut endpoints = std::collections::BTreeSet::new();
    for case in suite.cases() {
        let outcome = outcomes.iter().find(|o| o.name == case.name).unwrap();
        for (named, step) in case.steps.iter().zip(&outcome.steps) {
            let mut body = named.step.response.body.clone();
            let mut found = false;
            each_customer(&mut body, &mut |c| found |= c.contains_key("test_clock"));
            if found {
                endpoints.insert(step.endpoint.to_string());
            }
        }
    }
    endpoints
}

#[test]
fn one_attribute_missing_from_every_customer_blocks_nothing_and_comes_first_to_fix() {
    let outcomes = run_corpus(&Edited(without_test_clock), Level::Contract);
    let summary = Summary::of(&outcomes);
    assert_eq!(summary.blocked, 0, "{}", summary.line());
    assert!(summary.failed > 50, "{}", summary.line());
    let with_customers = returns_customers(&outcomes);
    for score in endpoint_scores(&outcomes) {
        let endpoint = format!("{} {}", score.method, score.path);
        if !with_customers.contains(&endpoint) {
            assert_eq!(score.checks.failed, 0, "{endpoint}: {:?}", score.checks);
            assert_eq!(score.checks.percent(), Some(100.0), "{endpoint}");
        }
    }
    let fixes = fix_first(&outcomes);
    assert_eq!(fixes[0].what, "customer.test_clock");
    assert_eq!(fixes[0].kind, FailureClass::Missing);
    // It is the only thing failing, so fixing it turns every failing case green.
    assert_eq!(fixes[0].turns_green, summary.failed);
    assert_eq!(fixes.len(), 1, "{fixes:?}");
}
