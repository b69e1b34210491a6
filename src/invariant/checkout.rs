//! Checkout Sessions: expiry, the expire transition and amounts.

use std::collections::HashMap;

use serde_json::Value;

use super::{complete_list, int, objects_in, text, Found, Invariant, View};

const SESSIONS: &str = "/v1/checkout/sessions";
const SESSION: &str = "checkout.session";
/// A session expires this long after it is created unless `expires_at` says otherwise.
const DEFAULT_LIFETIME: i64 = 24 * 60 * 60;

pub const EXPIRES_AT: Invariant = Invariant {
    id: "checkout.expires_at",
    statement: "A new Checkout Session expires at the `expires_at` it was created with, or 24 hours after `created`.",
    source: "The Checkout Session object (`expires_at`); create a Checkout Session (`expires_at`)",
    judge: expires_at,
};

pub const EXPIRE_ONCE: Invariant = Invariant {
    id: "checkout.expire_once",
    statement: "Expiring a session answers it with status `expired`; an expired session cannot be expired again.",
    source: "Expire a Checkout Session; the Checkout Session object (`status`)",
    judge: expire_once,
};

pub const AMOUNT_TOTAL: Invariant = Invariant {
    id: "checkout.amount_total",
    statement: "Without taxes, a session's `amount_total` is `amount_subtotal` less the discount plus shipping from `total_details`.",
    source: "The Checkout Session object (`amount_subtotal`, `amount_total`, `total_details`)",
    judge: amount_total,
};

pub const LINE_ITEMS_TOTAL: Invariant = Invariant {
    id: "checkout.line_items_total",
    statement: "A session's line items' subtotals add up to its `amount_subtotal`.",
    source:
        "The Checkout Session object (`line_items`, `amount_subtotal`); list a session's line items",
    judge: line_items_total,
};

fn expires_at(view: &View<'_>, found: &mut Found) {
    for seen in view.ok_on("POST", SESSIONS) {
        let (Some(expires), Some(created)) =
            (int(seen.body, "/expires_at"), int(seen.body, "/created"))
        else {
            continue;
        };
        match (seen.param("/expires_at"), seen.param_int("/expires_at")) {
            // A time the recording leaves to a template.
            (Some(_), None) => {}
            (_, Some(asked)) => found.equal(
                seen.step,
                "/body/expires_at",
                asked,
                expires,
                "the expires_at requested",
            ),
            (None, None) => found.equal(
                seen.step,
                "/body/expires_at",
                created + DEFAULT_LIFETIME,
                expires,
                "24 hours after created",
            ),
        }
    }
}

fn expire_once(view: &View<'_>, found: &mut Found) {
    let mut expired: HashMap<&str, usize> = HashMap::new();
    for seen in view.seen.iter().filter(|s| s.ok()) {
        if let Some(id) = seen
            .id("/v1/checkout/sessions/*/expire")
            .filter(|_| seen.method == "POST")
        {
            if let Some(step) = expired.get(id) {
                found.expect(seen.step, "/status", false, || {
                    format!("expired again after step {} showed it expired", step + 1)
                });
            }
            let status = text(seen.body, "/status").unwrap_or("");
            found.expect(seen.step, "/body/status", status == "expired", || {
                format!("expected `expired`, got `{status}`")
            });
        }
        for (_, session) in objects_in(seen.body, SESSION) {
            if let (Some(id), Some("expired")) = (text(session, "/id"), text(session, "/status")) {
                expired.entry(id).or_insert(seen.step);
            }
        }
    }
}

fn amount_total(view: &View<'_>, found: &mut Found) {
    for seen in view.seen.iter().filter(|s| s.ok()) {
        for (at, session) in objects_in(seen.body, SESSION) {
            let (Some(total), Some(subtotal)) = (
                int(session, "/amount_total"),
                int(session, "/amount_subtotal"),
            ) else {
                continue;
            };
            if int(session, "/total_details/amount_tax").unwrap_or(0) != 0 {
                continue;
            }
            let discount = int(session, "/total_details/amount_discount").unwrap_or(0);
            let shipping = int(session, "/total_details/amount_shipping").unwrap_or(0);
            let expected = subtotal - discount + shipping;
            found.expect(seen.step, format!("{at}/amount_total"), total == expected, || {
                format!("expected {expected} (subtotal {subtotal} less discount {discount} plus shipping {shipping}), got {total}")
            });
        }
    }
}

/// The sum of `amount_subtotal` over a complete list of line items.
fn items_sum(list: &Value) -> Option<i64> {
    complete_list(list)?
        .iter()
        .map(|item| int(item, "/amount_subtotal"))
        .sum()
}

fn line_items_total(view: &View<'_>, found: &mut Found) {
    let mut subtotals: HashMap<&str, i64> = HashMap::new();
    for seen in view.seen.iter().filter(|s| s.ok()) {
        if let Some(id) = seen.id("/v1/checkout/sessions/*/line_items") {
            let whole =
                seen.param("/starting_after").is_none() && seen.param("/ending_before").is_none();
            if let (true, Some(sum), Some(subtotal)) =
                (whole, items_sum(seen.body), subtotals.get(id))
            {
                found.equal(
                    seen.step,
                    "/body/data",
                    *subtotal,
                    sum,
                    "the session's amount_subtotal",
                );
            }
        }
        for (at, session) in objects_in(seen.body, SESSION) {
            let (Some(id), Some(subtotal)) =
                (text(session, "/id"), int(session, "/amount_subtotal"))
            else {
                continue;
            };
            subtotals.insert(id, subtotal);
            if let Some(sum) = session.get("line_items").and_then(items_sum) {
                found.equal(
                    seen.step,
                    &format!("{at}/line_items"),
                    subtotal,
                    sum,
                    "the line items' subtotals",
                );
            }
        }
    }
}
