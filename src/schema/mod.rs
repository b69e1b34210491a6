//! Schema derivation: turns the documented attribute listings into the JSON Schemas of
//! `schemas/`. [`derive`] reads documents and returns one [`Derived`] schema per documented
//! object; [`write`] stores them; [`drift`] compares them with what is on disk.
//!
//! A document is recognised by its content: an `Attributes` listing followed by a JSON example
//! gives the schema of the example's `object`; an `Event types` list gives the `event` schema.
//! Other documents (guides, endpoint parameter pages) derive nothing and are reported as such.

mod emit;
mod parse;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use emit::{event_schema, object_schema, Coverage};
pub use parse::{parse_attributes, parse_event_types, Attribute, Kind, Listing, Unparsed};

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

/// Derives from every document in `docs` (files, or folders whose `*.txt` files are read).
pub fn derive(docs: &[PathBuf]) -> Result<Vec<DocumentResult>, DeriveError> {
    let mut files = Vec::new();
    for path in docs {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| DeriveError {
                file: path.clone(),
                message: e.to_string(),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            found.sort();
            files.extend(found);
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
