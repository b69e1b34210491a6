//! Credit notes and the invoices they credit.

use std::collections::HashMap;

use serde_json::Value;

use super::{complete_list, id_of, int, objects_in, text, Found, Invariant, View};

pub const CREDIT_NOTE_LINES: Invariant = Invariant {
    id: "credit_note.sum_of_lines",
    statement: "Without taxes, a credit note's `total` is the sum of its lines' amounts less `discount_amount`, and its `amount` is its `total`.",
    source: "The credit note object (`amount`, `total`, `discount_amount`, `lines`); credit note line items (`amount`)",
    judge: credit_note_lines,
};

pub const CREDIT_NOTE_SPLIT: Invariant = Invariant {
    id: "credit_note.amount_split",
    statement: "A credit note's `pre_payment_amount` and `post_payment_amount` add up to its `amount`, and `out_of_band_amount` is part of the post-payment amount.",
    source: "The credit note object (`pre_payment_amount`, `post_payment_amount`, `out_of_band_amount`)",
    judge: credit_note_split,
};

pub const CREDIT_NOTE_VOID: Invariant = Invariant {
    id: "credit_note.void",
    statement: "Voiding a credit note answers it with status `void` and its amount unchanged; a void credit note cannot be voided again.",
    source: "Credit notes: void a credit note; the credit note object (`status`)",
    judge: credit_note_void,
};

pub const INVOICE_CREDIT_NOTES: Invariant = Invariant {
    id: "invoice.credit_notes_amount",
    statement: "An invoice's `pre_payment_credit_notes_amount` and `post_payment_credit_notes_amount` are the sums of its issued credit notes of each type; a void one no longer counts.",
    source: "The invoice object (`pre_payment_credit_notes_amount`, `post_payment_credit_notes_amount`); the credit note object (`type`, `status`)",
    judge: invoice_credit_notes,
};

pub const INVOICE_AMOUNT_DUE: Invariant = Invariant {
    id: "invoice.amount_due",
    statement: "An invoice's `amount_due` is its `total` less pre-payment credit notes plus `starting_balance` (never below 0), and `amount_remaining` is `amount_due` less `amount_paid`.",
    source: "The invoice object (`amount_due`, `amount_paid`, `amount_remaining`, `starting_balance`)",
    judge: invoice_amount_due,
};

pub const INVOICE_TOTALS: Invariant = Invariant {
    id: "invoice.totals",
    statement: "An invoice's `subtotal` is the sum of its lines' amounts, and without discounts, credits or taxes its `total` is its `subtotal`.",
    source: "The invoice object (`subtotal`, `total`, `lines`, `total_discount_amounts`, `total_taxes`)",
    judge: invoice_totals,
};

/// An empty or absent list of amounts.
fn none_of(object: &Value, key: &str) -> bool {
    match object.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        _ => false,
    }
}

/// The sum of `amount` over a complete list of lines.
fn lines_sum(object: &Value) -> Option<i64> {
    complete_list(object.get("lines")?)?
        .iter()
        .map(|line| int(line, "/amount"))
        .sum()
}

fn credit_note_lines(view: &View<'_>, found: &mut Found) {
    for seen in view.seen.iter().filter(|s| s.ok()) {
        for (at, note) in objects_in(seen.body, "credit_note") {
            let (Some(lines), Some(amount), Some(total)) =
                (lines_sum(note), int(note, "/amount"), int(note, "/total"))
            else {
                continue;
            };
            if none_of(note, "total_taxes") && none_of(note, "tax_amounts") {
                let discount = int(note, "/discount_amount").unwrap_or(0);
                let expected = lines - discount;
                found.expect(seen.step, format!("{at}/total"), total == expected, || {
                    format!(
                        "expected {expected} (lines {lines} less discount {discount}), got {total}"
                    )
                });
            }
            found.equal(
                seen.step,
                &format!("{at}/amount"),
                total,
                amount,
                "its total",
            );
        }
    }
}

fn credit_note_split(view: &View<'_>, found: &mut Found) {
    for seen in view.seen.iter().filter(|s| s.ok()) {
        for (at, note) in objects_in(seen.body, "credit_note") {
            let (Some(amount), Some(pre), Some(post)) = (
                int(note, "/amount"),
                int(note, "/pre_payment_amount"),
                int(note, "/post_payment_amount"),
            ) else {
                continue;
            };
            found.expect(seen.step, format!("{at}/post_payment_amount"), pre + post == amount, || {
                format!("expected pre-payment {pre} plus post-payment {post} to be the amount {amount}")
            });
            if let Some(out_of_band) = int(note, "/out_of_band_amount") {
                found.expect(seen.step, format!("{at}/out_of_band_amount"), out_of_band <= post, || {
                    format!("out-of-band amount {out_of_band} exceeds the post-payment amount {post}")
                });
            }
        }
    }
}

fn credit_note_void(view: &View<'_>, found: &mut Found) {
    let mut amounts: HashMap<&str, i64> = HashMap::new();
    let mut void: HashMap<&str, usize> = HashMap::new();
    for seen in view.seen.iter().filter(|s| s.ok()) {
        if let Some(id) = seen
            .id("/v1/credit_notes/*/void")
            .filter(|_| seen.method == "POST")
        {
            if let Some(step) = void.get(id) {
                found.expect(seen.step, "/status", false, || {
                    format!("voided again after step {} voided it", step + 1)
                });
            }
            let status = text(seen.body, "/status").unwrap_or("");
            found.expect(seen.step, "/body/status", status == "void", || {
                format!("expected `void`, got `{status}`")
            });
            if let (Some(before), Some(now)) = (amounts.get(id), int(seen.body, "/amount")) {
                found.equal(
                    seen.step,
                    "/body/amount",
                    *before,
                    now,
                    "the amount before the void",
                );
            }
            void.insert(id, seen.step);
        }
        for (_, note) in objects_in(seen.body, "credit_note") {
            if let (Some(id), Some(amount)) = (id_of(note), int(note, "/amount")) {
                amounts.entry(id).or_insert(amount);
            }
        }
    }
}

/// The credit notes a flow shows, latest state of each: invoice, type, status, amount.
struct Note<'a> {
    invoice: &'a str,
    kind: &'a str,
    issued: bool,
    amount: i64,
}

fn invoice_credit_notes(view: &View<'_>, found: &mut Found) {
    let created: Vec<&str> = view
        .ok_on("POST", "/v1/invoices")
        .filter_map(|s| s.body_id())
        .collect();
    let mut notes: HashMap<&str, Note<'_>> = HashMap::new();
    for seen in view.seen.iter().filter(|s| s.ok()) {
        for (at, invoice) in objects_in(seen.body, "invoice") {
            let Some(id) = id_of(invoice).filter(|id| created.contains(id)) else {
                continue;
            };
            for (kind, key) in [
                ("pre_payment", "pre_payment_credit_notes_amount"),
                ("post_payment", "post_payment_credit_notes_amount"),
            ] {
                let Some(actual) = int(invoice, &format!("/{key}")) else {
                    continue;
                };
                let expected: i64 = notes
                    .values()
                    .filter(|n| n.invoice == id && n.kind == kind && n.issued)
                    .map(|n| n.amount)
                    .sum();
                let what = format!("the issued {kind} credit notes");
                found.equal(seen.step, &format!("{at}/{key}"), expected, actual, &what);
            }
        }
        // Previews are not credit notes of the invoice.
        if seen.path.ends_with("/preview") {
            continue;
        }
        for (_, note) in objects_in(seen.body, "credit_note") {
            let (Some(id), Some(invoice), Some(kind), Some(status), Some(amount)) = (
                id_of(note),
                note.get("invoice").and_then(id_of),
                text(note, "/type"),
                text(note, "/status"),
                int(note, "/amount"),
            ) else {
                continue;
            };
            let issued = status == "issued";
            notes.insert(
                id,
                Note {
                    invoice,
                    kind,
                    issued,
                    amount,
                },
            );
        }
    }
}

fn invoice_amount_due(view: &View<'_>, found: &mut Found) {
    for seen in view.seen.iter().filter(|s| s.ok()) {
        for (at, invoice) in objects_in(seen.body, "invoice") {
            let number = |key: &str| int(invoice, &format!("/{key}"));
            let (Some(due), Some(paid), Some(remaining), Some(total)) = (
                number("amount_due"),
                number("amount_paid"),
                number("amount_remaining"),
                number("total"),
            ) else {
                continue;
            };
            let expected = due - paid;
            found.expect(
                seen.step,
                format!("{at}/amount_remaining"),
                remaining == expected,
                || {
                    format!(
                        "expected {expected} (amount due {due} less paid {paid}), got {remaining}"
                    )
                },
            );
            let credited = number("pre_payment_credit_notes_amount").unwrap_or(0);
            let starting = number("starting_balance").unwrap_or(0);
            let expected = (total - credited + starting).max(0);
            found.expect(seen.step, format!("{at}/amount_due"), due == expected, || {
                format!(
                    "expected {expected} (total {total} less credit notes {credited} plus starting balance {starting}), got {due}"
                )
            });
        }
    }
}

fn invoice_totals(view: &View<'_>, found: &mut Found) {
    for seen in view.seen.iter().filter(|s| s.ok()) {
        for (at, invoice) in objects_in(seen.body, "invoice") {
            let (Some(lines), Some(subtotal), Some(total)) = (
                lines_sum(invoice),
                int(invoice, "/subtotal"),
                int(invoice, "/total"),
            ) else {
                continue;
            };
            found.equal(
                seen.step,
                &format!("{at}/subtotal"),
                lines,
                subtotal,
                "the sum of its lines",
            );
            let plain = [
                "total_discount_amounts",
                "total_pretax_credit_amounts",
                "total_taxes",
                "total_tax_amounts",
            ]
            .iter()
            .all(|key| none_of(invoice, key));
            if plain {
                found.equal(
                    seen.step,
                    &format!("{at}/total"),
                    subtotal,
                    total,
                    "its subtotal",
                );
            }
        }
    }
}
