//! Every recorded response body of the corpus, deserialized into the strict types async-stripe
//! generates from the API's OpenAPI description: objects into their object types, deleted
//! objects into their deleted types, list envelopes into `List` (each item then checked as its
//! own object), error answers into the error type. The types ignore attributes they do not
//! know, so each value is also serialized back and every attribute of the recording must
//! reappear: an attribute the API version does not have fails too. A failure names the case
//! file, the step, and the serde error or the JSON pointer.

mod common;

use std::path::{Path, PathBuf};

use serde::de::{Deserialize, DeserializeOwned, IgnoredAny};
use serde::Serialize;
use serde_json::Value;

/// Deserializes `value` as `T`, or says why it does not fit; then checks that `T` knows every
/// attribute of `value`.
fn fits<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), String> {
    let typed = T::deserialize(value).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match common::first_gap(value, &back, "", false) {
        Some(gap) => Err(gap),
        None => Ok(()),
    }
}

/// Checks one body (an object, a deleted object or a list) against its type.
fn check_object(body: &Value) -> Result<(), String> {
    let object = body.get("object").and_then(Value::as_str).unwrap_or("");
    let deleted = body.get("deleted") == Some(&Value::Bool(true));
    match (object, deleted) {
        ("list", _) => {
            stripe_types::List::<IgnoredAny>::deserialize(body).map_err(|e| e.to_string())?;
            let items = body["data"].as_array().map_or(&[][..], Vec::as_slice);
            for (i, item) in items.iter().enumerate() {
                check_object(item).map_err(|e| format!("/data/{i}: {e}"))?;
            }
            Ok(())
        }
        ("customer", true) => fits::<stripe_shared::DeletedCustomer>(body),
        ("customer", false) => fits::<stripe_shared::Customer>(body),
        ("product", true) => fits::<stripe_shared::DeletedProduct>(body),
        ("product", false) => fits::<stripe_shared::Product>(body),
        ("coupon", true) => fits::<stripe_shared::DeletedCoupon>(body),
        ("coupon", false) => fits::<stripe_shared::Coupon>(body),
        ("invoice", true) => fits::<stripe_shared::DeletedInvoice>(body),
        ("invoice", false) => fits::<stripe_shared::Invoice>(body),
        ("invoiceitem", true) => fits::<stripe_billing::DeletedInvoiceitem>(body),
        ("invoiceitem", false) => fits::<stripe_billing::InvoiceItem>(body),
        ("price", false) => fits::<stripe_shared::Price>(body),
        ("line_item", false) => fits::<stripe_shared::InvoiceLineItem>(body),
        ("item", false) => fits::<stripe_shared::CheckoutSessionItem>(body),
        ("checkout.session", false) => fits::<stripe_shared::CheckoutSession>(body),
        ("credit_note", false) => fits::<stripe_shared::CreditNote>(body),
        ("credit_note_line_item", false) => fits::<stripe_shared::CreditNoteLineItem>(body),
        ("customer_balance_transaction", false) => {
            fits::<stripe_shared::CustomerBalanceTransaction>(body)
        }
        ("billing.credit_grant", false) => fits::<stripe_shared::BillingCreditGrant>(body),
        ("billing.credit_balance_transaction", false) => {
            fits::<stripe_shared::BillingCreditBalanceTransaction>(body)
        }
        ("billing.credit_balance_summary", false) => {
            fits::<stripe_billing::BillingCreditBalanceSummary>(body)
        }
        ("event", false) => fits::<stripe_shared::Event>(body),
        (other, deleted) => Err(format!(
            "no typed check for object `{other}`{}; add one here",
            if deleted { " (deleted)" } else { "" }
        )),
    }
}

/// Checks the recorded answer of one step: an error body into the error type, else the object.
fn check_answer(status: u64, body: &Value) -> Result<(), String> {
    if status >= 400 {
        let error = body
            .get("error")
            .ok_or("an error answer without an `error` object")?;
        return fits::<stripe_shared::ApiErrors>(error).map_err(|e| format!("/error: {e}"));
    }
    check_object(body)
}

/// (name, status, body) of one step.
fn one(name: String, step: &Value) -> (String, u64, &Value) {
    let response = &step["response"];
    (
        name,
        response["status"].as_u64().unwrap_or(0),
        &response["body"],
    )
}

/// (step label, status, body) of every step of a case file.
fn steps(case: &Value) -> Vec<(String, u64, &Value)> {
    match case.get("steps").and_then(Value::as_array) {
        Some(steps) => steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let name = step["name"]
                    .as_str()
                    .map_or_else(|| format!("step{}", i + 1), str::to_owned);
                one(name, step)
            })
            .collect(),
        None => vec![one("step1".to_owned(), case)],
    }
}

fn case_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| {
            !p.components().any(|c| {
                let name = c.as_os_str().to_string_lossy();
                name.starts_with('_') || (name.starts_with('.') && name.len() > 1 && name != "..")
            })
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_recorded_body_fits_the_generated_types() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases");
    let files = case_files(&root);
    assert!(!files.is_empty(), "no case files under {}", root.display());
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in &files {
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(file).unwrap();
        let case: Value = match serde_json::from_str(&text) {
            Ok(case) => case,
            Err(e) => {
                failures.push(format!("cases/{shown}: not JSON: {e}"));
                continue;
            }
        };
        for (step, status, body) in steps(&case) {
            if body.is_null() {
                continue;
            }
            checked += 1;
            if let Err(e) = check_answer(status, body) {
                failures.push(format!("cases/{shown} step {step}: {e}"));
            }
        }
    }
    println!(
        "{} of {checked} recorded bodies fit the generated types",
        checked - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} recorded bodies do not fit:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_body_missing_a_required_attribute_does_not_fit() {
    let mut customer = serde_json::json!({
        "id": "cus_T1", "object": "customer", "created": 1763700000, "livemode": false,
        "balance": 0, "email": null, "metadata": {}, "description": null, "name": null,
        "phone": null, "preferred_locales": [], "shipping": null, "tax_exempt": "none",
        "invoice_settings": {"custom_fields": null, "default_payment_method": null,
            "footer": null, "rendering_options": null},
        "delinquent": false, "currency": null, "default_source": null, "discount": null,
        "invoice_prefix": "ABC123", "next_invoice_sequence": 1, "address": null,
        "test_clock": null
    });
    check_object(&customer).unwrap();
    customer.as_object_mut().unwrap().remove("livemode");
    let error = check_object(&customer).unwrap_err();
    assert!(error.contains("livemode"), "{error}");
    assert!(check_object(&serde_json::json!({"object": "no_such_thing"})).is_err());
}

#[test]
fn an_attribute_the_type_does_not_have_does_not_fit() {
    let deleted = serde_json::json!({"id": "cus_T1", "object": "customer", "deleted": true});
    check_object(&deleted).unwrap();
    let mut older = deleted.clone();
    older["tax_amounts"] = serde_json::json!([]);
    let error = check_object(&older).unwrap_err();
    assert!(error.contains("/tax_amounts"), "{error}");
}

#[test]
fn the_pinned_release_is_the_one_scripts_clients_env_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clients = std::fs::read_to_string(root.join("../scripts/clients.env")).unwrap();
    let pinned = clients
        .lines()
        .find_map(|l| l.strip_prefix("ASYNC_STRIPE="))
        .expect("scripts/clients.env names ASYNC_STRIPE");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let uses: Vec<&str> = manifest
        .lines()
        .filter(|l| l.starts_with("async-stripe"))
        .collect();
    assert_eq!(uses.len(), 5, "{uses:?}");
    for line in uses {
        assert!(
            line.contains(&format!("\"={pinned}\"")),
            "{line} is not {pinned}"
        );
    }
}
