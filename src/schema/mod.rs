//! Schema derivation: turns the documented attribute listings into the JSON Schemas of
//! `schemas/`. [`derive`] reads documents and returns one [`Derived`] schema per documented
//! object; [`write`] stores them; [`drift`] compares them with what is on disk.
//!
//! A document is recognised by its content: an `Attributes` listing followed by a JSON example
//! gives the schema of the example's `object`; an `Event types` list gives the `event` schema.
//! Other documents (guides, endpoint parameter pages) derive nothing and are reported as such.
//!
//! Objects the documents do not describe (hand-written schemas) follow a type reference instead
//! (the `stripe` Node library's declarations, see [`reference`]): [`from_reference`] brings a
//! schema's attributes, nullability, enum values and expandability in line with it, keeping
//! what the reference cannot say (integer vs float, timestamps, required attributes, the
//! deleted form); [`reference_drift`] lists where a schema and the reference disagree.

mod emit;
pub mod endpoints;
mod parse;
mod reference;
#[cfg(test)]
mod tests;
pub mod version;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use emit::{event_schema, object_schema, Coverage};
pub use parse::{parse_attributes, parse_event_types, Attribute, Kind, Listing, Unparsed};
pub use reference::{read_reference, Reference, Resource};

use crate::write::{write_atomic, WriteError};

/// One derived schema.
#[derive(Debug, Clone)]
pub struct Derived {
    pub object: String,
    /// File name inside `schemas/`: `checkout.session.json`.
    pub file: String,
    pub source: String,
    pub schema: Value,
    pub coverage: Coverage,
    pub unparsed: Vec<Unparsed>,
}

/// What reading one document gave.
#[derive(Debug, Clone)]
pub enum DocumentResult {
    Derived(Box<Derived>),
    Nothing { source: String, reason: String },
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct DeriveError {
    pub file: PathBuf,
    pub message: String,
}

/// Derives from one document's text; `source` is its file name.
pub fn derive_text(source: &str, text: &str) -> DocumentResult {
    if text.contains("\nEvent types\n") {
        let (types, unparsed) = parse_event_types(text);
        if !types.is_empty() {
            let coverage = Coverage {
                documented: types.len(),
                covered: types.len(),
                enums: 1,
                enum_values: types.len(),
                ..Coverage::default()
            };
            return DocumentResult::Derived(Box::new(Derived {
                object: "event".to_owned(),
                file: "event.json".to_owned(),
                source: source.to_owned(),
                schema: event_schema(&types, source),
                coverage,
                unparsed,
            }));
        }
    }
    if text.starts_with("Attributes\n") || text.contains("\nAttributes\n") {
        let listing = parse_attributes(text);
        let object = listing
            .examples
            .iter()
            .find_map(|e| {
                e.get("object")
                    .and_then(Value::as_str)
                    .filter(|o| *o != "list")
            })
            .or_else(|| {
                listing
                    .examples
                    .iter()
                    .find_map(|e| e.get("data")?.get(0)?.get("object")?.as_str())
            })
            .map(str::to_owned);
        if let Some(object) = object {
            let mut listing = listing;
            version::apply(&object, &mut listing);
            if !listing.attributes.is_empty() {
                let (schema, coverage) = object_schema(&object, source, &listing);
                return DocumentResult::Derived(Box::new(Derived {
                    file: format!("{object}.json"),
                    object,
                    source: source.to_owned(),
                    schema,
                    coverage,
                    unparsed: listing.unparsed,
                }));
            }
        }
        return DocumentResult::Nothing {
            source: source.to_owned(),
            reason: "an attribute listing without a JSON example naming its object".to_owned(),
        };
    }
    DocumentResult::Nothing {
        source: source.to_owned(),
        reason: "no attribute listing or event type list".to_owned(),
    }
}

/// The files of folder `dir` (not below it) ending in `.extension`, sorted.
fn files_with(dir: &Path, extension: &str) -> Result<Vec<PathBuf>, DeriveError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DeriveError {
        file: dir.to_path_buf(),
        message: format!("cannot read folder: {e}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    Ok(files)
}

/// Derives from every document in `docs` (files, or folders whose `*.txt` files are read).
pub fn derive(docs: &[PathBuf]) -> Result<Vec<DocumentResult>, DeriveError> {
    let mut files = Vec::new();
    for path in docs {
        if path.is_dir() {
            files.extend(files_with(path, "txt")?);
        } else {
            files.push(path.clone());
        }
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| DeriveError {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let source = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(derive_text(&source, &text));
    }
    Ok(out)
}

/// The bytes a derived schema is stored as.
pub fn render(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes every derived schema into `dir` (atomically).
pub fn write(dir: &Path, derived: &[&Derived]) -> Result<Vec<PathBuf>, WriteError> {
    derived
        .iter()
        .map(|d| write_atomic(dir, Path::new(&d.file), render(&d.schema).as_bytes()))
        .collect()
}

/// Files in `dir` that differ from a fresh derivation (or are missing), by file name.
pub fn drift(dir: &Path, derived: &[&Derived]) -> Vec<String> {
    derived
        .iter()
        .filter(|d| {
            std::fs::read_to_string(dir.join(&d.file)).ok().as_deref()
                != Some(render(&d.schema).as_str())
        })
        .map(|d| d.file.clone())
        .collect()
}

/// What a reference says about `object`, as a schema (required: the non-optional attributes).
pub fn reference_schema(object: &str, resource: &Resource) -> Value {
    let (mut schema, _) = object_schema(object, "reference", &resource.listing);
    if let Some(map) = schema.as_object_mut() {
        map.insert("required".into(), Value::from(resource.required.clone()));
    }
    schema
}

/// `committed` (a hand-written schema) brought in line with `derived` (from the reference): its
/// properties are the reference's, each keeping the committed refinements the reference cannot
/// express (`integer` vs `number`, `x-timestamp`, `x-keys`); everything outside `properties`
/// (required, the deleted form, titles) stays as committed.
pub fn from_reference(committed: &Value, derived: &Value) -> Value {
    let mut out = committed.clone();
    if let (Some(map), Some(props)) = (out.as_object_mut(), derived.get("properties")) {
        let mut merged = merge(committed.get("properties"), props);
        if let (Some(m), Some(deleted)) = (
            merged.as_object_mut(),
            committed.pointer("/properties/deleted"),
        ) {
            m.insert("deleted".into(), deleted.clone());
        }
        map.insert("properties".into(), merged);
        map.insert("x-reference".into(), Value::from(true));
    }
    out
}

/// The properties of `derived`, each merged with the committed one of the same name.
fn merge(committed: Option<&Value>, derived: &Value) -> Value {
    let Some(derived) = derived.as_object() else {
        return derived.clone();
    };
    let mut out = serde_json::Map::new();
    for (name, schema) in derived {
        let old = committed.and_then(|c| c.get(name));
        out.insert(name.clone(), refine(old, schema));
    }
    Value::Object(out)
}

/// `derived` with the refinements of `committed` kept.
fn refine(committed: Option<&Value>, derived: &Value) -> Value {
    let mut out = derived.clone();
    let Some(old) = committed else { return out };
    // An enum the schema closes stays closed where the reference only leaves room for values it
    // does not list: the listed ones are added, nullability follows the reference.
    if let (Some(Value::Array(values)), Some(true)) = (
        old.get("enum"),
        derived.get("x-open-enum").and_then(Value::as_bool),
    ) {
        let nullable = types_of(derived).contains(&"null");
        let mut closed: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
        for value in derived
            .get("x-documented-values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !closed.contains(value) {
                closed.push(value.clone());
            }
        }
        if nullable {
            closed.push(Value::Null);
        }
        return serde_json::json!({ "enum": closed });
    }
    if let Some(map) = out.as_object_mut() {
        for key in ["x-timestamp", "x-keys"] {
            if let Some(v) = old.get(key) {
                map.insert(key.into(), v.clone());
            }
        }
        // The reference writes every number as `number`; a committed `number` stays one.
        if types_of(old).contains(&"number") {
            if let Some(t) = map.get_mut("type") {
                *t = rename_type(t, "integer", "number");
            }
        }
        if let Some(props) = derived.get("properties") {
            map.insert("properties".into(), merge(old.get("properties"), props));
        }
        if let (Some(items), Some(old_items)) = (derived.get("items"), old.get("items")) {
            map.insert("items".into(), refine(Some(old_items), items));
        }
        if derived.get("properties").is_none() && derived.get("additionalProperties").is_none() {
            // A free-form object in the reference keeps the committed shape of its values.
            if let Some(additional) = old.get("additionalProperties").filter(|a| a.is_object()) {
                map.insert("additionalProperties".into(), additional.clone());
            }
        }
    }
    out
}

fn rename_type(t: &Value, from: &str, to: &str) -> Value {
    match t {
        Value::String(s) if s == from => Value::from(to),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| rename_type(i, from, to)).collect())
        }
        other => other.clone(),
    }
}

/// The JSON types a schema admits (`enum` values counted by their types).
fn types_of(schema: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(Value::Array(values)) = schema.get("enum") {
        for v in values {
            out.push(match v {
                Value::Null => "null",
                Value::String(_) => "string",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            });
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Where `committed` and `derived` (from the reference) disagree: attributes only one has,
/// nullability, closed enum values, and base types (`integer` and `number` agree). Each entry
/// is `POINTER: what differs`.
pub fn reference_drift(committed: &Value, derived: &Value) -> Vec<String> {
    let mut out = Vec::new();
    compare_properties(committed, derived, "", true, &mut out);
    out
}

fn compare_properties(
    committed: &Value,
    derived: &Value,
    at: &str,
    top: bool,
    out: &mut Vec<String>,
) {
    let (Some(c), Some(d)) = (
        committed.get("properties").and_then(Value::as_object),
        derived.get("properties").and_then(Value::as_object),
    ) else {
        return;
    };
    for name in d.keys().filter(|k| !c.contains_key(*k)) {
        out.push(format!("{at}/{name}: in the reference, not in the schema"));
    }
    for name in c.keys().filter(|k| !d.contains_key(*k)) {
        if !(top && name == "deleted") {
            out.push(format!("{at}/{name}: in the schema, not in the reference"));
        }
    }
    for (name, old) in c {
        if let Some(new) = d.get(name) {
            compare_one(old, new, &format!("{at}/{name}"), out);
        }
    }
}

/// The values of `values` that `other` lacks, as JSON text.
fn absent(values: &[Value], other: &[Value]) -> Vec<String> {
    values
        .iter()
        .filter(|v| !other.contains(v))
        .map(ToString::to_string)
        .collect()
}

fn compare_one(committed: &Value, derived: &Value, at: &str, out: &mut Vec<String>) {
    let norm = |types: Vec<&str>| -> Vec<String> {
        let mut v: Vec<String> = types
            .into_iter()
            .map(|t| {
                if t == "integer" {
                    "number".to_owned()
                } else {
                    t.to_owned()
                }
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (old, new) = (norm(types_of(committed)), norm(types_of(derived)));
    let both = |types: &[String]| {
        types.iter().any(|t| t == "string") && types.iter().any(|t| t == "object")
    };
    if derived.get("x-expandable") == Some(&Value::Bool(true)) && !both(&old) {
        out.push(format!(
            "{at}: expandable in the reference (an id or the object), the schema accepts only {}",
            old.join("|")
        ));
    } else if !old.is_empty() && !new.is_empty() && old != new {
        out.push(format!(
            "{at}: types {} in the schema, {} in the reference",
            old.join("|"),
            new.join("|")
        ));
    }
    if let (Some(Value::Array(a)), Some(Value::Array(b))) =
        (committed.get("enum"), derived.get("enum"))
    {
        let (missing, extra) = (absent(b, a), absent(a, b));
        if !missing.is_empty() {
            out.push(format!(
                "{at}: the reference also allows {}",
                missing.join(", ")
            ));
        }
        if !extra.is_empty() {
            out.push(format!(
                "{at}: the reference does not allow {}",
                extra.join(", ")
            ));
        }
    } else if derived.get("enum").is_some() && committed.get("enum").is_none() {
        out.push(format!(
            "{at}: the reference closes the values; the schema does not"
        ));
    } else if let (Some(Value::Array(closed)), Some(Value::Array(listed))) =
        (committed.get("enum"), derived.get("x-documented-values"))
    {
        // The schema may close an enum the reference leaves open, but not without its values.
        let missing = absent(listed, closed);
        if !missing.is_empty() {
            out.push(format!(
                "{at}: the reference also lists {}",
                missing.join(", ")
            ));
        }
    }
    compare_properties(committed, derived, at, false, out);
    if let (Some(a), Some(b)) = (committed.get("items"), derived.get("items")) {
        compare_one(a, b, &format!("{at}/*"), out);
    }
}

/// A hand-written schema of `dir` beside what the reference says about its object.
#[derive(Debug, Clone)]
pub struct ReferencePair {
    pub file: String,
    pub object: String,
    pub committed: Value,
    pub derived: Value,
}

/// Pairs every hand-written schema of `dir` whose object the reference declares with its
/// reference schema; returns the pairs and the objects the reference does not declare.
pub fn reference_pairs(
    dir: &Path,
    reference: &Reference,
) -> Result<(Vec<ReferencePair>, Vec<String>), DeriveError> {
    let (mut pairs, mut absent) = (Vec::new(), Vec::new());
    for file in files_with(dir, "json")? {
        let text = std::fs::read_to_string(&file).map_err(|e| DeriveError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        let committed: Value = serde_json::from_str(&text).map_err(|e| DeriveError {
            file: file.clone(),
            message: format!("invalid JSON: {e}"),
        })?;
        if committed.get("x-hand-written") != Some(&Value::Bool(true)) {
            continue;
        }
        let Some(object) = committed.get("x-object").and_then(Value::as_str) else {
            continue;
        };
        match reference.resource(object) {
            Some(resource) => pairs.push(ReferencePair {
                file: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                object: object.to_owned(),
                derived: reference_schema(object, &resource),
                committed,
            }),
            None => absent.push(object.to_owned()),
        }
    }
    Ok((pairs, absent))
}

/// The coverage report of `conform schemas stats`.
pub fn render_stats(results: &[DocumentResult]) -> String {
    let mut out = String::new();
    for result in results {
        match result {
            DocumentResult::Nothing { source, reason } => {
                out.push_str(&format!("{source}: nothing derived ({reason})\n"));
            }
            DocumentResult::Derived(d) => {
                let c = &d.coverage;
                let total = c.documented + d.unparsed.len();
                let percent = if total == 0 {
                    100.0
                } else {
                    100.0 * c.covered as f64 / total as f64
                };
                out.push_str(&format!(
                    "{} (from {}): {}/{} documented paths covered ({percent:.1}%), {} enums with {} values, {} open\n",
                    d.object, d.source, c.covered, total, c.enums, c.enum_values, c.open_enums.len()
                ));
                for path in &c.open_enums {
                    out.push_str(&format!("  open enum: {path}\n"));
                }
                for (path, reason) in &c.skipped {
                    out.push_str(&format!("  not covered: {path}: {reason}\n"));
                }
                for unparsed in &d.unparsed {
                    out.push_str(&format!(
                        "  unparsed: `{}`: {}\n",
                        unparsed.text, unparsed.reason
                    ));
                }
            }
        }
    }
    out
}
