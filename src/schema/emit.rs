//! Emitting JSON Schemas (draft 2020-12) from parsed attributes: owns [`object_schema`] and
//! [`event_schema`], and the coverage figures of what was emitted.
//!
//! Mapping: `string` -> string; `integer` and `timestamp` -> integer; `float` -> number;
//! `decimal string` -> string; `boolean` -> boolean; `dictionary`/`object` -> object whose
//! documented children are its properties (undocumented ones are reported as warnings by the
//! validator), or a free-form object when none are documented; a `<placeholder>` child (such as
//! `<currency>`) -> `additionalProperties`; `array of ...` -> array with items; `nullable` adds
//! `null`; `Expandable` on a string also accepts the expanded object (validated by its own
//! `object` schema); a closed enum lists its values; an open enum (collapsed list, or no values
//! listed) is any string, with the documented values kept in `x-documented-values`.
//!
//! Required: the top-level attributes that appear in the document's own JSON example; nested
//! attributes are not required (many are present only in some states or API versions).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::parse::{Attribute, Kind, Listing};

/// A node of the attribute tree.
#[derive(Debug, Default)]
struct Node {
    attribute: Option<Attribute>,
    children: BTreeMap<String, Node>,
}

/// Coverage of one emitted schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub documented: usize,
    pub covered: usize,
    pub enums: usize,
    pub enum_values: usize,
    pub open_enums: Vec<String>,
    /// Attribute paths that could not be placed, with the reason.
    pub skipped: Vec<(String, String)>,
}

fn insert(root: &mut Node, attribute: &Attribute) -> Result<(), String> {
    let mut node = root;
    let (last, parents) = attribute
        .path
        .split_last()
        .ok_or_else(|| "empty path".to_owned())?;
    for (depth, segment) in parents.iter().enumerate() {
        // A `<currency>`-style key is never documented on its own: it is implied by its children.
        if segment.starts_with('<') {
            node = node.children.entry(segment.clone()).or_default();
            continue;
        }
        node = node.children.get_mut(segment).ok_or_else(|| {
            format!(
                "parent `{}` is not documented",
                attribute.path[..=depth].join(".")
            )
        })?;
    }
    if node.children.contains_key(last) {
        return Err("documented twice".to_owned());
    }
    node.children.insert(
        last.clone(),
        Node {
            attribute: Some(attribute.clone()),
            children: BTreeMap::new(),
        },
    );
    Ok(())
}

fn with_null(types: Vec<&str>, nullable: bool) -> Value {
    let mut types: Vec<Value> = types.into_iter().map(Value::from).collect();
    if nullable {
        types.push(Value::from("null"));
    }
    if types.len() == 1 {
        types.remove(0)
    } else {
        Value::Array(types)
    }
}

fn enum_schema(attribute: &Attribute, nullable: bool) -> Value {
    if attribute.open {
        let mut schema = json!({"type": with_null(vec!["string"], nullable), "x-open-enum": true});
        if !attribute.values.is_empty() {
            schema["x-documented-values"] = json!(attribute.values);
        }
        schema
    } else {
        let mut values: Vec<Value> = attribute.values.iter().map(|v| json!(v)).collect();
        if nullable {
            values.push(Value::Null);
        }
        json!({"enum": values})
    }
}

fn dictionary(children: &BTreeMap<String, Node>, nullable: bool) -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), with_null(vec!["object"], nullable));
    if children.is_empty() {
        return Value::Object(schema);
    }
    let mut properties = Map::new();
    for (name, child) in children {
        let child_schema = node_schema(child);
        if name.starts_with('<') {
            schema.insert("additionalProperties".into(), child_schema);
            schema.insert("x-keys".into(), json!(name));
        } else {
            properties.insert(name.clone(), child_schema);
        }
    }
    if !properties.is_empty() {
        schema.insert("properties".into(), Value::Object(properties));
        schema
            .entry("additionalProperties")
            .or_insert(Value::Bool(false));
    }
    Value::Object(schema)
}

fn kind_schema(
    kind: &Kind,
    attribute: &Attribute,
    children: &BTreeMap<String, Node>,
    nullable: bool,
) -> Value {
    match kind {
        Kind::String if attribute.expandable => {
            json!({"type": with_null(vec!["string", "object"], nullable), "x-expandable": true})
        }
        Kind::String | Kind::Decimal => json!({"type": with_null(vec!["string"], nullable)}),
        Kind::Integer => json!({"type": with_null(vec!["integer"], nullable)}),
        Kind::Timestamp => {
            json!({"type": with_null(vec!["integer"], nullable), "x-timestamp": true})
        }
        Kind::Float => json!({"type": with_null(vec!["number"], nullable)}),
        Kind::Boolean => json!({"type": with_null(vec!["boolean"], nullable)}),
        Kind::Enum => enum_schema(attribute, nullable),
        Kind::Dictionary => dictionary(children, nullable),
        Kind::ArrayOf(inner) => {
            let items = kind_schema(inner, attribute, children, false);
            json!({"type": with_null(vec!["array"], nullable), "items": items})
        }
    }
}

fn node_schema(node: &Node) -> Value {
    match &node.attribute {
        Some(attribute) => kind_schema(
            &attribute.kind,
            attribute,
            &node.children,
            attribute.nullable,
        ),
        None => dictionary(&node.children, false),
    }
}

/// The schema of object `object` from its listing; `source` names the document.
pub fn object_schema(object: &str, source: &str, listing: &Listing) -> (Value, Coverage) {
    let mut root = Node::default();
    let mut coverage = Coverage {
        documented: listing.attributes.len(),
        ..Coverage::default()
    };
    for attribute in &listing.attributes {
        match insert(&mut root, attribute) {
            Ok(()) => {
                coverage.covered += 1;
                if matches!(attribute.kind, Kind::Enum)
                    || matches!(&attribute.kind, Kind::ArrayOf(inner) if **inner == Kind::Enum)
                {
                    coverage.enums += 1;
                    coverage.enum_values += attribute.values.len();
                    if attribute.open {
                        coverage.open_enums.push(attribute.dotted());
                    }
                }
            }
            Err(reason) => coverage.skipped.push((attribute.dotted(), reason)),
        }
    }
    let mut schema = dictionary(&root.children, false);
    let example_keys: BTreeSet<String> = listing
        .examples
        .iter()
        .filter(|e| e.get("object").and_then(Value::as_str) == Some(object))
        .flat_map(|e| {
            e.as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let required: Vec<&String> = root
        .children
        .keys()
        .filter(|k| example_keys.contains(*k))
        .collect();
    if let Some(map) = schema.as_object_mut() {
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            props.insert("object".into(), json!({"const": object}));
        }
        map.insert("required".into(), json!(required));
        map.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        map.insert("title".into(), json!(object));
        map.insert("x-object".into(), json!(object));
        map.insert("x-source".into(), json!(source));
        map.insert("x-generated".into(), json!(true));
    }
    (schema, coverage)
}

/// The event schema: the envelope every event shares, with `type` limited to `types`.
pub fn event_schema(types: &[String], source: &str) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "event",
        "x-object": "event",
        "x-source": source,
        "x-generated": true,
        "type": "object",
        "required": ["id", "object", "created", "data", "livemode", "pending_webhooks", "type"],
        "additionalProperties": false,
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "event"},
            "account": {"type": "string"},
            "api_version": {"type": ["string", "null"]},
            "context": {"type": "string"},
            "created": {"type": "integer", "x-timestamp": true},
            "data": {
                "type": "object",
                "required": ["object"],
                "additionalProperties": false,
                "properties": {
                    "object": {"type": "object"},
                    "previous_attributes": {"type": "object"}
                }
            },
            "livemode": {"type": "boolean"},
            "pending_webhooks": {"type": "integer"},
            "request": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": ["string", "null"]},
                    "idempotency_key": {"type": ["string", "null"]}
                }
            },
            "type": {"enum": types}
        }
    })
}
