//! Customer balance transactions and the balance they move.

use std::collections::HashMap;

use super::{int, is_a, text, Found, Invariant, Seen, View};

const CREATE: &str = "/v1/customers/*/balance_transactions";

pub const AMOUNT_AS_REQUESTED: Invariant = Invariant {
    id: "balance.amount_as_requested",
    statement:
        "A created customer balance transaction has the amount and currency it was created with.",
    source: "Customer balance transactions: create (`amount`, `currency`); the transaction object",
    judge: amount_as_requested,
};

pub const ENDING_BALANCE: Invariant = Invariant {
    id: "balance.ending_balance",
    statement: "A new balance transaction's `ending_balance` is the customer's balance before it plus its `amount`.",
    source: "The customer balance transaction object (`amount`, `ending_balance`)",
    judge: ending_balance,
};

pub const CUSTOMER_BALANCE: Invariant = Invariant {
    id: "balance.customer_balance",
    statement: "After balance transactions, the customer's `balance` is the last transaction's `ending_balance`.",
    source: "The customer object (`balance`); the customer balance transaction object (`ending_balance`)",
    judge: customer_balance,
};

fn amount_as_requested(view: &View<'_>, found: &mut Found) {
    for seen in view.ok_on("POST", CREATE) {
        if let (Some(sent), Some(got)) = (seen.param_int("/amount"), int(seen.body, "/amount")) {
            found.equal(seen.step, "/body/amount", sent, got, "the amount requested");
        }
        if let (Some(sent), Some(got)) =
            (seen.param_text("/currency"), text(seen.body, "/currency"))
        {
            found.expect(
                seen.step,
                "/body/currency",
                sent.eq_ignore_ascii_case(got),
                || {
                    format!(
                        "expected `{}` (the currency requested), got `{got}`",
                        sent.to_lowercase()
                    )
                },
            );
        }
    }
}

/// What a flow shows of a customer's balance at one point.
#[derive(Clone, Copy)]
struct Known {
    balance: i64,
    /// The last thing seen was a new balance transaction (not the customer itself).
    by_transaction: bool,
}

/// Requests that may move a balance without a balance transaction answer showing it: applying
/// the balance to an invoice, crediting it with a credit note, deleting the customer.
fn moves_balances(seen: &Seen<'_>) -> bool {
    seen.writes()
        && (seen.path.starts_with("/v1/credit_notes")
            || seen.is("POST", "/v1/invoices/*/finalize")
            || seen.is("POST", "/v1/invoices/*/pay")
            || seen.is("POST", "/v1/invoices/*/void")
            || seen.method == "DELETE")
}

/// Walks the flow's balances; `on_transaction` and `on_customer` judge each new transaction
/// and each customer answer against what was known before it.
fn walk(
    view: &View<'_>,
    mut on_transaction: impl FnMut(&Seen<'_>, Known, i64, i64),
    mut on_customer: impl FnMut(&Seen<'_>, Known, i64),
) {
    let mut known: HashMap<String, Known> = HashMap::new();
    for seen in &view.seen {
        if !seen.ok() {
            continue;
        }
        if moves_balances(seen) {
            known.clear();
            continue;
        }
        if seen.is("POST", CREATE) {
            let (Some(customer), Some(amount), Some(ending)) = (
                seen.id(CREATE),
                int(seen.body, "/amount"),
                int(seen.body, "/ending_balance"),
            ) else {
                continue;
            };
            if let Some(before) = known.get(customer) {
                on_transaction(seen, *before, amount, ending);
            }
            let now = Known {
                balance: ending,
                by_transaction: true,
            };
            known.insert(customer.to_owned(), now);
        } else if is_a(seen.body, "customer") {
            let (Some(id), Some(balance)) = (seen.body_id(), int(seen.body, "/balance")) else {
                continue;
            };
            // A balance set by the request itself is not one the flow can predict.
            if seen.param("/balance").is_none() {
                if let Some(before) = known.get(id) {
                    on_customer(seen, *before, balance);
                }
            }
            let now = Known {
                balance,
                by_transaction: false,
            };
            known.insert(id.to_owned(), now);
        }
    }
}

fn ending_balance(view: &View<'_>, found: &mut Found) {
    walk(
        view,
        |seen, before, amount, ending| {
            let expected = before.balance + amount;
            found.expect(
                seen.step,
                "/body/ending_balance",
                ending == expected,
                || {
                    format!(
                        "expected {expected} (balance {} plus amount {amount}), got {ending}",
                        before.balance
                    )
                },
            );
        },
        |_, _, _| {},
    );
}

fn customer_balance(view: &View<'_>, found: &mut Found) {
    walk(
        view,
        |_, _, _, _| {},
        |seen, before, balance| {
            if before.by_transaction {
                found.equal(
                    seen.step,
                    "/body/balance",
                    before.balance,
                    balance,
                    "the last transaction's ending_balance",
                );
            }
        },
    );
}
