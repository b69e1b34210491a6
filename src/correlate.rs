//! Id correlation: owns [`Correlation`], the map from ids in the recording to the ids the target
//! actually returned, and the rewriting of later requests with it (plus `${...}` templates).
//!
//! Learning is positional: after each step, every id in the recorded body is paired with the
//! string at the same JSON pointer in the target's body, unless the recorded id is already paired.
//! Rewriting replaces every recorded id found in a request (path, query, headers, form, json)
//! by its pair. Templates are the fallback:
//!
//! - `${step.body.a.b.0.c}`: the value at that path in the target's body of the named step;
//! - `${step.status}`: that step's status;
//! - `${now}`, `${now+3600}`, `${now-60}`: the current Unix time, shifted.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

use crate::case::Request;
use crate::ids;

/// What a template can refer to: the target's answers to earlier steps, by step name.
#[derive(Debug, Default, Clone)]
pub struct Answers<'a> {
    pub steps: BTreeMap<String, (u16, Kept<'a>)>,
    /// Unix time used for `${now}`.
    pub now: i64,
}

/// An earlier step's answer body, kept for the templates of later steps.
#[derive(Debug, Clone)]
pub enum Kept<'a> {
    /// A value: the recording itself (borrowed from the case), or one the target handed over.
    Value(Cow<'a, Value>),
    /// The bytes the target sent, read as JSON the first time a template asks (most answers
    /// are never asked for, and were parsed once already to be checked).
    Bytes(Vec<u8>, OnceLock<Result<Value, String>>),
}

impl Kept<'_> {
    /// The body of a kept answer that arrived as bytes.
    pub fn bytes(bytes: Vec<u8>) -> Kept<'static> {
        Kept::Bytes(bytes, OnceLock::new())
    }

    /// The body as a value; blank bytes are `null`, as when the answer was checked.
    pub fn value(&self) -> Result<&Value, &str> {
        match self {
            Kept::Value(value) => Ok(value),
            Kept::Bytes(bytes, parsed) => parsed
                .get_or_init(|| {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        Ok(Value::Null)
                    } else {
                        serde_json::from_slice(bytes).map_err(|err| err.to_string())
                    }
                })
                .as_ref()
                .map_err(String::as_str),
        }
    }
}

/// A template that could not be resolved; `at` says where in the request it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub at: String,
    pub template: String,
    pub reason: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "template `{}` in request {}: {}",
            self.template, self.at, self.reason
        )
    }
}

#[derive(Debug, Default, Clone)]
pub struct Correlation {
    pairs: BTreeMap<String, String>,
    taken: HashSet<String>,
}

impl Correlation {
    /// The id the target returned for `recorded`, if known.
    pub fn actual(&self, recorded: &str) -> Option<&str> {
        self.pairs.get(recorded).map(String::as_str)
    }

    /// Every known pair, recorded id first, sorted.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(a, b)| (a.as_str(), b.as_str()))
    }

    /// Pairs a generated value (not an id) of the recording with the target's.
    fn pair(&mut self, recorded: &str, actual: &str) {
        if !self.pairs.contains_key(recorded) && !self.taken.contains(actual) {
            self.pairs.insert(recorded.to_owned(), actual.to_owned());
            self.taken.insert(actual.to_owned());
        }
    }

    /// Pairs the ids (and generated values such as invoice prefixes) of `recorded` with the
    /// strings at the same places in `actual`.
    pub fn learn(&mut self, recorded: &Value, actual: &Value) {
        match (recorded, actual) {
            (Value::String(rec), Value::String(act))
                if ids::is_id(rec)
                    && !self.pairs.contains_key(rec)
                    && !self.taken.contains(act) =>
            {
                self.pairs.insert(rec.clone(), act.clone());
                self.taken.insert(act.clone());
            }
            (Value::Object(rec), Value::Object(act)) => {
                for (key, value) in rec {
                    let Some(other) = act.get(key) else {
                        continue;
                    };
                    if let (Value::String(r), Value::String(a)) = (value, other) {
                        let tokens = ids::generated_token(key, r).zip(ids::generated_token(key, a));
                        if let Some(((r, _), (a, _))) = tokens {
                            self.pair(r, a);
                            continue;
                        }
                    }
                    self.learn(value, other);
                }
            }
            (Value::Array(rec), Value::Array(act)) => {
                for (value, other) in rec.iter().zip(act) {
                    self.learn(value, other);
                }
            }
            _ => {}
        }
    }

    /// The request to send: templates resolved, then recorded ids replaced by the target's.
    pub fn rewrite(
        &self,
        request: &Request,
        answers: &Answers<'_>,
    ) -> Result<Request, TemplateError> {
        let mut out = request.clone();
        out.path = self.rewrite_str(&request.path, "path", answers)?;
        for (name, value) in out.headers.iter_mut() {
            *value = self.rewrite_str(value, &format!("header {name}"), answers)?;
        }
        if let Some(query) = out.query.as_mut() {
            self.rewrite_value(query, "/query", answers)?;
        }
        if let Some(form) = out.form.as_mut() {
            self.rewrite_value(form, "/form", answers)?;
        }
        if let Some(json) = out.json.as_mut() {
            self.rewrite_value(json, "/json", answers)?;
        }
        Ok(out)
    }

    fn rewrite_value(
        &self,
        value: &mut Value,
        at: &str,
        answers: &Answers<'_>,
    ) -> Result<(), TemplateError> {
        match value {
            Value::String(text) => {
                if let Some(whole) = whole_template(text) {
                    let resolved = resolve(whole, answers).map_err(|reason| TemplateError {
                        at: at.to_owned(),
                        template: text.clone(),
                        reason,
                    })?;
                    *value = resolved;
                    if let Value::String(text) = value {
                        *text = self.replace_ids(text);
                    }
                } else {
                    *text = self.rewrite_str(text, at, answers)?;
                }
            }
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    self.rewrite_value(child, &crate::pointer::child(at, key), answers)?;
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    self.rewrite_value(child, &crate::pointer::child(at, i), answers)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn rewrite_str(
        &self,
        text: &str,
        at: &str,
        answers: &Answers<'_>,
    ) -> Result<String, TemplateError> {
        let expanded =
            expand_templates(text, answers).map_err(|(template, reason)| TemplateError {
                at: at.to_owned(),
                template,
                reason,
            })?;
        Ok(self.replace_ids(&expanded))
    }

    fn replace_ids(&self, text: &str) -> String {
        if self.pairs.is_empty() {
            return text.to_owned();
        }
        ids::replace_ids(text, |id| self.pairs.get(id).cloned())
    }
}

fn whole_template(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    (!inner.contains("${") && !inner.contains('}')).then_some(inner)
}

/// Expands every `${...}` in `text`; an error carries the template and the reason.
fn expand_templates(text: &str, answers: &Answers<'_>) -> Result<String, (String, String)> {
    if !text.contains("${") {
        return Ok(text.to_owned());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err((rest[start..].to_owned(), "no closing `}`".to_owned()));
        };
        let inner = &after[..end];
        let value = resolve(inner, answers).map_err(|reason| (format!("${{{inner}}}"), reason))?;
        match value {
            Value::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn resolve(inner: &str, answers: &Answers<'_>) -> Result<Value, String> {
    let inner = inner.trim();
    if let Some(shift) = inner.strip_prefix("now") {
        let delta: i64 = match shift {
            "" => 0,
            _ => shift
                .strip_prefix('+')
                .map(|n| n.trim().parse::<i64>())
                .or_else(|| {
                    shift
                        .strip_prefix('-')
                        .map(|n| n.trim().parse::<i64>().map(|v| -v))
                })
                .and_then(Result::ok)
                .ok_or_else(|| format!("`{shift}` is not `+SECONDS` or `-SECONDS`"))?,
        };
        return Ok(Value::from(answers.now + delta));
    }
    let mut parts = inner.split('.');
    let step = parts.next().unwrap_or_default();
    let Some((status, body)) = answers.steps.get(step) else {
        let known: Vec<&str> = answers.steps.keys().map(String::as_str).collect();
        return Err(format!(
            "no earlier step named `{step}` (earlier steps: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ));
    };
    match parts.next() {
        Some("status") => Ok(Value::from(*status)),
        Some("body") => {
            let mut node: &Value = body
                .value()
                .map_err(|err| format!("the answer of `{step}` is not JSON: {err}"))?;
            for part in parts {
                node = match node {
                    Value::Object(map) => map.get(part),
                    Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => None,
                }
                .ok_or_else(|| format!("the answer of `{step}` has nothing at `{part}`"))?;
            }
            Ok(node.clone())
        }
        other => Err(format!(
            "expected `{step}.body...` or `{step}.status`, found `{}`",
            other.unwrap_or("")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(path: &str, form: Value) -> Request {
        serde_json::from_value(json!({"method": "POST", "path": path, "form": form})).unwrap()
    }

    #[test]
    fn learns_positionally_and_rewrites_everywhere() {
        let mut c = Correlation::default();
        c.learn(
            &json!({"id": "cus_RecordedAAA1", "items": [{"id": "ii_RecordedBBB2"}]}),
            &json!({"id": "cus_ActualXXX9", "items": [{"id": "ii_ActualYYY8"}]}),
        );
        let req = request(
            "/v1/customers/cus_RecordedAAA1",
            json!({"customer": "cus_RecordedAAA1", "lines": [{"item": "ii_RecordedBBB2"}], "note": "for cus_RecordedAAA1"}),
        );
        let out = c.rewrite(&req, &Answers::default()).unwrap();
        assert_eq!(out.path, "/v1/customers/cus_ActualXXX9");
        assert_eq!(
            out.form.unwrap(),
            json!({"customer": "cus_ActualXXX9", "lines": [{"item": "ii_ActualYYY8"}], "note": "for cus_ActualXXX9"})
        );
    }

    #[test]
    fn an_actual_id_is_paired_once() {
        let mut c = Correlation::default();
        c.learn(
            &json!({"a": "cus_RecordedAAA1"}),
            &json!({"a": "cus_SameXXXXX1"}),
        );
        c.learn(
            &json!({"a": "cus_RecordedBBB2"}),
            &json!({"a": "cus_SameXXXXX1"}),
        );
        assert_eq!(c.actual("cus_RecordedBBB2"), None);
    }

    #[test]
    fn kept_bytes_are_read_when_a_template_asks() {
        let kept = Kept::bytes(br#"{"id": "x_1"}"#.to_vec());
        assert_eq!(kept.value().unwrap(), &json!({"id": "x_1"}));
        assert_eq!(Kept::bytes(b" \n".to_vec()).value().unwrap(), &Value::Null);
        let mut answers = Answers::default();
        answers
            .steps
            .insert("a".into(), (200, Kept::bytes(br#"{"id": "x_1"}"#.to_vec())));
        answers
            .steps
            .insert("b".into(), (200, Kept::bytes(b"<html>".to_vec())));
        let c = Correlation::default();
        let out = c.rewrite(&request("/v1/t/${a.body.id}", json!({})), &answers);
        assert_eq!(out.unwrap().path, "/v1/t/x_1");
        let err = c
            .rewrite(&request("/v1/t/${b.body.id}", json!({})), &answers)
            .unwrap_err();
        assert!(
            err.reason.contains("the answer of `b` is not JSON"),
            "{err:?}"
        );
    }

    #[test]
    fn templates_resolve_and_fail_with_reasons() {
        let mut answers = Answers {
            now: 1000,
            ..Default::default()
        };
        answers.steps.insert(
            "make".into(),
            (
                200,
                Kept::Value(Cow::Owned(json!({"id": "x_1", "list": [{"n": 5}]}))),
            ),
        );
        let c = Correlation::default();
        let req = request(
            "/v1/things/${make.body.id}",
            json!({"n": "${make.body.list.0.n}", "at": "${now+60}", "s": "${make.status}"}),
        );
        let out = c.rewrite(&req, &answers).unwrap();
        assert_eq!(out.path, "/v1/things/x_1");
        assert_eq!(out.form.unwrap(), json!({"n": 5, "at": 1060, "s": 200}));

        let err = c
            .rewrite(&request("/v1/${nope.body.id}", json!({})), &answers)
            .unwrap_err();
        assert!(err.reason.contains("no earlier step named `nope`"), "{err}");
        let err = c
            .rewrite(
                &request("/", json!({"x": "${make.body.missing}"})),
                &answers,
            )
            .unwrap_err();
        assert_eq!(err.at, "/form/x");
    }
}
