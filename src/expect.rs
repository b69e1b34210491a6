//! Known-failure lists: owns [`Expectations`], the plain-text file that names the cases a target
//! is known to fail, and [`Expectations::apply`], which marks outcomes with it.
//!
//! Format: one case name per line; `#` starts a comment; text after the name on the same line,
//! following `#`, is the reason shown in reports:
//!
//! ```text
//! # localstripe has no checkout sessions
//! checkout/sessions/create_payment_mode   # 404 unknown URL
//! ```

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::outcome::{CaseOutcome, Verdict};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// Case name -> reason (possibly empty).
    pub cases: BTreeMap<String, String>,
}

/// A line of an expectations file that is not a case name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectError {
    pub line: usize,
    pub message: String,
}

impl Expectations {
    pub fn parse(text: &str) -> Result<Expectations, ExpectError> {
        let mut cases = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let (name, reason) = match line.split_once('#') {
                Some((name, reason)) => (name.trim(), reason.trim()),
                None => (line.trim(), ""),
            };
            if name.is_empty() {
                continue;
            }
            if name.contains(char::is_whitespace) {
                return Err(ExpectError {
                    line: i + 1,
                    message: format!("`{name}` is not a case name (put reasons after `#`)"),
                });
            }
            cases.insert(name.to_owned(), reason.to_owned());
        }
        Ok(Expectations { cases })
    }

    /// Marks every listed outcome as an expected failure; returns listed names with no outcome.
    pub fn apply(&self, outcomes: &mut [CaseOutcome]) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        for outcome in outcomes.iter_mut() {
            if let Some(reason) = self.cases.get(&outcome.name) {
                outcome.expected_failure = Some(reason.clone());
                seen.insert(outcome.name.clone());
            }
        }
        self.cases
            .keys()
            .filter(|name| !seen.contains(*name))
            .cloned()
            .collect()
    }

    /// The list that matches `outcomes`: every failing case, keeping known reasons; cases not
    /// run this time (filtered out, another shard) keep their entries.
    pub fn updated(&self, outcomes: &[CaseOutcome]) -> Expectations {
        let mut cases = self.cases.clone();
        for outcome in outcomes {
            match outcome.verdict() {
                Verdict::Failed | Verdict::ExpectedFailure => {
                    let reason = self.cases.get(&outcome.name).cloned().unwrap_or_else(|| {
                        let classes: Vec<&str> =
                            outcome.classes().iter().map(|c| c.name()).collect();
                        classes.join(", ")
                    });
                    cases.insert(outcome.name.clone(), reason);
                }
                Verdict::Passed | Verdict::UnexpectedlyPassing => {
                    cases.remove(&outcome.name);
                }
                Verdict::Skipped => {}
            }
        }
        Expectations { cases }
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# Cases this target is known to fail, one per line; reasons after `#`.\n\
             # Rewrite with `conform run --expect FILE --update-expect`.\n",
        );
        let width = self.cases.keys().map(String::len).max().unwrap_or(0);
        for (name, reason) in &self.cases {
            if reason.is_empty() {
                let _ = writeln!(out, "{name}");
            } else {
                let _ = writeln!(out, "{name:width$}  # {reason}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CaseStatus, Failure, FailureClass};
    use std::path::PathBuf;

    fn outcome(name: &str, passed: bool) -> CaseOutcome {
        let mut o = CaseOutcome::broken(
            name,
            PathBuf::from("x.json"),
            Failure::new(FailureClass::Status, "x"),
        );
        if passed {
            o.status = CaseStatus::Passed;
            o.failures.clear();
        }
        o
    }

    #[test]
    fn parses_names_comments_and_reasons() {
        let e = Expectations::parse("# header\n\na/b  # no such endpoint\nc/d\n").unwrap();
        assert_eq!(e.cases.len(), 2);
        assert_eq!(e.cases["a/b"], "no such endpoint");
        assert_eq!(e.cases["c/d"], "");
        let err = Expectations::parse("ok\nnot a name\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn verdicts_follow_the_list() {
        let e = Expectations::parse("fails\npasses\ngone\n").unwrap();
        let mut outcomes = vec![
            outcome("fails", false),
            outcome("passes", true),
            outcome("new", false),
        ];
        assert_eq!(e.apply(&mut outcomes), vec!["gone".to_owned()]);
        let verdicts: Vec<Verdict> = outcomes.iter().map(|o| o.verdict()).collect();
        assert_eq!(
            verdicts,
            vec![
                Verdict::ExpectedFailure,
                Verdict::UnexpectedlyPassing,
                Verdict::Failed
            ]
        );
        let updated = e.updated(&outcomes);
        let names: Vec<&str> = updated.cases.keys().map(String::as_str).collect();
        assert_eq!(names, vec!["fails", "gone", "new"]);
        assert_eq!(updated.cases["new"], "status");
        assert_eq!(Expectations::parse(&updated.render()).unwrap(), updated);
    }
}
