//! The published JSON Schema of case files agrees with the loader: every case in the corpus
//! validates and loads, and malformed ones are rejected by both.

use std::path::Path;

use conform::discover::discover;
use conform::load::{load, parse};
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/case.schema.json"
    ))
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn every_corpus_case_matches_the_case_schema() {
    let validator = schema();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let entries = discover(&root).unwrap_or_default();
    let mut problems = Vec::new();
    for entry in &entries {
        let text = std::fs::read_to_string(&entry.file).unwrap();
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{}: {e}", entry.name));
                continue;
            }
        };
        for error in validator.iter_errors(&value) {
            problems.push(format!(
                "{} at {}: {error}",
                entry.name,
                error.instance_path()
            ));
        }
        if let Err(e) = load(entry) {
            problems.push(e.to_string());
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn schema_and_loader_reject_the_same_mistakes() {
    let validator = schema();
    let good = r#"{"request": {"method": "GET", "path": "/v1/x"}, "response": {"status": 200}}"#;
    let bad = [
        r#"{"request": {"method": "GET", "path": "/v1/x"}, "response": {"status": 200}, "tag": []}"#,
        r#"{"steps": [{"response": {"status": 200}}]}"#,
        r#"{"request": {"method": "GET", "path": "/v1/x", "auth": "maybe"}, "response": {"status": 200}}"#,
        r#"{"steps": [{"request": {"method": "GET", "path": "/v1/x"}, "response": {"status": 200}, "list": "some"}]}"#,
        r#"{"request": {"method": "GET"}, "response": {"status": 200}}"#,
    ];
    let file = Path::new("cases/x.json");
    assert!(validator.is_valid(&serde_json::from_str(good).unwrap()));
    assert!(parse("x", file, good).is_ok());
    for text in bad {
        let value: Value = serde_json::from_str(text).unwrap();
        assert!(!validator.is_valid(&value), "schema accepts {text}");
        assert!(parse("x", file, text).is_err(), "loader accepts {text}");
    }
}
