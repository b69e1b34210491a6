//! Relations every resource keeps: reads after writes, lists, deletion, idempotency and
//! metadata.

use serde_json::Value;

use super::{complete_list, id_of, int, is_a, Found, Invariant, Seen, View};

pub const READ_AFTER_WRITE: Invariant = Invariant {
    id: "read_after_write",
    statement: "An object read back equals the last answer that showed it, when nothing changed state in between.",
    source: "Each resource's retrieve endpoint (returns the object as it stands); its create and update endpoints (return the object)",
    judge: read_after_write,
};

pub const NEWEST_FIRST: Invariant = Invariant {
    id: "list.newest_first",
    statement: "A list answer holds its objects newest first, by `created`.",
    source: "Pagination: lists are sorted by creation date, most recent first",
    judge: newest_first,
};

pub const LIST_FILTER: Invariant = Invariant {
    id: "list.filter",
    statement: "A list answer holds only objects that match its filters, and no more than `limit` of them.",
    source: "Each list endpoint's parameters (`customer`, `invoice`, `status`, `type`, `types`, `limit`, ...)",
    judge: list_filter,
};

pub const PAGES_JOIN: Invariant = Invariant {
    id: "list.pages_join",
    statement: "The page after `starting_after` continues the list from that object: no object again, none skipped.",
    source: "Pagination (`starting_after`, `has_more`)",
    judge: pages_join,
};

pub const DELETED_STAYS_DELETED: Invariant = Invariant {
    id: "deleted_stays_deleted",
    statement: "A deleted object reads back as deleted (or missing) and leaves every list.",
    source: "Delete a customer (`deleted: true`); retrieve a customer (returns a deleted customer as deleted)",
    judge: deleted_stays_deleted,
};

pub const IDEMPOTENT_REPLAY: Invariant = Invariant {
    id: "idempotent_replay",
    statement: "A request repeated with the same idempotency key and parameters gets the first answer again.",
    source: "Idempotent requests (`Idempotency-Key`)",
    judge: idempotent_replay,
};

pub const METADATA_AS_SENT: Invariant = Invariant {
    id: "metadata_as_sent",
    statement: "An object created or updated with `metadata` answers with each key as sent; a key sent empty is removed.",
    source: "Metadata: set on create and update, unset with an empty value",
    judge: metadata_as_sent,
};

/// Whether the request asks for a shape of the object other than its default.
fn reshaped(seen: &Seen<'_>) -> bool {
    seen.param("/expand").is_some() || seen.param("/include").is_some()
}

/// The collection and id of an object path (`/v1/customers/cus_1` -> `/v1/customers`).
fn object_path<'s>(seen: &'s Seen<'_>) -> Option<(&'s str, &'s str)> {
    let (collection, id) = seen.path.trim_end_matches('/').rsplit_once('/')?;
    (collection.len() > 3 && seen.ids(&format!("{collection}/*")).is_some())
        .then_some((collection, id))
}

fn read_after_write(view: &View<'_>, found: &mut Found) {
    for (at, seen) in view.seen.iter().enumerate() {
        if !seen.ok() || seen.method != "GET" || reshaped(seen) {
            continue;
        }
        let Some((_, id)) = object_path(seen) else {
            continue;
        };
        if seen.body_id() != Some(id) {
            continue;
        }
        let last = view.seen[..at].iter().rposition(|s| {
            s.ok() && s.body_id() == Some(id) && s.body.get("object") == seen.body.get("object")
        });
        let Some(last) = last else {
            continue;
        };
        let before = &view.seen[last];
        if reshaped(before) || view.writes_between(last, at) {
            continue;
        }
        let first = first_difference(before.body, seen.body, "/body");
        found.expect(
            seen.step,
            first.clone().unwrap_or_default(),
            first.is_none(),
            || {
                format!(
                    "read back differs from the answer to step {}",
                    before.step + 1
                )
            },
        );
    }
}

/// The pointer of the first place two values differ.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for key in keys {
                let child = format!("{at}/{}", crate::pointer::escape(key));
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(found) = first_difference(p, q, &child) {
                            return Some(found);
                        }
                    }
                    _ => return Some(child),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ => (a != b).then(|| at.to_owned()),
    }
}

/// The items of a list answer.
fn items<'v>(seen: &Seen<'v>) -> Option<&'v Vec<Value>> {
    if !seen.ok() || !is_a(seen.body, "list") {
        return None;
    }
    seen.body.get("data")?.as_array()
}

fn newest_first(view: &View<'_>, found: &mut Found) {
    for seen in &view.seen {
        let Some(items) = items(seen) else {
            continue;
        };
        let created: Option<Vec<i64>> = items.iter().map(|i| int(i, "/created")).collect();
        let Some(created) = created.filter(|c| c.len() > 1) else {
            continue;
        };
        let out_of_order = created.windows(2).position(|w| w[0] < w[1]);
        found.expect(
            seen.step,
            out_of_order.map_or(String::new(), |i| format!("/body/data/{}/created", i + 1)),
            out_of_order.is_none(),
            || {
                let i = out_of_order.unwrap_or(0);
                format!(
                    "item {} (created {}) is newer than the one before it (created {})",
                    i + 1,
                    created[i + 1],
                    created[i]
                )
            },
        );
    }
}

/// Whether `value` (an item's attribute) is one `wanted` (a filter parameter) selects.
fn selects(wanted: &Value, value: &Value) -> bool {
    match wanted {
        Value::String(w) => match value {
            Value::String(v) => v == w,
            Value::Object(_) => id_of(value) == Some(w),
            Value::Number(n) => n.to_string() == *w,
            Value::Bool(b) => b.to_string() == *w,
            _ => false,
        },
        Value::Array(options) => options.iter().any(|o| selects(o, value)),
        Value::Object(options) if options.keys().all(|k| k.parse::<usize>().is_ok()) => {
            options.values().any(|o| selects(o, value))
        }
        Value::Object(range) => {
            let Some(v) = value.as_i64() else {
                return false;
            };
            range.iter().all(|(op, bound)| {
                let Some(b) = bound
                    .as_str()
                    .and_then(|b| b.parse::<i64>().ok())
                    .or(bound.as_i64())
                else {
                    return true;
                };
                match op.as_str() {
                    "gt" => v > b,
                    "gte" => v >= b,
                    "lt" => v < b,
                    "lte" => v <= b,
                    _ => true,
                }
            })
        }
        _ => true,
    }
}

/// List filters and the attribute of each item they select on. Time ranges (`created`) are
/// left out: cases write them relative to the time of the run, and a replayed list keeps the
/// times of its recording.
const FILTERS: &[(&str, &str)] = &[
    ("customer", "customer"),
    ("invoice", "invoice"),
    ("credit_grant", "credit_grant"),
    ("status", "status"),
    ("type", "type"),
    ("types", "type"),
    ("email", "email"),
    ("product", "product"),
    ("ids", "id"),
    ("active", "active"),
];

fn list_filter(view: &View<'_>, found: &mut Found) {
    for seen in &view.seen {
        let Some(items) = items(seen) else {
            continue;
        };
        if let Some(limit) = seen.param_int("/limit") {
            let n = items.len() as i64;
            found.expect(seen.step, "/body/data", n <= limit, || {
                format!("{n} items for limit {limit}")
            });
        }
        for (param, attribute) in FILTERS {
            let Some(wanted) = seen.params.get(*param) else {
                continue;
            };
            // A filter on an attribute the items lack (a sub-list's own filters) is not judged.
            if !items.iter().all(|item| item.get(*attribute).is_some()) || items.is_empty() {
                continue;
            }
            let stray = items
                .iter()
                .position(|item| !item.get(*attribute).is_some_and(|v| selects(wanted, v)));
            let pointer = stray.map_or(String::from("/body/data"), |i| {
                format!("/body/data/{i}/{attribute}")
            });
            found.expect(seen.step, pointer, stray.is_none(), || {
                let i = stray.unwrap_or(0);
                format!(
                    "item {} has {attribute} {}, outside the filter {param}={wanted}",
                    i + 1,
                    items[i][*attribute]
                )
            });
        }
    }
}

/// The ids of a list's items.
fn ids(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| i.get("id").and_then(Value::as_str))
        .collect()
}

/// The parameters that choose a list, beside the cursor and page size.
fn selection(seen: &Seen<'_>) -> Value {
    let mut params = seen.params.clone();
    if let Value::Object(map) = &mut params {
        for key in ["limit", "starting_after", "ending_before"] {
            map.remove(key);
        }
    }
    params
}

fn pages_join(view: &View<'_>, found: &mut Found) {
    for (at, page) in view.seen.iter().enumerate() {
        let (Some(page_items), Some(after)) = (items(page), page.param_text("/starting_after"))
        else {
            continue;
        };
        let page_ids = ids(page_items);
        let again = page_ids.iter().position(|id| *id == after);
        found.expect(
            page.step,
            again.map_or(String::new(), |i| format!("/body/data/{i}")),
            again.is_none(),
            || format!("the page after {after} holds {after} again"),
        );
        let chosen = selection(page);
        let whole = view.seen[..at].iter().enumerate().rev().find_map(|(i, s)| {
            let list = items(s)?;
            let fits = s.path == page.path
                && s.param("/starting_after").is_none()
                && s.param("/ending_before").is_none()
                && selection(s) == chosen;
            let position = ids(list).iter().position(|id| *id == after)?;
            (fits && !view.writes_between(i, at)).then_some((s, list, position))
        });
        let Some((earlier, list, position)) = whole else {
            continue;
        };
        let before_ids = ids(&list[..=position]);
        let repeated = page_ids.iter().find(|id| before_ids.contains(id));
        let rest = ids(&list[position + 1..]);
        let shared = rest.len().min(page_ids.len());
        let joins = repeated.is_none()
            && rest[..shared] == page_ids[..shared]
            && (complete_list(earlier.body).is_none() || page_ids.len() <= rest.len())
            && (complete_list(page.body).is_none() || rest.len() <= page_ids.len());
        found.expect(page.step, "/body/data", joins, || {
            format!(
                "the page after {after} holds {page_ids:?}; the list of step {} continues with {rest:?}",
                earlier.step + 1
            )
        });
    }
}

fn deleted_stays_deleted(view: &View<'_>, found: &mut Found) {
    for (at, delete) in view.seen.iter().enumerate() {
        if delete.method != "DELETE" || !delete.ok() {
            continue;
        }
        let Some((collection, id)) = object_path(delete) else {
            continue;
        };
        for seen in &view.seen[at + 1..] {
            if seen.method != "GET" {
                continue;
            }
            if seen.path == delete.path {
                let deleted = !seen.ok() || seen.body.get("deleted") == Some(&Value::Bool(true));
                found.expect(seen.step, "/body/deleted", deleted, || {
                    format!(
                        "{id} was deleted at step {}, and reads back as live",
                        delete.step + 1
                    )
                });
            } else if seen.path == collection {
                if let Some(items) = items(seen) {
                    let listed = ids(items).iter().position(|i| *i == id);
                    found.expect(
                        seen.step,
                        listed.map_or(String::new(), |i| format!("/body/data/{i}")),
                        listed.is_none(),
                        || {
                            format!(
                                "{id} was deleted at step {}, and is still listed",
                                delete.step + 1
                            )
                        },
                    );
                }
            }
        }
    }
}

fn idempotent_replay(view: &View<'_>, found: &mut Found) {
    for (at, again) in view.seen.iter().enumerate() {
        let Some(key) = again
            .idempotency_key
            .as_deref()
            .filter(|_| again.method == "POST")
        else {
            continue;
        };
        let first = view.seen[..at].iter().find(|s| {
            s.ok()
                && s.method == "POST"
                && s.idempotency_key.as_deref() == Some(key)
                && s.path == again.path
                && s.params == again.params
        });
        let Some(first) = first else {
            continue;
        };
        let difference = if again.status == first.status {
            first_difference(first.body, again.body, "/body")
        } else {
            Some(String::from("/status"))
        };
        found.expect(
            again.step,
            difference.clone().unwrap_or_default(),
            difference.is_none(),
            || {
                format!(
                    "the replay of step {} with key {key} answered differently",
                    first.step + 1
                )
            },
        );
    }
}

fn metadata_as_sent(view: &View<'_>, found: &mut Found) {
    for seen in view.seen.iter().filter(|s| s.writes()) {
        let (Some(Value::Object(sent)), Some(Value::Object(kept))) =
            (seen.param("/metadata"), seen.body.get("metadata"))
        else {
            continue;
        };
        for (key, value) in sent {
            let Some(value) = value.as_str() else {
                continue;
            };
            let pointer = format!("/body/metadata/{}", crate::pointer::escape(key));
            let got = kept.get(key);
            if value.is_empty() {
                found.expect(seen.step, pointer, got.is_none(), || {
                    format!("`{key}` was sent empty and is still there")
                });
            } else {
                found.expect(
                    seen.step,
                    pointer,
                    got.and_then(Value::as_str) == Some(value),
                    || {
                        format!(
                            "expected `{value}` as sent, got {}",
                            got.map_or(String::from("nothing"), Value::to_string)
                        )
                    },
                );
            }
        }
    }
}
