//! Schema validation: owns [`SchemaSet`], the compiled schemas of `schemas/`, and the rule that
//! picks a schema for a JSON value by its `object` field.
//!
//! Every file `schemas/*.json` is one JSON Schema (draft 2020-12) for one API object; the object
//! name is taken from its `x-object` annotation, or from the file name without `.json`. The set is
//! compiled once per run and shared by all workers (it is `Send + Sync`).
//!
//! [`SchemaSet::validate`] walks a body: every JSON object that has a string `object` field with a
//! schema is validated against it, at whatever depth it sits (list elements, `data.object` of an
//! event, expanded objects); a body with a top-level `error` object is validated against the
//! `error` schema. Each failure is a [`Violation`] with the JSON pointer of the offending value.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// How serious a violation is: errors fail a step, warnings are reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A schema that does not compile, with the validator's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("does not compile: {0}")]
pub struct SchemaCompileError(pub String);

/// One schema failure, located by JSON pointer inside the validated body.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Violation {
    pub severity: Severity,
    /// JSON pointer of the failing value inside the validated document (`""` is the root).
    pub pointer: String,
    /// The `object` value whose schema failed (`checkout.session`, `list`, `error`).
    pub object: String,
    /// The schema keyword path that failed (`/properties/status/enum`).
    pub rule: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{pointer}: {} (schema {}, rule {})",
            self.message, self.object, self.rule
        )
    }
}

/// A schema file that could not be read or compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema {}: {message}", file.display())]
pub struct SchemaError {
    pub file: PathBuf,
    pub message: String,
}

/// The compiled schemas of one folder, keyed by object name.
#[derive(Default)]
pub struct SchemaSet {
    validators: BTreeMap<String, jsonschema::Validator>,
}

impl fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemaSet")
            .field("objects", &self.validators.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SchemaSet {
    /// Reads and compiles every `*.json` file directly inside `dir`.
    ///
    /// A file that cannot be read, parsed or compiled is returned as an error naming it; the
    /// caller decides whether that stops the run.
    pub fn load(dir: &Path) -> Result<SchemaSet, Vec<SchemaError>> {
        let mut set = SchemaSet::default();
        let mut errors = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                return Err(vec![SchemaError {
                    file: dir.to_path_buf(),
                    message: format!("cannot read folder: {err}"),
                }])
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut owners: std::collections::BTreeMap<String, std::path::PathBuf> =
            std::collections::BTreeMap::new();
        for file in files {
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(err) => {
                    errors.push(SchemaError {
                        file,
                        message: format!("cannot read: {err}"),
                    });
                    continue;
                }
            };
            let schema: Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(err) => {
                    errors.push(SchemaError {
                        file,
                        message: format!(
                            "invalid JSON at line {}, column {}: {err}",
                            err.line(),
                            err.column()
                        ),
                    });
                    continue;
                }
            };
            let name = schema
                .get("x-object")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .unwrap_or_default();
            if let Some(first) = owners.get(&name) {
                errors.push(SchemaError {
                    message: format!(
                        "describes object `{name}`, which {} already describes; one schema per object",
                        first.display()
                    ),
                    file,
                });
                continue;
            }
            match set.insert(&name, &schema) {
                Ok(()) => {
                    owners.insert(name, file);
                }
                Err(err) => errors.push(SchemaError {
                    file,
                    message: err.to_string(),
                }),
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Compiles `schema` and registers it for objects named `object`.
    pub fn insert(&mut self, object: &str, schema: &Value) -> Result<(), SchemaCompileError> {
        let validator = jsonschema::draft202012::new(schema)
            .map_err(|err| SchemaCompileError(err.to_string()))?;
        self.validators.insert(object.to_owned(), validator);
        Ok(())
    }

    /// The object names that have a schema, sorted.
    pub fn objects(&self) -> impl Iterator<Item = &str> {
        self.validators.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// Validates `body` and every object nested in it; violations come back sorted.
    pub fn validate(&self, body: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(error) = body.get("error").filter(|e| e.is_object()) {
            if body.get("object").is_none() {
                self.check("error", error, "/error", &mut out);
            }
        }
        self.walk(body, &mut Vec::new(), &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// Checks every object of `value` that names its type. `path` holds the segments from the
    /// body's root; a pointer string is only built for an object that breaks a rule.
    fn walk<'v>(&self, value: &'v Value, path: &mut Vec<Segment<'v>>, out: &mut Vec<Violation>) {
        match value {
            Value::Object(map) => {
                if let Some(object) = map.get("object").and_then(Value::as_str) {
                    if let Some(validator) = self.validators.get(object) {
                        if !validator.is_valid(value) {
                            self.check(object, value, &render(path), out);
                        }
                    }
                }
                for (key, child) in map {
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        path.push(Segment::Key(key));
                        self.walk(child, path, out);
                        path.pop();
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        path.push(Segment::Index(i));
                        self.walk(child, path, out);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn check(&self, object: &str, value: &Value, pointer: &str, out: &mut Vec<Violation>) {
        let Some(validator) = self.validators.get(object) else {
            return;
        };
        for error in validator.iter_errors(value) {
            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                error.kind()
            {
                // Undocumented attributes are reported, not failed.
                for key in unexpected {
                    out.push(Violation {
                        severity: Severity::Warning,
                        pointer: format!(
                            "{pointer}{}/{}",
                            error.instance_path(),
                            crate::pointer::escape(key)
                        ),
                        object: object.to_owned(),
                        rule: "undocumented".to_owned(),
                        message: format!("`{key}` is not a documented attribute"),
                    });
                }
                continue;
            }
            out.push(Violation {
                severity: Severity::Error,
                pointer: format!("{pointer}{}", error.instance_path()),
                object: object.to_owned(),
                rule: error.schema_path().to_string(),
                message: error.to_string(),
            });
        }
    }
}

/// One step from a body's root towards a value.
enum Segment<'v> {
    Key(&'v str),
    Index(usize),
}

/// The JSON pointer of `path`.
fn render(path: &[Segment<'_>]) -> String {
    let mut pointer = String::new();
    for segment in path {
        pointer.push('/');
        match segment {
            Segment::Key(key) => pointer.push_str(&crate::pointer::escape(key)),
            Segment::Index(i) => pointer.push_str(&i.to_string()),
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set() -> SchemaSet {
        let mut set = SchemaSet::default();
        set.insert(
            "customer",
            &json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "balance": {"type": "integer"}}}),
        )
        .unwrap();
        set.insert(
            "error",
            &json!({"type": "object", "required": ["type"], "properties": {"type": {"enum": ["invalid_request_error"]}}}),
        )
        .unwrap();
        set
    }

    #[test]
    fn nested_objects_are_validated_with_their_pointer() {
        let body = json!({"object": "list", "data": [{"object": "customer", "id": "cus_1", "balance": "x"}]});
        let violations = set().validate(&body);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].pointer, "/data/0/balance");
        assert_eq!(violations[0].object, "customer");
    }

    #[test]
    fn error_bodies_use_the_error_schema() {
        let violations = set().validate(&json!({"error": {"type": "card_error"}}));
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].pointer, "/error/type");
        assert!(set()
            .validate(&json!({"error": {"type": "invalid_request_error"}}))
            .is_empty());
    }
}
