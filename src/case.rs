//! The case file format as plain data: owns [`CaseFile`] (what is on disk, unknown keys
//! rejected) and [`Case`] (a loaded case with its name and steps resolved). The format is
//! documented for users in `docs/case-format.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A case file exactly as written on disk.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CaseFile {
    /// What the case shows, for people.
    pub description: Option<String>,
    /// Where the recordings come from.
    pub source: Option<Source>,
    /// Names a filter can select the case by.
    pub tags: Vec<String>,
    /// Sent as `Stripe-Version` with every request that does not set it.
    pub stripe_version: Option<String>,
    /// Runs alone, after the parallel cases (it changes state other cases could see).
    pub exclusive: bool,
    /// Normalization rules for every step.
    pub normalize: Vec<Rule>,
    /// What the reference leaves open, for every step: compared by shape or accepted values at
    /// the `contract` level.
    pub open: Vec<OpenRule>,
    /// Only the built-in replay target can answer it (it reads objects no step creates, such as
    /// the documents' examples): left out of runs against any other target.
    pub replay_only: bool,
    /// The steps, in order; or the one step as `request` and `response`.
    pub steps: Option<Vec<Step>>,
    /// The request of a one-step case.
    pub request: Option<Request>,
    /// The recorded response of a one-step case.
    pub response: Option<Response>,
}

/// Where a case's recordings come from.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Documentation,
    Constructed,
    Recorded,
}

/// One request and its recorded response.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub request: Request,
    pub response: Response,
    #[serde(default, skip_serializing_if = "ListMode::is_exact")]
    pub list: ListMode,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub normalize: Vec<Rule>,
    /// What the reference leaves open in this step's answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<OpenRule>,
    /// Marks a step as what the case tests. Without any mark, the last step is the subject and
    /// the others are setup.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subject: bool,
    /// The request breaks the reference on purpose (to get an error): `lint --reference` does
    /// not check its parameters.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalid_on_purpose: bool,
}

/// How a list response is compared with its recording.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ListMode {
    #[default]
    Exact,
    Contains,
}

impl ListMode {
    pub fn is_exact(&self) -> bool {
        *self == ListMode::Exact
    }
}

/// Which credentials a request carries; the key itself is only known to the HTTP target.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    #[default]
    Default,
    None,
    Malformed,
}

impl Auth {
    /// The kind of credentials an `Authorization` header value carries: none, a Bearer secret or
    /// restricted key (`sk_`, `rk_`), or anything else (malformed).
    pub fn classify(header: Option<&str>) -> Auth {
        match header.map(str::trim) {
            None | Some("") => Auth::None,
            Some(value) => {
                let key = value.strip_prefix("Bearer ").unwrap_or("");
                if ["sk_", "rk_"].iter().any(|p| key.starts_with(p)) && !key.contains(' ') {
                    Auth::Default
                } else {
                    Auth::Malformed
                }
            }
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Auth::Default
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    #[serde(default, skip_serializing_if = "Auth::is_default")]
    pub auth: Auth,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub status: u16,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Value,
}

/// A loaded, checked case: steps resolved and named.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Path relative to the cases folder, `/`-separated, without `.json`.
    pub name: Arc<str>,
    pub file: Arc<Path>,
    /// The steps in file order, each with its resolved name and line.
    pub steps: Vec<NamedStep>,
    /// Case-wide normalization rules, applied before each step's own.
    pub normalize: Vec<Rule>,
    /// Case-wide open rules, beside each step's own.
    pub open: Vec<OpenRule>,
    /// Only the built-in replay target can answer it.
    pub replay_only: bool,
    /// Selection: filters match these, and an exclusive case runs alone.
    pub tags: Vec<String>,
    pub exclusive: bool,
    /// The default `Stripe-Version` of the case's requests.
    pub stripe_version: Option<String>,
    /// For people and reports only.
    pub source: Option<Source>,
    pub description: Option<String>,
}

impl Case {
    /// Whether step `i` is a subject of the case: marked `subject`, or the last step when no
    /// step is marked.
    pub fn is_subject(&self, i: usize) -> bool {
        if self.steps.iter().any(|s| s.step.subject) {
            self.steps.get(i).is_some_and(|s| s.step.subject)
        } else {
            i + 1 == self.steps.len()
        }
    }
}

/// A step with its resolved name (`name`, or `step<N>` counting from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedStep {
    pub name: String,
    pub step: Step,
    /// The line of the case file where the step starts (from 1).
    pub line: usize,
}

/// The folder part of a case name: `checkout/sessions` of `checkout/sessions/create`.
pub fn group_of(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(group, _)| group)
}

/// One user rule: exactly one of `ignore`, `type` or `regex` is set (checked when loading).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// JSON pointer into the body; `*` matches any key or index.
    pub path: String,
    /// Leave the value out of the comparison entirely.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore: bool,
    /// Accept any value of this JSON type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub json_type: Option<JsonType>,
    /// Accept any string matching this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

/// A value the reference leaves open (the host of a generated URL, a default that follows the
/// account's settings, which parameter an error names): at `contract` a difference there is a
/// warning when the answer is what `accept` allows; at `strict` it still fails.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRule {
    /// JSON pointer into the step's snapshot (`/status`, `/headers/...`, `/body/...`); `*`
    /// matches any key or index.
    pub path: String,
    pub accept: Accept,
    /// Why the reference leaves it open, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// What an open value accepts in place of the golden one.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Accept {
    /// Any value of the golden value's JSON type.
    Shape,
    /// Any value of the golden value's JSON type, or none.
    ShapeOrAbsent,
    /// Anything, or nothing.
    Any,
    /// Any `http` or `https` URL.
    Url,
    /// Any 4xx status, when the golden one is a 4xx (for `/status`).
    #[serde(rename = "4xx")]
    ClientError,
    /// One of these values.
    OneOf(Vec<Value>),
}

/// An open rule that is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenRuleError {
    #[error("open rule path `{0}` must point into `/status`, `/headers/...` or `/body...`")]
    Outside(String),
    #[error(
        "open rule for `{0}`: `4xx` is for `/status`, and `/status` accepts only `4xx` or `one_of`"
    )]
    StatusKind(String),
}

impl OpenRule {
    /// Checks that the rule is well formed; the error names what is wrong.
    pub fn check(&self) -> Result<(), OpenRuleError> {
        if !["/status", "/headers/", "/body"]
            .iter()
            .any(|p| self.path.starts_with(p))
        {
            return Err(OpenRuleError::Outside(self.path.clone()));
        }
        let status_kind = matches!(self.accept, Accept::ClientError | Accept::OneOf(_));
        if (self.accept == Accept::ClientError && self.path != "/status")
            || (self.path == "/status" && !status_kind)
        {
            return Err(OpenRuleError::StatusKind(self.path.clone()));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Null,
}
