//! End to end with the official `stripe` clients against `conform serve`: the Python client runs
//! when `CONFORM_PYTHON` names a Python with `stripe` installed (`scripts/python-env` makes one),
//! the Node client when `CONFORM_NODE_PATH` names a `node_modules` folder holding `stripe`
//! (`scripts/node-env` makes one) and `node` is on the PATH. `.ci/run` sets both; each test says
//! SKIPPED when its client is missing. Client versions are pinned in `scripts/clients.env`.

use std::path::Path;
use std::process::Command;

use crate::serve::Process;

/// The recorded flows both clients replay.
const FLOWS: [&str; 4] = [
    "cases/checkout/sessions/expire_expired.json",
    "cases/checkout/sessions/retrieve_expand_line_items.json",
    "cases/flows/notes_invoice_credit_note_lifecycle.json",
    "cases/flows/billing_customer_balance.json",
];

/// Runs `client` (an interpreter and its script under tests/e2e) against a fresh `conform
/// serve` with the recorded flows; asserts it succeeds and reports every flow matched. Returns
/// what it printed.
fn replay(mut client: Command, script: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = Process::start(root, &["serve", "--port", "0"]);
    let out = client
        .arg(root.join("tests/e2e").join(script))
        .arg(&server.url)
        .args(FLOWS)
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
    text
}

#[test]
fn the_stripe_python_client_replays_recorded_flows() {
    let Ok(python) = std::env::var("CONFORM_PYTHON") else {
        eprintln!("SKIPPED: CONFORM_PYTHON is not set; run scripts/python-env and set it to run the stripe-python end-to-end test");
        return;
    };
    let text = replay(Command::new(python), "stripe_client.py");
    assert!(text.contains("stripe-python"), "{text}");
}

#[test]
fn the_stripe_node_client_replays_recorded_flows() {
    let Ok(node_path) = std::env::var("CONFORM_NODE_PATH") else {
        eprintln!("SKIPPED: CONFORM_NODE_PATH is not set; run scripts/node-env and set it to its output to run the stripe-node end-to-end test");
        return;
    };
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("SKIPPED: node is not on the PATH; the stripe-node end-to-end test needs it");
        return;
    }
    let mut node = Command::new("node");
    node.env("NODE_PATH", node_path);
    let text = replay(node, "stripe_client.js");
    assert!(text.contains("stripe-node"), "{text}");
}
