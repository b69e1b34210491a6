//! Kinds of failure: owns [`FailureClass`], what kind of deviation or error made a check fail,
//! which every report, expectations file and ranking shares.

use serde::{Deserialize, Serialize};

use crate::compare::{DiffKind, Difference};

/// What kind of deviation or error made a step (or a case) fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The case file could not be read or parsed.
    Load,
    /// The golden file is missing or broken.
    Golden,
    /// A `${...}` template in a request could not be resolved.
    Template,
    /// No HTTP answer: refused, timed out, oversized.
    Transport,
    /// The answer was not JSON.
    NotJson,
    /// The status code differs from the golden file.
    Status,
    /// A response body breaks its schema.
    Schema,
    /// The golden file has a value the answer lacks.
    Missing,
    /// The answer has a value the golden file lacks.
    Added,
    /// A value differs.
    Changed,
    /// An id maps to a different symbol than in the golden file.
    IdIntegrity,
    /// A list holds the expected items in another order, or items the golden file lacks.
    ListOrder,
    /// A relation between answers that the documents promise does not hold.
    Invariant,
    /// Not run: an earlier step left it nothing to run on.
    Blocked,
}

impl FailureClass {
    pub const ALL: [FailureClass; 14] = [
        FailureClass::Load,
        FailureClass::Golden,
        FailureClass::Template,
        FailureClass::Transport,
        FailureClass::NotJson,
        FailureClass::Status,
        FailureClass::Schema,
        FailureClass::Missing,
        FailureClass::Added,
        FailureClass::Changed,
        FailureClass::IdIntegrity,
        FailureClass::ListOrder,
        FailureClass::Invariant,
        FailureClass::Blocked,
    ];

    /// The stable name used in reports (`id_integrity`).
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Load => "load",
            FailureClass::Golden => "golden",
            FailureClass::Template => "template",
            FailureClass::Transport => "transport",
            FailureClass::NotJson => "not_json",
            FailureClass::Status => "status",
            FailureClass::Schema => "schema",
            FailureClass::Missing => "missing",
            FailureClass::Added => "added",
            FailureClass::Changed => "changed",
            FailureClass::IdIntegrity => "id_integrity",
            FailureClass::ListOrder => "list_order",
            FailureClass::Invariant => "invariant",
            FailureClass::Blocked => "blocked",
        }
    }

    /// A short human description (`status changed`).
    pub fn describe(self) -> &'static str {
        match self {
            FailureClass::Load => "case file error",
            FailureClass::Golden => "golden file problem",
            FailureClass::Template => "template error",
            FailureClass::Transport => "transport error",
            FailureClass::NotJson => "not JSON",
            FailureClass::Status => "status changed",
            FailureClass::Schema => "schema violation",
            FailureClass::Missing => "field missing",
            FailureClass::Added => "field added",
            FailureClass::Changed => "value changed",
            FailureClass::IdIntegrity => "id integrity broken",
            FailureClass::ListOrder => "list order differs",
            FailureClass::Invariant => "invariant broken",
            FailureClass::Blocked => "not run",
        }
    }

    /// Which differences to fix first when they reach as far: the run could not happen, then
    /// behaviour (status, values, ids, order), then shape (schema, missing, added).
    pub fn rank(self) -> u8 {
        match self {
            FailureClass::Load | FailureClass::Golden | FailureClass::Template => 0,
            FailureClass::Transport | FailureClass::NotJson => 1,
            FailureClass::Status => 2,
            FailureClass::Changed => 3,
            FailureClass::IdIntegrity => 4,
            FailureClass::ListOrder | FailureClass::Invariant => 5,
            FailureClass::Schema => 6,
            FailureClass::Missing => 7,
            FailureClass::Added => 8,
            FailureClass::Blocked => 9,
        }
    }

    /// The class named `name` (as [`FailureClass::name`] spells it).
    pub fn from_name(name: &str) -> Option<FailureClass> {
        FailureClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The class of one comparison difference.
    pub fn of_difference(difference: &Difference) -> FailureClass {
        if difference.pointer == "/status" {
            FailureClass::Status
        } else if difference.is_id_mismatch() {
            FailureClass::IdIntegrity
        } else {
            match difference.kind {
                DiffKind::Order => FailureClass::ListOrder,
                DiffKind::Added if !difference.is_added_attribute() => FailureClass::ListOrder,
                DiffKind::Missing => FailureClass::Missing,
                DiffKind::Added => FailureClass::Added,
                DiffKind::Changed => FailureClass::Changed,
            }
        }
    }
}
