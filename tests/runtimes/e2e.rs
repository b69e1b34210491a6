//! End to end with the official `stripe` clients against `conform serve`: the Python client
//! with the interpreter `CONFORM_PYTHON` names (`scripts/python-env` makes one), the Node client
//! with the `node_modules` folder `CONFORM_NODE_PATH` names (`scripts/node-env` makes one) and
//! `node` on the PATH. Client versions are pinned in `scripts/clients.env`.

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

/// The stripe-python client with the interpreter `python`.
pub fn the_stripe_python_client_replays_recorded_flows(python: &str) {
    let text = replay(Command::new(python), "stripe_client.py");
    assert!(text.contains("stripe-python"), "{text}");
}

/// The stripe-node client from the `node_modules` folder `node_path`.
pub fn the_stripe_node_client_replays_recorded_flows(node_path: &str) {
    let mut node = Command::new("node");
    node.env("NODE_PATH", node_path);
    let text = replay(node, "stripe_client.js");
    assert!(text.contains("stripe-node"), "{text}");
}
