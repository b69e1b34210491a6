//! End to end with the official `stripe` Python client against `conform serve`. Runs when
//! `CONFORM_PYTHON` names a Python with `stripe` installed (`scripts/python-env` makes one;
//! `.ci/run` sets it), and says so when it is skipped.

use std::path::Path;
use std::process::Command;

use crate::serve::Process;

#[test]
fn the_stripe_python_client_replays_three_flows() {
    let Ok(python) = std::env::var("CONFORM_PYTHON") else {
        eprintln!("SKIPPED: CONFORM_PYTHON is not set; run scripts/python-env and set it to run the stripe-python end-to-end test");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = Process::start(root, &["serve", "--port", "0"]);
    let out = Command::new(python)
        .arg(root.join("tests/e2e/stripe_client.py"))
        .arg(&server.url)
        .args([
            "cases/checkout/sessions/expire_expired.json",
            "cases/checkout/sessions/retrieve_expand_line_items.json",
            "cases/flows/notes_invoice_credit_note_lifecycle.json",
            "cases/flows/billing_customer_balance.json",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("steps of 4 cases matched the recordings"),
        "{text}"
    );
}
