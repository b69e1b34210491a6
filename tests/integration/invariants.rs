//! The invariant catalogue against the corpus: every relation holds on every recording, and
//! every one of them is shown by some recording; and a target that answers as recorded but for
//! one computed value fails the matching invariant under `--no-golden`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use conform::check::Level;
use conform::discover::Filter;
use conform::engine::Context;
use conform::invariant::{View, CATALOGUE};
use conform::outcome::FailureClass;
use conform::suite::{run, RunOptions, Suite};
use conform::target::{Answer, Exchange, Outgoing, Payload, Sent, Target};
use conform::validate::SchemaSet;

#[test]
fn every_invariant_holds_on_every_recording() {
    let suite = Suite::load(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("cases")
            .as_path(),
    )
    .expect("the corpus loads");
    let mut shown: BTreeMap<&str, usize> = CATALOGUE.iter().map(|i| (i.id, 0)).collect();
    let mut example: BTreeMap<&str, String> = BTreeMap::new();
    let mut broken = Vec::new();
    let mut cases = 0;
    for case in suite.cases() {
        cases += 1;
        let view = View::of_recordings(case);
        for invariant in CATALOGUE {
            let found = invariant.judge(&view);
            *shown.entry(invariant.id).or_default() += found.instances;
            if let Some(step) = found.first {
                example
                    .entry(invariant.id)
                    .or_insert_with(|| format!("{} step {}", case.name, step + 1));
            }
            for b in found.broken {
                broken.push(format!(
                    "{} step {} {}: {}: {}",
                    case.name,
                    b.step + 1,
                    b.pointer,
                    invariant.id,
                    b.message
                ));
            }
        }
    }
    assert!(cases > 100, "the corpus has its cases ({cases})");
    assert!(
        broken.is_empty(),
        "recordings break invariants:\n{}",
        broken.join("\n")
    );
    let unshown: Vec<&&str> = shown
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| id)
        .collect();
    assert!(unshown.is_empty(), "no recording shows {unshown:?}");
    eprintln!("instances per invariant: {shown:?}");
    // docs/invariants.md lists every invariant, with an example case the corpus has.
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/invariants.md"))
            .expect("docs/invariants.md");
    for invariant in CATALOGUE {
        let (id, example) = (invariant.id, &example[invariant.id]);
        assert!(
            docs.contains(&format!("`{id}`")),
            "docs/invariants.md lacks `{id}`; an example: {example}"
        );
    }
}

/// Answers every step with its recording, as bytes; one step of one case has one value
/// changed by `edit`.
struct OneValueOff {
    case: &'static str,
    step: &'static str,
    edit: fn(&mut Value),
}

impl Target for OneValueOff {
    fn send<'c>(&self, exchange: Exchange<'c>, _: &Outgoing) -> Sent<'c> {
        let named = &exchange.case.steps[exchange.step];
        let mut body = named.step.response.body.clone();
        if &*exchange.case.name == self.case && named.name == self.step {
            (self.edit)(&mut body);
        }
        Ok(Answer {
            status: named.step.response.status,
            headers: named.step.response.headers.clone(),
            body: Payload::Bytes(serde_json::to_vec(&body).expect("a JSON body")),
        })
    }

    fn base_url(&self) -> Option<&str> {
        None
    }
}

/// Runs one case against `target` with `--no-golden`; returns the invariants its failures
/// name, and whether any failure is of another kind.
fn broken_invariants(name: &str, target: &dyn Target) -> (BTreeSet<String>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut suite = Suite::discover(&root.join("cases")).expect("the corpus loads");
    suite.select(&Filter::new(vec![name.to_owned()]));
    let schemas = SchemaSet::load(&root.join("schemas")).expect("the schemas load");
    let ctx = Context {
        target,
        schemas: &schemas,
        level: Level::Contract,
        keep_answers: false,
    };
    let options = RunOptions {
        golden_root: root.join("no-such-golden-folder"),
        jobs: 1,
        fail_fast: false,
        no_golden: true,
    };
    let outcomes = run(&suite, ctx, &options, &|_| {});
    let outcome = outcomes
        .iter()
        .find(|o| &*o.name == name)
        .expect("the case ran");
    let mut invariants = BTreeSet::new();
    let mut others = Vec::new();
    for failure in outcome
        .failures
        .iter()
        .chain(outcome.steps.iter().flat_map(|s| &s.failures))
    {
        match (failure.class, &failure.subject) {
            (FailureClass::Invariant, Some(id)) => {
                invariants.insert(id.clone());
            }
            _ => others.push(format!("{:?} {}", failure.class, failure.message)),
        }
    }
    (invariants, others)
}

fn assert_breaks(target: OneValueOff, invariant: &str) {
    let faithful = OneValueOff {
        edit: |_| {},
        ..target
    };
    let (none, others) = broken_invariants(target.case, &faithful);
    assert!(
        none.is_empty() && others.is_empty(),
        "{}: {none:?} {others:?}",
        target.case
    );
    let (broken, others) = broken_invariants(target.case, &target);
    assert_eq!(
        broken,
        BTreeSet::from([invariant.to_owned()]),
        "{} with one value off",
        target.case
    );
    assert!(others.is_empty(), "only the invariant fails: {others:?}");
}

fn add(value: &mut Value, pointer: &str, delta: i64) {
    let slot = value.pointer_mut(pointer).expect("the value to change");
    *slot = Value::from(slot.as_i64().expect("a number") + delta);
}

#[test]
fn an_ending_balance_off_by_one_breaks_the_balance_relation() {
    let target = OneValueOff {
        case: "flows/billing_customer_balance",
        step: "credit",
        edit: |body| add(body, "/ending_balance", 1),
    };
    assert_breaks(target, "balance.ending_balance");
}

#[test]
fn a_credit_note_total_other_than_its_lines_breaks_the_sum() {
    let target = OneValueOff {
        case: "credit_notes/create_by_lines",
        step: "create",
        edit: |body| add(body, "/total", 100),
    };
    assert_breaks(target, "credit_note.sum_of_lines");
}

#[test]
fn a_summary_unchanged_by_a_void_breaks_the_available_amount() {
    let target = OneValueOff {
        case: "flows/billing_grant_summary_void",
        step: "summary_after",
        edit: |body| add(body, "/balances/0/available_balance/monetary/value", 6000),
    };
    assert_breaks(target, "credit_grant.summary_available");
}

#[test]
fn a_read_older_than_the_last_update_breaks_read_after_write() {
    let target = OneValueOff {
        case: "customers/update",
        step: "retrieve",
        edit: |body| body["description"] = Value::Null,
    };
    assert_breaks(target, "read_after_write");
}
