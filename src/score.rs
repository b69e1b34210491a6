//! Scores: owns [`EndpointScore`] (checks and cases per endpoint) and [`RankedDifference`]
//! (failing checks grouped by endpoint, pointer and kind, most cases first): what a maintainer
//! reads first to know what to fix. Pure functions over sorted outcomes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::check::{Endpoint, Tally};
use crate::outcome::{CaseOutcome, CaseStatus, CheckKey, FailureClass, StepStatus};

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

/// Checks and cases per endpoint, sorted by path then method. Every charged step counts for
/// its own endpoint; a case counts once for each endpoint its steps reach: failed when a charged
/// step there failed, blocked when its steps there were not charged, passed otherwise.
pub fn endpoint_scores(outcomes: &[CaseOutcome]) -> Vec<EndpointScore> {
    let mut checks: BTreeMap<Endpoint, Tally> = BTreeMap::new();
    let mut cases: BTreeMap<Endpoint, CaseTally> = BTreeMap::new();
    for outcome in outcomes {
        if outcome.status == CaseStatus::Skipped {
            continue;
        }
        // endpoint -> (any charged failure, any charged step)
        let mut reached: BTreeMap<&Endpoint, (bool, bool)> = BTreeMap::new();
        for step in &outcome.steps {
            let entry = reached.entry(&step.endpoint).or_default();
            if step.charged && step.status != StepStatus::NotRun {
                checks
                    .entry(step.endpoint.clone())
                    .or_default()
                    .add(step.checks);
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

/// One kind of failing check and how far it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedDifference {
    pub method: String,
    pub path: String,
    pub pointer: String,
    pub kind: FailureClass,
    pub steps: usize,
    pub cases: usize,
    /// The first case it touches, by name.
    pub example: String,
}

/// Failing checks of charged steps, grouped by (endpoint, pointer, kind), most cases first,
/// then most steps, then by key.
pub fn ranked_differences(outcomes: &[CaseOutcome]) -> Vec<RankedDifference> {
    let mut groups: BTreeMap<CheckKey, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for outcome in outcomes {
        for step in outcome.steps.iter().filter(|s| s.charged) {
            let keys: BTreeSet<CheckKey> = step
                .failures
                .iter()
                .map(|f| CheckKey::new(Some(&step.endpoint), f))
                .collect();
            for key in keys {
                let entry = groups.entry(key).or_default();
                entry.0 += 1;
                entry.1.insert(&outcome.name);
            }
        }
    }
    let mut ranked: Vec<RankedDifference> = groups
        .into_iter()
        .filter_map(|(key, (steps, cases))| {
            let endpoint = key.endpoint?;
            Some(RankedDifference {
                method: endpoint.method.to_string(),
                path: endpoint.path.to_string(),
                pointer: key.pointer,
                kind: key.kind,
                steps,
                cases: cases.len(),
                example: cases.first().map(|c| (*c).to_owned()).unwrap_or_default(),
            })
        })
        .collect();
    // Equal reach: behaviour (status, values, ids, order) before shape (missing, added, schema).
    ranked.sort_by(|a, b| {
        (b.cases, b.steps)
            .cmp(&(a.cases, a.steps))
            .then_with(|| a.kind.rank().cmp(&b.kind.rank()))
            .then_with(|| (&a.path, &a.method, &a.pointer).cmp(&(&b.path, &b.method, &b.pointer)))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Failure, StepOutcome};
    use std::path::PathBuf;

    fn case(name: &str, steps: Vec<StepOutcome>) -> CaseOutcome {
        let mut outcome = CaseOutcome::broken(
            name,
            PathBuf::from("x.json"),
            Failure::new(FailureClass::Load, ""),
        );
        outcome.failures.clear();
        outcome.status = if steps.iter().any(|s| s.status == StepStatus::Failed) {
            CaseStatus::Failed
        } else {
            CaseStatus::Passed
        };
        outcome.steps = steps;
        outcome
    }

    fn step(
        method: &str,
        path: &str,
        failures: &[(&str, FailureClass)],
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
            .map(|(p, c)| Failure::at(*c, *p, "x"))
            .collect();
        s.checks = Tally {
            passed,
            failed: failures.len(),
            warned: 0,
        };
        s
    }

    #[test]
    fn steps_count_for_their_own_endpoint() {
        let outcomes = vec![
            case(
                "a",
                vec![
                    step(
                        "POST",
                        "/v1/customers",
                        &[("/body/name", FailureClass::Missing)],
                        9,
                    ),
                    step("GET", "/v1/customers/cus_1A2b3C4d", &[], 5),
                ],
            ),
            case(
                "b",
                vec![step(
                    "POST",
                    "/v1/customers",
                    &[("/body/name", FailureClass::Missing)],
                    9,
                )],
            ),
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
        let ranked = ranked_differences(&outcomes);
        assert_eq!(ranked.len(), 1);
        assert_eq!((ranked[0].cases, ranked[0].steps), (2, 2));
        assert_eq!(ranked[0].pointer, "/body/name");
    }

    #[test]
    fn uncharged_steps_count_as_blocked() {
        let mut blocked = step(
            "POST",
            "/v1/invoices",
            &[("/status", FailureClass::Status)],
            0,
        );
        blocked.charged = false;
        let outcomes = vec![case(
            "a",
            vec![
                step(
                    "POST",
                    "/v1/prices",
                    &[("/status", FailureClass::Status)],
                    0,
                ),
                blocked,
            ],
        )];
        let scores = endpoint_scores(&outcomes);
        let invoices = scores.iter().find(|s| s.path == "/v1/invoices").unwrap();
        assert_eq!(invoices.cases.blocked, 1);
        assert_eq!(invoices.checks, Tally::default());
        let ranked = ranked_differences(&outcomes);
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].path, "/v1/prices");
    }
}
