//! Scores: owns [`EndpointScore`] (checks and cases per endpoint) and [`FixFirst`] (failing
//! checks grouped by what an implementer changes, ranked by the cases fixing each would turn
//! green): what a maintainer reads first to know what to fix. Pure functions over sorted
//! outcomes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::check::{Endpoint, Tally};
use crate::outcome::{CaseOutcome, CaseStatus, Failure, FailureClass, StepStatus};

/// Cases per endpoint, by how they went there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTally {
    pub passed: usize,
    pub failed: usize,
    pub blocked: usize,
}

/// The checks and cases of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointScore {
    pub method: String,
    /// The route template (`/v1/customers/{customer}`).
    pub path: String,
    pub checks: Tally,
    pub cases: CaseTally,
}

/// Checks and cases per endpoint, sorted by path then method. Every step counts its checks
/// for its own endpoint, steps not run included (they fail all of theirs); a case counts once
/// for each endpoint its steps reach: failed when a step there failed, blocked when its steps
/// there did not run, passed otherwise.
pub fn endpoint_scores(outcomes: &[CaseOutcome]) -> Vec<EndpointScore> {
    let mut checks: BTreeMap<Endpoint, Tally> = BTreeMap::new();
    let mut cases: BTreeMap<Endpoint, CaseTally> = BTreeMap::new();
    for outcome in outcomes {
        if outcome.status == CaseStatus::Skipped {
            continue;
        }
        // endpoint -> (any failure, any step that ran)
        let mut reached: BTreeMap<&Endpoint, (bool, bool)> = BTreeMap::new();
        for step in &outcome.steps {
            let entry = reached.entry(&step.endpoint).or_default();
            checks
                .entry(step.endpoint.clone())
                .or_default()
                .add(step.checks);
            if step.status != StepStatus::NotRun {
                entry.1 = true;
                entry.0 |= step.status == StepStatus::Failed;
            }
        }
        for (endpoint, (failed, charged)) in reached {
            let tally = cases.entry(endpoint.clone()).or_default();
            match (failed, charged) {
                (true, _) => tally.failed += 1,
                (false, false) => tally.blocked += 1,
                (false, true) if !outcome.failures.is_empty() => tally.failed += 1,
                (false, true) => tally.passed += 1,
            }
        }
    }
    let mut scores: Vec<EndpointScore> = cases
        .into_iter()
        .map(|(endpoint, cases)| EndpointScore {
            checks: checks.get(&endpoint).copied().unwrap_or_default(),
            method: endpoint.method.to_string(),
            path: endpoint.path.to_string(),
            cases,
        })
        .collect();
    scores.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    scores
}

/// One thing an implementer changes, and how far fixing it reaches: an attribute of an object
/// type wherever that object appears (`customer.test_clock missing`), or, for what sits in no
/// typed object (a status, an error code), a pointer at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixFirst {
    /// `customer.test_clock`, or `POST /v1/customers /status`.
    pub what: String,
    pub kind: FailureClass,
    /// Every endpoint where it fails, sorted.
    pub endpoints: Vec<String>,
    pub steps: usize,
    pub cases: usize,
    /// Cases where it is the only failing entry: fixing it would turn them green.
    pub turns_green: usize,
    /// The first case it touches, by name.
    pub example: String,
}

/// The fix-first entry a failure of a step at `endpoint` belongs to.
fn entry_of(endpoint: &Endpoint, failure: &Failure) -> (String, FailureClass) {
    let what = match (&failure.subject, failure.pointer.as_deref()) {
        (Some(subject), _) => subject.clone(),
        (None, Some(pointer)) => format!("{endpoint} {}", crate::pointer::pattern(Some(pointer))),
        (None, None) => endpoint.to_string(),
    };
    (what, failure.class)
}

/// Failing checks of the steps that ran, grouped by what an implementer changes, ranked by the
/// cases fixing each would turn green, then by steps, then behaviour before shape. A case's
/// own failures (its files) and steps not run (they fail because of the step that stopped the
/// case) form no entry.
pub fn fix_first(outcomes: &[CaseOutcome]) -> Vec<FixFirst> {
    #[derive(Default)]
    struct Reach<'a> {
        endpoints: BTreeSet<String>,
        steps: usize,
        cases: BTreeSet<&'a str>,
        green: usize,
    }
    let mut groups: BTreeMap<(String, FailureClass), Reach> = BTreeMap::new();
    for outcome in outcomes {
        let mut in_case: BTreeSet<(String, FailureClass)> = BTreeSet::new();
        for step in outcome.steps.iter().filter(|s| s.charged) {
            let keys: BTreeSet<(String, FailureClass)> = step
                .failures
                .iter()
                .map(|f| entry_of(&step.endpoint, f))
                .collect();
            for key in keys {
                let reach = groups.entry(key.clone()).or_default();
                reach.endpoints.insert(step.endpoint.to_string());
                reach.steps += 1;
                reach.cases.insert(&outcome.name);
                in_case.insert(key);
            }
        }
        if in_case.len() == 1 && outcome.failures.is_empty() {
            if let Some(reach) = in_case.iter().next().and_then(|k| groups.get_mut(k)) {
                reach.green += 1;
            }
        }
    }
    let mut ranked: Vec<FixFirst> = groups
        .into_iter()
        .map(|((what, kind), reach)| FixFirst {
            what,
            kind,
            endpoints: reach.endpoints.into_iter().collect(),
            steps: reach.steps,
            cases: reach.cases.len(),
            turns_green: reach.green,
            example: reach
                .cases
                .first()
                .map(|c| (*c).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    ranked.sort_by(|a, b| {
        (b.turns_green, b.steps, b.cases)
            .cmp(&(a.turns_green, a.steps, a.cases))
            .then_with(|| a.kind.rank().cmp(&b.kind.rank()))
            .then_with(|| (&a.what, a.kind).cmp(&(&b.what, b.kind)))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::StepOutcome;
    use std::path::PathBuf;

    fn case(name: &str, steps: Vec<StepOutcome>) -> CaseOutcome {
        let mut outcome = CaseOutcome::broken(
            name,
            PathBuf::from("x.json"),
            Failure::new(FailureClass::Load, ""),
        );
        outcome.failures.clear();
        outcome.status = if steps.iter().any(|s| s.status != StepStatus::Passed) {
            CaseStatus::Failed
        } else {
            CaseStatus::Passed
        };
        outcome.steps = steps;
        outcome
    }

    /// A step with failures at (pointer, class, subject).
    fn step(
        method: &str,
        path: &str,
        failures: &[(&str, FailureClass, Option<&str>)],
        passed: usize,
    ) -> StepOutcome {
        let status = if failures.is_empty() {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        let mut s = StepOutcome::start("s", method, path, status);
        s.failures = failures
            .iter()
            .map(|(p, c, subject)| {
                let mut f = Failure::at(*c, *p, "x");
                f.subject = subject.map(str::to_owned);
                f
            })
            .collect();
        s.checks = Tally {
            passed,
            failed: failures.len(),
            ..Tally::default()
        };
        s
    }

    #[test]
    fn steps_count_for_their_own_endpoint() {
        let name = ("/body/name", FailureClass::Missing, Some("customer.name"));
        let outcomes = vec![
            case(
                "a",
                vec![
                    step("POST", "/v1/customers", &[name], 9),
                    step("GET", "/v1/customers/cus_1A2b3C4d", &[], 5),
                ],
            ),
            case("b", vec![step("POST", "/v1/customers", &[name], 9)]),
        ];
        let scores = endpoint_scores(&outcomes);
        let paths: Vec<String> = scores
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect();
        assert_eq!(
            paths,
            ["POST /v1/customers", "GET /v1/customers/{customer}"]
        );
        assert_eq!(scores[0].checks.passed, 18);
        assert_eq!(scores[0].checks.failed, 2);
        assert_eq!(scores[0].cases.failed, 2);
        assert_eq!(scores[1].cases.passed, 1);
        let ranked = fix_first(&outcomes);
        assert_eq!(ranked.len(), 1);
        assert_eq!((ranked[0].cases, ranked[0].steps), (2, 2));
        assert_eq!(ranked[0].what, "customer.name");
        assert_eq!(ranked[0].turns_green, 2);
    }

    #[test]
    fn one_attribute_across_endpoints_is_one_entry_ranked_by_cases_it_turns_green() {
        let clock = (
            "/body/test_clock",
            FailureClass::Missing,
            Some("customer.test_clock"),
        );
        let listed = (
            "/body/data/0/test_clock",
            FailureClass::Missing,
            Some("customer.test_clock"),
        );
        let status = ("/status", FailureClass::Status, None);
        let outcomes = vec![
            case("a", vec![step("POST", "/v1/customers", &[clock], 1)]),
            case("b", vec![step("GET", "/v1/customers", &[listed], 1)]),
            // Three steps with another status, but never alone in a case.
            case(
                "c",
                vec![
                    step("POST", "/v1/invoices", &[status], 0),
                    step("POST", "/v1/invoices", &[status], 0),
                    step("GET", "/v1/customers/cus_1A2b3C4d", &[clock], 0),
                ],
            ),
        ];
        let ranked = fix_first(&outcomes);
        assert_eq!(ranked[0].what, "customer.test_clock");
        assert_eq!(ranked[0].turns_green, 2);
        assert_eq!(ranked[0].steps, 3);
        assert_eq!(ranked[0].endpoints.len(), 3);
        assert_eq!(ranked[1].what, "POST /v1/invoices /status");
        assert_eq!(ranked[1].turns_green, 0);
    }

    #[test]
    fn steps_not_run_count_their_checks_as_failed_and_form_no_entry() {
        let mut not_run = step(
            "POST",
            "/v1/invoices",
            &[("-", FailureClass::Blocked, None)],
            0,
        );
        not_run.status = StepStatus::NotRun;
        not_run.charged = false;
        not_run.checks.failed = 7;
        let outcomes = vec![case(
            "a",
            vec![
                step(
                    "POST",
                    "/v1/prices",
                    &[("/status", FailureClass::Status, None)],
                    0,
                ),
                not_run,
            ],
        )];
        let scores = endpoint_scores(&outcomes);
        let invoices = scores.iter().find(|s| s.path == "/v1/invoices").unwrap();
        assert_eq!(invoices.cases.blocked, 1);
        assert_eq!(invoices.checks.failed, 7);
        let ranked = fix_first(&outcomes);
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].what, "POST /v1/prices /status");
        assert_eq!(ranked[0].turns_green, 1);
    }
}
