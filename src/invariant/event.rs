//! Events: one per documented state change, carrying the object after it.

use serde_json::Value;

use super::{complete_list, id_of, objects_in, text, Found, Invariant, Seen, View};

/// Requests whose success is a state change the event type list names: method, path pattern,
/// event type.
const CHANGES: &[(&str, &str, &str)] = &[
    ("POST", "/v1/customers", "customer.created"),
    ("DELETE", "/v1/customers/*", "customer.deleted"),
    ("POST", "/v1/credit_notes", "credit_note.created"),
    ("POST", "/v1/credit_notes/*/void", "credit_note.voided"),
    (
        "POST",
        "/v1/checkout/sessions/*/expire",
        "checkout.session.expired",
    ),
    ("POST", "/v1/invoices", "invoice.created"),
    ("POST", "/v1/invoices/*/finalize", "invoice.finalized"),
    ("POST", "/v1/invoiceitems", "invoiceitem.created"),
    ("POST", "/v1/products", "product.created"),
    ("POST", "/v1/prices", "price.created"),
    (
        "POST",
        "/v1/billing/credit_grants",
        "billing.credit_grant.created",
    ),
];

pub const DATA_OBJECT: Invariant = Invariant {
    id: "event.data_object",
    statement: "An event for a change the flow made carries in `data.object` the object as that change answered it.",
    source: "Types of events (what `data.object` holds for each type); the event object (`data.object`)",
    judge: data_object,
};

pub const ONE_PER_CHANGE: Invariant = Invariant {
    id: "event.one_per_change",
    statement: "Each state change the event type list names produces exactly one event of that type for that object.",
    source: "Types of events; list all events (`type`, `types`)",
    judge: one_per_change,
};

/// One change a flow made: where, its event type, the object's id and the answer.
struct Change<'a> {
    at: usize,
    kind: &'static str,
    id: &'a str,
    object: &'a Value,
}

fn changes<'a>(view: &View<'a>) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    for (at, seen) in view.seen.iter().enumerate() {
        let Some(&(_, _, kind)) = CHANGES.iter().find(|(m, p, _)| seen.ok_on(m, p)) else {
            continue;
        };
        if let Some(id) = seen.body_id() {
            out.push(Change {
                at,
                kind,
                id,
                object: seen.body,
            });
        }
    }
    out
}

/// The events an answer holds, with their pointers.
fn events<'v>(seen: &Seen<'v>) -> Vec<(String, &'v Value)> {
    objects_in(seen.body, "event")
}

fn data_object(view: &View<'_>, found: &mut Found) {
    let changes = changes(view);
    for (at, seen) in view.seen.iter().enumerate().filter(|(_, s)| s.ok()) {
        for (pointer, event) in events(seen) {
            let (Some(kind), Some(object)) = (text(event, "/type"), event.pointer("/data/object"))
            else {
                continue;
            };
            let id = object.get("id").and_then(id_of);
            let Some(change) = changes
                .iter()
                .find(|c| c.at < at && c.kind == kind && Some(c.id) == id)
            else {
                continue;
            };
            found.expect(
                seen.step,
                format!("{pointer}/data/object"),
                object == change.object,
                || {
                    format!(
                        "`{kind}` event's object differs from the answer to step {}",
                        view.seen[change.at].step + 1
                    )
                },
            );
        }
    }
}

/// The event types a list asks for: `type`, `types`, or every type.
fn asked_types(seen: &Seen<'_>) -> Option<Vec<String>> {
    if let Some(kind) = seen.param_text("/type") {
        return Some(vec![kind.to_owned()]);
    }
    match seen.param("/types") {
        Some(Value::Array(kinds)) => Some(
            kinds
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Some(Value::Object(kinds)) => Some(
            kinds
                .values()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

fn one_per_change(view: &View<'_>, found: &mut Found) {
    let changes = changes(view);
    for (at, seen) in view.seen.iter().enumerate() {
        let paged = ["/starting_after", "/ending_before", "/created"]
            .iter()
            .any(|p| seen.param(p).is_some());
        if !seen.ok_on("GET", "/v1/events") || paged {
            continue;
        }
        let Some(items) = complete_list(seen.body) else {
            continue;
        };
        let wanted = asked_types(seen);
        for change in changes.iter().filter(|c| c.at < at) {
            if wanted
                .as_ref()
                .is_some_and(|w| !w.iter().any(|k| k == change.kind))
            {
                continue;
            }
            let count = items
                .iter()
                .filter(|e| {
                    text(e, "/type") == Some(change.kind)
                        && e.pointer("/data/object/id").and_then(id_of) == Some(change.id)
                })
                .count();
            found.expect(seen.step, "/body/data", count == 1, || {
                format!(
                    "expected one `{}` event for {} (step {}), found {count}",
                    change.kind,
                    change.id,
                    view.seen[change.at].step + 1
                )
            });
        }
    }
}
