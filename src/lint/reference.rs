//! The corpus against the pinned version's type reference: owns [`lint_reference`], which
//! compares every enum value a golden body holds, and every parameter a request sends, with
//! the declarations of the `stripe` Node package. A value from another API version, or a
//! parameter the version does not take, is an error; a step marked `invalid_on_purpose` (its
//! request breaks the reference to get an error) is not checked.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

use super::{error, Finding};
use crate::case::Case;
use crate::golden::GoldenFile;
use crate::schema::endpoints::Endpoints;
use crate::schema::{Attribute, Kind, Listing, Reference};

/// Resources and parameters interfaces, each read from the reference once.
struct Declarations<'r> {
    reference: &'r Reference,
    endpoints: &'r Endpoints,
    resources: HashMap<String, Option<Listing>>,
    params: HashMap<String, Option<Listing>>,
}

/// Checks every case of `cases` (and its golden file under `golden_root`) against the
/// reference.
pub fn lint_reference<'c>(
    cases: impl Iterator<Item = &'c Case>,
    golden_root: &Path,
    reference: &Reference,
    endpoints: &Endpoints,
) -> Vec<Finding> {
    let mut declared = Declarations {
        reference,
        endpoints,
        resources: HashMap::new(),
        params: HashMap::new(),
    };
    let mut findings = Vec::new();
    for case in cases {
        for (i, named) in case.steps.iter().enumerate() {
            if !named.step.invalid_on_purpose {
                for message in declared.request(&named.step.request) {
                    findings.push(error(&case.file, format!("/steps/{i}/request{message}")));
                }
            }
        }
        let golden_file = golden_root.join(crate::golden::relative_path(&case.name));
        let Ok(Some(golden)) = GoldenFile::read(golden_root, &case.name) else {
            continue;
        };
        for (i, step) in golden.steps.iter().enumerate() {
            let Ok(body) = step.body.value() else {
                continue;
            };
            let mut messages = BTreeSet::new();
            declared.enums(body, &format!("/steps/{i}/body"), &mut messages);
            for message in messages {
                findings.push(error(&golden_file, message));
            }
        }
    }
    findings
}

impl Declarations<'_> {
    fn resource(&mut self, object: &str) -> Option<&Listing> {
        let reference = self.reference;
        self.resources
            .entry(object.to_owned())
            .or_insert_with(|| reference.resource(object).map(|r| r.listing))
            .as_ref()
    }

    /// Every enum value of `value` and the objects inside it that its reference does not list.
    fn enums(&mut self, value: &Value, pointer: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(object) = map.get("object").and_then(Value::as_str) {
                    if let Some(listing) = self.resource(object) {
                        for attribute in listing.attributes.iter().filter(|a| closed_enum(a)) {
                            for (at, found) in values_at(value, &attribute.path, pointer) {
                                if let Some(text) = stray(attribute, found) {
                                    out.insert(format!(
                                        "{at}: `{text}` is not a value of {object}.{} in the reference ({})",
                                        attribute.dotted(),
                                        attribute.values.join(", ")
                                    ));
                                }
                            }
                        }
                    }
                }
                for (key, child) in map {
                    self.enums(child, &crate::pointer::child(pointer, key), out);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.enums(item, &crate::pointer::child(pointer, i), out);
                }
            }
            _ => {}
        }
    }

    /// What is wrong with a request's query and form against its endpoint's parameters.
    fn request(&mut self, request: &crate::case::Request) -> Vec<String> {
        let Some(name) = self.endpoints.params(&request.method, &request.path) else {
            return Vec::new();
        };
        let name = name.to_owned();
        let reference = self.reference;
        let Some(listing) = self
            .params
            .entry(name.clone())
            .or_insert_with(|| reference.listing_of(&name))
            .as_ref()
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (part, sent) in [("/query", &request.query), ("/form", &request.form)] {
            if let Some(Value::Object(map)) = sent {
                for (key, value) in map {
                    let at = crate::pointer::child(part, key);
                    params(
                        listing,
                        std::slice::from_ref(key),
                        value,
                        &at,
                        &name,
                        &mut out,
                    );
                }
            }
        }
        out
    }
}

/// Whether an attribute is an enum (or a list of one) with listed values.
fn closed_enum(attribute: &Attribute) -> bool {
    let enumerated = match &attribute.kind {
        Kind::Enum => true,
        Kind::ArrayOf(inner) => **inner == Kind::Enum,
        _ => false,
    };
    enumerated && !attribute.values.is_empty()
}

/// The string of `found` (or of an item of it) that `attribute` does not list; placeholders
/// (`<cus_1>`, `<timestamp>`) are not values.
fn stray<'v>(attribute: &Attribute, found: &'v Value) -> Option<&'v str> {
    let strings: Vec<&str> = match found {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    strings
        .into_iter()
        .find(|text| !text.starts_with('<') && !attribute.values.iter().any(|v| v == text))
}

/// The values at `path` below `value` (fanning out over lists), each with its pointer.
fn values_at<'v>(value: &'v Value, path: &[String], pointer: &str) -> Vec<(String, &'v Value)> {
    let Some((first, rest)) = path.split_first() else {
        return vec![(pointer.to_owned(), value)];
    };
    match value {
        Value::Object(map) => map.get(first).map_or_else(Vec::new, |child| {
            values_at(child, rest, &crate::pointer::child(pointer, first))
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, item)| values_at(item, path, &crate::pointer::child(pointer, i)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Checks one parameter sent at `path` (list positions left out) against `listing`.
fn params(
    listing: &Listing,
    path: &[String],
    value: &Value,
    at: &str,
    interface: &str,
    out: &mut Vec<String>,
) {
    let Some(attribute) = listing.attributes.iter().find(|a| a.path == path) else {
        // Only a parameter whose parent lists its children can be unknown.
        let parent = &path[..path.len() - 1];
        let siblings = listing
            .attributes
            .iter()
            .any(|a| a.path.len() == path.len() && a.path.starts_with(parent));
        if siblings {
            out.push(format!(
                "{at}: `{}` is not a parameter of {interface} in the reference",
                path.join(".")
            ));
        }
        return;
    };
    if closed_enum(attribute) {
        if let Some(text) = stray(attribute, value) {
            out.push(format!(
                "{at}: `{text}` is not a value of {interface}.{} in the reference ({})",
                attribute.dotted(),
                attribute.values.join(", ")
            ));
        }
        return;
    }
    if attribute.kind == Kind::Dictionary {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let mut deeper = path.to_vec();
                deeper.push(key.clone());
                let at = crate::pointer::child(at, key);
                params(listing, &deeper, child, &at, interface, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = crate::pointer::child(at, i);
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        params(listing, path, item, &at, interface, out)
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
