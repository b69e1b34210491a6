//! Known failures: owns [`Expectations`], the plain-text file that lists, per case, the checks a
//! target is known to fail, and [`Expectations::apply`], which marks outcomes with it. A listed
//! case that fails a check the file does not list is a regression and fails the run; a listed
//! check that now passes is reported as fixed. The format is documented in `docs/expectations.md`:
//!
//! ```text
//! # comment
//! customers/create_with_name   # reason, shown in reports
//!     POST /v1/customers  /body/name  missing
//!     POST /v1/customers  /status  status
//! errors/broken_case
//!     case  -  load
//! ```
//!
//! A case line without check lines below it expects the whole case to fail, whatever the checks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::check::Endpoint;
use crate::outcome::{CaseOutcome, CheckKey, FailureClass, Listed, Verdict};

/// What the file says about one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// The reason after `#`, possibly empty.
    pub reason: String,
    /// The failing checks; `None` when the case is listed without any (the whole case).
    pub checks: Option<BTreeSet<CheckKey>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    pub cases: BTreeMap<String, Expected>,
}

/// A line of an expectations file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectError {
    pub line: usize,
    pub message: String,
}

fn encode_pointer(pointer: &str) -> String {
    pointer
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('\t', "%09")
}

fn decode_pointer(text: &str) -> String {
    text.replace("%20", " ")
        .replace("%09", "\t")
        .replace("%25", "%")
}

fn parse_check(text: &str) -> Result<CheckKey, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (endpoint, pointer, kind) = match words.as_slice() {
        ["case", pointer, kind] => (None, *pointer, *kind),
        [method, path, pointer, kind] => {
            let endpoint = Endpoint::parse(&format!("{method} {path}"))
                .ok_or_else(|| format!("`{method} {path}` is not `METHOD /path`"))?;
            (Some(endpoint), *pointer, *kind)
        }
        _ => {
            return Err(format!(
                "`{text}` is not a check (`METHOD /route POINTER KIND` or `case POINTER KIND`)"
            ))
        }
    };
    let kind = FailureClass::from_name(kind).ok_or_else(|| {
        let names: Vec<&str> = FailureClass::ALL.iter().map(|c| c.name()).collect();
        format!("unknown kind `{kind}`; one of {}", names.join(", "))
    })?;
    Ok(CheckKey {
        endpoint,
        pointer: decode_pointer(pointer),
        kind,
    })
}

fn render_check(key: &CheckKey) -> String {
    let pointer = encode_pointer(&key.pointer);
    match &key.endpoint {
        Some(e) => format!("{} {}  {pointer}  {}", e.method, e.path, key.kind.name()),
        None => format!("case  {pointer}  {}", key.kind.name()),
    }
}

impl Expectations {
    pub fn parse(text: &str) -> Result<Expectations, ExpectError> {
        let mut cases: BTreeMap<String, Expected> = BTreeMap::new();
        let mut current: Option<String> = None;
        for (i, line) in text.lines().enumerate() {
            let error = |message: String| ExpectError {
                line: i + 1,
                message,
            };
            let (body, reason) = match line.split_once('#') {
                Some((body, reason)) => (body, reason.trim()),
                None => (line, ""),
            };
            if body.trim().is_empty() {
                continue;
            }
            if body.starts_with(char::is_whitespace) {
                let Some(name) = &current else {
                    return Err(error("a check line comes before any case name".to_owned()));
                };
                let key = parse_check(body.trim()).map_err(error)?;
                if let Some(entry) = cases.get_mut(name) {
                    entry.checks.get_or_insert_with(BTreeSet::new).insert(key);
                }
                continue;
            }
            let name = body.trim();
            if name.contains(char::is_whitespace) {
                return Err(error(format!(
                    "`{name}` is not a case name (put reasons after `#`, checks on indented lines)"
                )));
            }
            cases.entry(name.to_owned()).or_default().reason = reason.to_owned();
            current = Some(name.to_owned());
        }
        Ok(Expectations { cases })
    }

    /// Marks every listed outcome: expected, with its regressions (failing checks not listed)
    /// and fixed checks (listed, no longer failing). Returns listed names with no outcome.
    pub fn apply(&self, outcomes: &mut [CaseOutcome]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        for outcome in outcomes.iter_mut() {
            let Some(expected) = self.cases.get(&*outcome.name) else {
                continue;
            };
            seen.insert(outcome.name.to_string());
            let mut entry = Listed {
                reason: expected.reason.clone(),
                ..Listed::default()
            };
            if let Some(listed) = &expected.checks {
                let failing: BTreeSet<CheckKey> = outcome.failing_checks().into_iter().collect();
                entry.regressions = failing.difference(listed).cloned().collect();
                entry.fixed = listed.difference(&failing).cloned().collect();
            }
            outcome.listed = Some(Box::new(entry));
        }
        self.cases
            .keys()
            .filter(|name| !seen.contains(*name))
            .cloned()
            .collect()
    }

    /// The file that matches `outcomes`: every failing case with its failing checks, keeping
    /// known reasons; cases not run this time (filtered out, another shard) keep their entries.
    pub fn updated(&self, outcomes: &[CaseOutcome]) -> Expectations {
        let mut cases = self.cases.clone();
        for outcome in outcomes {
            if outcome.verdict() == Verdict::Skipped {
                continue;
            }
            let failing = outcome.failing_checks();
            if failing.is_empty() {
                cases.remove(&*outcome.name);
                continue;
            }
            let reason = self
                .cases
                .get(&*outcome.name)
                .map(|e| e.reason.clone())
                .unwrap_or_default();
            cases.insert(
                outcome.name.to_string(),
                Expected {
                    reason,
                    checks: Some(failing.into_iter().collect()),
                },
            );
        }
        Expectations { cases }
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# Checks this target is known to fail, per case (format: docs/expectations.md).\n\
             # Rewrite with `conform run --expect FILE --update-expect`; review the diff.\n",
        );
        for (name, expected) in &self.cases {
            if expected.reason.is_empty() {
                let _ = writeln!(out, "{name}");
            } else {
                let _ = writeln!(out, "{name}  # {}", expected.reason);
            }
            for key in expected.checks.iter().flatten() {
                let _ = writeln!(out, "    {}", render_check(key));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CaseStatus, Failure, StepOutcome, StepStatus};
    use std::path::PathBuf;

    fn outcome(name: &str, failures: &[(&str, FailureClass)]) -> CaseOutcome {
        let mut o = CaseOutcome::broken(
            name,
            PathBuf::from("x.json"),
            Failure::new(FailureClass::Load, "x"),
        );
        o.failures.clear();
        let mut step = StepOutcome::start("s", "POST", "/v1/customers", StepStatus::Passed);
        step.failures = failures
            .iter()
            .map(|(p, c)| Failure::at(*c, *p, "x"))
            .collect();
        if !failures.is_empty() {
            step.status = StepStatus::Failed;
        }
        o.status = if failures.is_empty() {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        };
        o.steps = vec![step];
        o
    }

    const FILE: &str = "# header\n\
        fails  # no names\n    POST /v1/customers  /body/name  missing\n\
        passes\n    POST /v1/customers  /status  status\n\
        coarse\n\
        gone\n";

    #[test]
    fn parses_cases_checks_and_reasons() {
        let e = Expectations::parse(FILE).unwrap();
        assert_eq!(e.cases.len(), 4);
        assert_eq!(e.cases["fails"].reason, "no names");
        assert_eq!(e.cases["fails"].checks.as_ref().unwrap().len(), 1);
        assert_eq!(e.cases["coarse"].checks, None);
        let err = Expectations::parse("ok\nnot a name\n").unwrap_err();
        assert_eq!(err.line, 2);
        let err = Expectations::parse("ok\n    POST /v1/x  /a  nonsense\n").unwrap_err();
        assert!(err.message.contains("unknown kind"), "{}", err.message);
        let err = Expectations::parse("    POST /v1/x  /a  status\n").unwrap_err();
        assert_eq!(err.line, 1);
    }

    #[test]
    fn a_new_failing_check_in_a_listed_case_is_a_regression() {
        let e = Expectations::parse(FILE).unwrap();
        let mut outcomes = vec![
            outcome("coarse", &[("/body/a", FailureClass::Changed)]),
            outcome(
                "fails",
                &[
                    ("/body/name", FailureClass::Missing),
                    ("/body/email", FailureClass::Missing),
                ],
            ),
            outcome("new", &[("/status", FailureClass::Status)]),
            outcome("passes", &[]),
        ];
        assert_eq!(e.apply(&mut outcomes), vec!["gone".to_owned()]);
        let verdicts: Vec<Verdict> = outcomes.iter().map(|o| o.verdict()).collect();
        assert_eq!(
            verdicts,
            vec![
                Verdict::ExpectedFailure,
                Verdict::Failed,
                Verdict::Failed,
                Verdict::UnexpectedlyPassing
            ]
        );
        assert_eq!(outcomes[1].regressions().len(), 1);
        assert_eq!(outcomes[1].regressions()[0].pointer, "/body/email");
        let json = serde_json::to_value(&outcomes[1]).unwrap();
        assert!(json["expected_failure"].is_string(), "{json}");
        assert_eq!(json["regressions"][0]["pointer"], "/body/email");
        // A case the file does not list carries no expectation fields.
        assert!(outcomes[2].listed.is_none());
        let unlisted = serde_json::to_value(&outcomes[2]).unwrap();
        assert!(unlisted.get("expected_failure").is_none(), "{unlisted}");
        let updated = e.updated(&outcomes);
        let names: Vec<&str> = updated.cases.keys().map(String::as_str).collect();
        assert_eq!(names, vec!["coarse", "fails", "gone", "new"]);
        assert_eq!(updated.cases["fails"].checks.as_ref().unwrap().len(), 2);
        assert_eq!(updated.cases["fails"].reason, "no names");
        assert_eq!(Expectations::parse(&updated.render()).unwrap(), updated);
    }

    #[test]
    fn fixed_checks_are_reported_without_failing() {
        let e = Expectations::parse(
            "c\n    POST /v1/customers  /body/name  missing\n    POST /v1/customers  /body/a%20b  changed\n",
        )
        .unwrap();
        let keys = e.cases["c"].checks.as_ref().unwrap();
        assert!(keys.iter().any(|k| k.pointer == "/body/a b"));
        let mut outcomes = vec![outcome("c", &[("/body/name", FailureClass::Missing)])];
        e.apply(&mut outcomes);
        assert_eq!(outcomes[0].verdict(), Verdict::ExpectedFailure);
        assert_eq!(outcomes[0].fixed().len(), 1);
        assert!(e.render().contains("/body/a%20b  changed"));
    }
}
