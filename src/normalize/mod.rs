//! Normalization: owns the vocabulary of symbols that volatile values become, so a target's
//! answer can be compared with a recording made elsewhere. Entry point: [`snapshot`], which turns
//! one response into a [`Snapshot`] using a case-wide [`Symbols`] table.
//!
//! # Vocabulary
//!
//! | symbol | replaces |
//! | --- | --- |
//! | `<cus_1>`, `<cs_2>`, ... | an id (see [`crate::ids`]), numbered per prefix by first appearance in the case; inside longer strings too (`"No such customer: '<cus_1>'"`) |
//! | `<cus_1*>`, ... | a whole value that is a target's id shaped otherwise than the API's (`cus_a1-B2c3`): one paired with a recorded id takes its number, a new one of a prefix the case numbers the next; the `*` is a difference only `strict` fails |
//! | `<prefix_1>`, `<prefix_1>-0001` | a generated `invoice_prefix`, and the `number` or `receipt_number` built from one: numbered per case like ids, so only consistency is compared |
//! | `<req>` | a request id (`req_...`): new on every request, never numbered |
//! | `<timestamp>` | `created`, and any timestamp in an object that has no `created` |
//! | `<created+86400>` | another timestamp of an object, as its offset in seconds from that object's `created` |
//! | `<secret>` | `client_secret` values, any `..._secret_...` string, `sk_`/`rk_`/`whsec_` keys |
//! | `?<query>`, `#<fragment>` | the query and fragment of a URL (scheme, host and path are kept) |
//! | `<present>` | the value of a volatile header (`request-id`, `date`, `content-length`, ...) |
//! | `<any string>`, ... | a value accepted by a `type` rule |
//! | `<matches REGEX>` | a string accepted by a `regex` rule |
//!
//! A timestamp is an integer between 2000-01-01 and 2100-01-01 under a key that names a time:
//! `created`, `updated`, `date`, `start`, `end`, any key ending in `_at`, `_date`, `_start` or `_end`,
//! or one of `trial_start`-like period keys.
//!
//! Rules from the case, the step and the golden file (see [`Rule`]) run first, on the raw
//! values; the built-in rules then run on what is left.

mod builtin;
mod rules;
mod symbols;
#[cfg(test)]
mod tests;

pub use builtin::{normalize_body, normalize_headers, VOLATILE_HEADERS};
pub use rules::{apply_rules, JsonType, Rule, RuleError};
pub use symbols::{Symbols, VOLATILE_PREFIXES};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A normalized response: what golden files hold per step and what is compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub status: u16,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Value,
}

/// A snapshot borrowed from where it lives (a golden file), for comparing without a copy.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SnapshotRef<'a> {
    pub status: u16,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: &'a BTreeMap<String, String>,
    pub body: &'a Value,
}

impl SnapshotRef<'_> {
    /// An owned copy.
    pub fn to_snapshot(&self) -> Snapshot {
        Snapshot {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

impl Snapshot {
    pub fn view(&self) -> SnapshotRef<'_> {
        SnapshotRef {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// Normalizes one response: user `rules` first, then the built-in rules with `symbols`.
pub fn snapshot(
    status: u16,
    headers: &BTreeMap<String, String>,
    body: &Value,
    rules: &[&Rule],
    symbols: &mut Symbols,
) -> Snapshot {
    snapshot_owned(status, headers, body.clone(), rules, symbols)
}

/// Gives `symbols` what [`snapshot`] would add to it with no rules, without making the
/// snapshot: the ids and generated values of the body, then of the headers, in that order.
pub fn number(headers: &BTreeMap<String, String>, body: &Value, symbols: &mut Symbols) {
    builtin::number_symbols(body, symbols);
    normalize_headers(headers, symbols);
}

/// [`snapshot`] of a body the caller no longer needs (normalized in place, not copied).
pub fn snapshot_owned(
    status: u16,
    headers: &BTreeMap<String, String>,
    mut body: Value,
    rules: &[&Rule],
    symbols: &mut Symbols,
) -> Snapshot {
    apply_rules(&mut body, rules);
    normalize_body(&mut body, symbols);
    Snapshot {
        status,
        headers: normalize_headers(headers, symbols),
        body,
    }
}
