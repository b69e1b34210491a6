//! Levels: owns [`Level`] (how strictly an answer is judged), [`CheckVerdict`], [`Tally`]
//! (passed, failed, warned and added checks) and [`judge`], the one place that decides whether a
//! difference fails or only warns. The rules of each level are documented, with examples, in
//! `docs/levels.md`.

use serde::{Deserialize, Serialize};

use crate::compare::{DiffKind, Difference};

/// How strictly answers are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Every difference from the golden file fails (the default of the built-in target and
    /// of `bless`).
    #[default]
    Strict,
    /// Only what the API's versioning policy promises fails; backwards-compatible differences
    /// (added attributes, message wording, documentation links, extra headers, the shape of
    /// generated ids) are warnings. The default of `--target`.
    Contract,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Strict, Level::Contract];

    /// The level named `name` (`strict` or `contract`, any case).
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Strict => "strict",
            Level::Contract => "contract",
        }
    }
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckVerdict {
    Passed,
    Failed,
    /// A difference the level does not count as a failure; shown and counted.
    Warned,
}

/// Passed, failed and warned checks, and attributes the target added (counted apart: they
/// are not among the checks the golden files define, so not in the total).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    #[serde(default)]
    pub added: usize,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.warned += other.warned;
        self.added += other.added;
    }

    /// Every check counted: passed, failed and warned (not the added attributes).
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.warned
    }

    /// Passed and warned checks as a share of all checks, in percent (`None` without checks).
    pub fn percent(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| (self.passed + self.warned) as f64 * 100.0 / total as f64)
    }
}

/// Attribute names whose value is documentation for people, never contract: at `contract`
/// a difference there is a warning.
const NON_CONTRACTUAL_KEYS: &[&str] = &["request_log_url", "doc_url"];

/// Whether a difference fails the step or only warns at `level`.
///
/// At `strict` every difference fails. At `contract`, warnings are: attributes the target adds
/// (`added` under `/body`), a changed error `message`, `request_log_url` and `doc_url` anywhere,
/// headers other than `Content-Type`, and a generated id whose length or format differs (the
/// golden side is an id symbol and the target answered a string with the same object prefix
/// that is not API-shaped). An extra list item is not an added attribute: it fails.
pub fn judge(difference: &Difference, level: Level) -> CheckVerdict {
    if level == Level::Strict {
        return CheckVerdict::Failed;
    }
    let pointer = difference.pointer.as_str();
    if let Some(header) = pointer.strip_prefix("/headers/") {
        return if header == "content-type" {
            CheckVerdict::Failed
        } else {
            CheckVerdict::Warned
        };
    }
    let last = pointer.rsplit('/').next().unwrap_or("");
    if NON_CONTRACTUAL_KEYS.contains(&last) {
        return CheckVerdict::Warned;
    }
    if pointer == "/body/error/message" && difference.kind == DiffKind::Changed {
        return CheckVerdict::Warned;
    }
    // An attribute the target adds; an extra item in a list is not an attribute.
    if pointer.starts_with("/body")
        && difference.kind == DiffKind::Added
        && last.parse::<usize>().is_err()
    {
        return CheckVerdict::Warned;
    }
    if difference.kind == DiffKind::Changed && id_format_only(difference) {
        return CheckVerdict::Warned;
    }
    CheckVerdict::Failed
}

/// The golden side is an id symbol (`"<cus_1>"`) and the target answered a string with the same
/// object prefix (`"cus_..."`) that is not an id as the API shapes them: the target's ids have
/// another length or format.
fn id_format_only(difference: &Difference) -> bool {
    let (Some(expected), Some(actual)) = (&difference.expected, &difference.actual) else {
        return false;
    };
    let prefix = expected
        .strip_prefix("\"<")
        .and_then(|s| s.strip_suffix(">\""))
        .and_then(|inner| inner.rsplit_once('_'))
        .filter(|(_, n)| n.parse::<u32>().is_ok())
        .map(|(prefix, _)| prefix);
    let Some(prefix) = prefix else {
        return false;
    };
    let Some(actual) = actual.strip_prefix('"').and_then(|a| a.strip_suffix('"')) else {
        return false;
    };
    // The same symbol, marked as an id shaped otherwise (`<cus_1*>` for `<cus_1>`).
    if expected
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix(">\""))
        .is_some_and(|head| actual.strip_suffix("*>") == Some(head))
    {
        return true;
    }
    actual
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::compare::difference as diff;

    #[test]
    fn strict_fails_everything() {
        for d in [
            diff("/body/extra", DiffKind::Added, "", "1"),
            diff("/body/error/message", DiffKind::Changed, "\"a\"", "\"b\""),
            diff("/headers/x-y", DiffKind::Missing, "\"1\"", ""),
        ] {
            assert_eq!(judge(&d, Level::Strict), CheckVerdict::Failed);
        }
    }

    #[test]
    fn contract_warns_only_on_compatible_differences() {
        use CheckVerdict::{Failed, Warned};
        use DiffKind::{Added, Changed, Missing};
        let cases = [
            ("/body/extra", Added, "", "1", Warned),
            ("/body/error/message", Changed, "\"a\"", "\"b\"", Warned),
            ("/body/error/doc_url", Changed, "\"a\"", "\"b\"", Warned),
            ("/body/error/request_log_url", Missing, "\"a\"", "", Warned),
            ("/headers/stripe-version", Missing, "\"1\"", "", Warned),
            ("/body/id", Changed, "\"<cus_1>\"", "\"cus_short\"", Warned),
            (
                "/body/id",
                Changed,
                "\"<prod_1>\"",
                "\"prod_-r3AW-x_9\"",
                Warned,
            ),
            ("/body/id", Changed, "\"<prod_1>\"", "\"prod_a b\"", Failed),
            ("/body/id", Changed, "\"<cus_1>\"", "\"42\"", Failed),
            ("/body/data/3", Added, "", "{}", Failed),
            ("/status", Changed, "200", "201", Failed),
            ("/body/name", Missing, "\"x\"", "", Failed),
            ("/body/amount", Changed, "1", "2", Failed),
            ("/body/error/type", Changed, "\"a\"", "\"b\"", Failed),
            ("/body/error/code", Changed, "\"a\"", "\"b\"", Failed),
            ("/body/error/param", Changed, "\"a\"", "\"b\"", Failed),
            ("/headers/content-type", Changed, "\"a\"", "\"b\"", Failed),
            (
                "/body/customer",
                Changed,
                "\"<cus_1>\"",
                "\"<cus_2>\"",
                Failed,
            ),
            ("/body/customer", Changed, "\"<cus_1>\"", "null", Failed),
        ];
        for (pointer, kind, expected, actual, verdict) in cases {
            let d = diff(pointer, kind, expected, actual);
            assert_eq!(judge(&d, Level::Contract), verdict, "{d}");
        }
    }

    #[test]
    fn tally_percent() {
        let t = Tally {
            passed: 3,
            failed: 1,
            warned: 0,
            added: 5,
        };
        assert_eq!(t.percent(), Some(75.0));
        assert_eq!(Tally::default().percent(), None);
    }
}
