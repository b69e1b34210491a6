//! The schemas of `schemas/`: seed examples validate, hand-made mutants fail with their JSON
//! pointer, the derived files match a fresh derivation, and coverage holds.

use std::path::{Path, PathBuf};

use conform::schema::{derive, drift, DocumentResult};
use conform::validate::{SchemaSet, Severity, Violation};
use serde_json::{json, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schemas() -> SchemaSet {
    SchemaSet::load(&root().join("schemas")).expect("schemas/ compiles")
}

/// The reference documents beside the checkout (`tests/runtimes` runs the checks that read them
/// only when they are there).
pub(crate) fn seeds() -> PathBuf {
    root().join("../shared/seeds")
}

fn errors(violations: &[Violation]) -> Vec<&Violation> {
    violations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .collect()
}

/// The documented Checkout Session example, as the corpus records it.
fn session_example() -> Value {
    let text =
        std::fs::read_to_string(root().join("cases/checkout/sessions/documented_example.json"))
            .unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    case["steps"][0]["response"]["body"].clone()
}

/// Every JSON example of the reference documents validates. Run by `tests/runtimes`.
#[allow(dead_code)]
pub(crate) fn every_seed_json_example_validates() {
    let dir = seeds();
    let set = schemas();
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for example in conform::schema::parse_attributes(&text).examples {
            checked += 1;
            for v in errors(&set.validate(&example)) {
                problems.push(format!(
                    "{}: {} {}: {}",
                    path.display(),
                    v.object,
                    v.pointer,
                    v.message
                ));
            }
        }
    }
    assert!(checked >= 7, "only {checked} examples found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn mutant(edit: impl FnOnce(&mut Value)) -> Vec<Violation> {
    let mut body = session_example();
    edit(&mut body);
    schemas().validate(&body)
}

fn assert_error_at(violations: &[Violation], pointer: &str) {
    assert!(
        errors(violations).iter().any(|v| v.pointer == pointer),
        "no error at {pointer}: {violations:#?}"
    );
}

#[test]
fn the_unchanged_example_has_no_errors() {
    assert!(errors(&schemas().validate(&session_example())).is_empty());
}

#[test]
fn a_wrong_type_fails() {
    assert_error_at(
        &mutant(|b| b["amount_total"] = json!("2198")),
        "/amount_total",
    );
}

#[test]
fn an_unlisted_enum_value_fails() {
    assert_error_at(&mutant(|b| b["mode"] = json!("donation")), "/mode");
    assert_error_at(
        &mutant(|b| b["automatic_tax"]["status"] = json!("pending")),
        "/automatic_tax/status",
    );
}

#[test]
fn an_open_enum_accepts_unlisted_values() {
    assert!(errors(&mutant(|b| b["locale"] = json!("tlh"))).is_empty());
}

#[test]
fn null_where_not_nullable_fails() {
    assert_error_at(&mutant(|b| b["mode"] = Value::Null), "/mode");
    assert_error_at(&mutant(|b| b["livemode"] = Value::Null), "/livemode");
}

#[test]
fn an_unknown_attribute_is_a_warning() {
    let violations = mutant(|b| b["frobnication"] = json!(true));
    assert!(errors(&violations).is_empty());
    let warning = violations
        .iter()
        .find(|v| v.pointer == "/frobnication")
        .unwrap();
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.rule, "undocumented");
}

#[test]
fn an_expanded_object_where_only_an_id_is_allowed_fails() {
    assert_error_at(
        &mutant(|b| b["success_url"] = json!({"id": "x"})),
        "/success_url",
    );
    // Expandable attributes take either form.
    assert!(errors(&mutant(|b| b["customer"] = json!({"id": "cus_NffrFeUfNV2Hib", "object": "customer", "balance": 0, "created": 1, "email": null, "livemode": false, "metadata": {}}))).is_empty());
}

#[test]
fn a_missing_required_attribute_fails() {
    let violations = mutant(|b| {
        b.as_object_mut().unwrap().remove("status");
    });
    assert!(
        errors(&violations)
            .iter()
            .any(|v| v.message.contains("status")),
        "{violations:#?}"
    );
}

/// The schemas derived from the documents are the committed ones and cover them. Run by
/// `tests/runtimes`.
#[allow(dead_code)]
pub(crate) fn derived_schemas_match_the_documents_and_cover_them() {
    let dir = seeds();
    let results = derive(&[dir]).unwrap();
    let derived: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            DocumentResult::Derived(d) => Some(d.as_ref()),
            DocumentResult::Nothing { .. } => None,
        })
        .collect();
    let objects: Vec<&str> = derived.iter().map(|d| d.object.as_str()).collect();
    for wanted in [
        "checkout.session",
        "billing.credit_balance_transaction",
        "event",
    ] {
        assert!(objects.contains(&wanted), "{objects:?}");
    }
    assert_eq!(
        drift(&root().join("schemas"), &derived),
        Vec::<String>::new(),
        "run `conform schemas derive`"
    );
    let session = derived
        .iter()
        .find(|d| d.object == "checkout.session")
        .unwrap();
    let total = session.coverage.documented + session.unparsed.len();
    let share = session.coverage.covered as f64 / total as f64;
    assert!(
        share >= 0.98,
        "checkout.session covers {:.1}%",
        share * 100.0
    );
    let event = derived.iter().find(|d| d.object == "event").unwrap();
    let types = event.schema["properties"]["type"]["enum"]
        .as_array()
        .unwrap();
    assert!(types.len() >= 200, "{} event types", types.len());
}

/// The hand-written schemas agree with the pinned stripe-node declarations in the
/// `node_modules` folder `node_path`. Run by `tests/runtimes`.
#[allow(dead_code)]
pub(crate) fn the_hand_written_schemas_agree_with_the_type_reference(node_path: &str) {
    let reference = Path::new(&node_path).join("stripe");
    let pinned = std::fs::read_to_string(root().join("scripts/clients.env")).unwrap();
    let package: Value =
        serde_json::from_str(&std::fs::read_to_string(reference.join("package.json")).unwrap())
            .unwrap();
    let version = package["version"].as_str().unwrap_or_default();
    assert!(
        pinned.contains(&format!("STRIPE_NODE={version}\n")),
        "the reference at {} is stripe {version}, not the pinned release",
        reference.display()
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["schemas", "check", "--reference"])
        .arg(&reference)
        .arg("--dir")
        .arg(root().join("schemas"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("hand-written schema(s) checked against the reference"),
        "{text}"
    );
}

/// The first recorded body in the corpus whose `object` is `object`.
fn recorded(object: &str) -> Value {
    fn find(value: &Value, object: &str) -> Option<Value> {
        match value {
            Value::Object(map) if map.get("object") == Some(&json!(object)) => Some(value.clone()),
            Value::Object(map) => map.values().find_map(|v| find(v, object)),
            Value::Array(items) => items.iter().find_map(|v| find(v, object)),
            _ => None,
        }
    }
    let suite = conform::suite::Suite::load(&root().join("cases")).unwrap();
    let found = suite
        .cases()
        .flat_map(|c| c.steps.iter())
        .find_map(|s| find(&s.step.response.body, object));
    found.unwrap_or_else(|| panic!("no recorded {object}"))
}

#[test]
fn a_credit_note_refund_given_as_an_id_or_expanded_validates() {
    let schemas = schemas();
    let mut note = recorded("credit_note");
    for refund in [
        json!("re_1Nispe2eZvKYlo2Cd31jOCgZ"),
        json!({"id": "re_1Nispe2eZvKYlo2Cd31jOCgZ", "object": "refund"}),
    ] {
        note["refunds"] = json!([{"amount_refunded": 100, "payment_record_refund": null, "refund": refund, "type": "refund"}]);
        let violations = schemas.validate(&note);
        assert!(errors(&violations).is_empty(), "{violations:?}");
    }
    note["refunds"][0]["refund"] = json!(7);
    assert!(!errors(&schemas.validate(&note)).is_empty());
}

/// Every property below `schema` marked expandable, with its pointer.
fn expandable<'a>(schema: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    if schema.get("x-expandable") == Some(&json!(true)) {
        out.push((at.clone(), schema));
    }
    if let Some(Value::Object(properties)) = schema.get("properties") {
        for (name, child) in properties {
            expandable(child, format!("{at}/{name}"), out);
        }
    }
    if let Some(items) = schema.get("items") {
        expandable(items, format!("{at}/*"), out);
    }
}

#[test]
fn every_expandable_attribute_accepts_an_id_and_the_object() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("schemas")).unwrap() {
        let path = entry.unwrap().path();
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut found = Vec::new();
        expandable(&schema, String::new(), &mut found);
        for (at, property) in found {
            let validator = jsonschema::validator_for(property).unwrap();
            let name = path.display();
            assert!(
                validator.is_valid(&json!("xx_1A2b3C4d5E")),
                "{name} {at}: an id"
            );
            assert!(
                validator.is_valid(&json!({"id": "xx_1A2b3C4d5E"})),
                "{name} {at}: the object"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked} expandable attributes");
}
