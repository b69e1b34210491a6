//! Near-miss explanations: owns [`explain`], which says for an unmatched request which
//! recordings come closest and what differs (method, path, which parameter).

use serde_json::Value;

use crate::matcher::{same, Incoming, Index, Recording};

/// The first difference between two decoded parameter structures, as `name: recorded X, got Y`.
fn first_difference(prefix: &str, recorded: &Value, actual: &Value) -> Option<String> {
    match (recorded, actual) {
        (Value::Object(r), Value::Object(a)) => {
            for (k, v) in r {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                match a.get(k) {
                    None => return Some(format!("parameter `{name}` is missing (recorded {v})")),
                    Some(x) if !same(v, x) => return first_difference(&name, v, x),
                    _ => {}
                }
            }
            a.keys().find(|k| !r.contains_key(*k)).map(|k| {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                format!("parameter `{name}` was not recorded")
            })
        }
        (r, a) if !same(r, a) => Some(format!(
            "parameter `{prefix}` differs (recorded {r}, got {a})"
        )),
        _ => None,
    }
}

fn score(r: &Recording, incoming: &Incoming) -> (u32, String) {
    let path_same = r.path == incoming.path;
    let method_same = r.method == incoming.method;
    let segments_close = {
        let a: Vec<&str> = r.path.split('/').collect();
        let b: Vec<&str> = incoming.path.split('/').collect();
        a.len() == b.len() && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
    };
    let why = if path_same && method_same {
        first_difference("", &r.query, &incoming.query)
            .or_else(|| first_difference("", &r.body, &incoming.body))
            .unwrap_or_else(|| "parameters differ".to_owned())
    } else if path_same {
        format!("method differs (recorded {})", r.method)
    } else if method_same && segments_close {
        format!("path differs (recorded {})", r.path)
    } else {
        String::new()
    };
    let points = match (path_same, method_same, segments_close) {
        (true, true, _) => 3,
        (true, false, _) => 2,
        (false, true, true) => 1,
        _ => 0,
    };
    (points, why)
}

/// A message naming up to three closest recordings and why each did not match.
pub fn explain(index: &Index, incoming: &Incoming) -> String {
    let mut scored: Vec<(u32, String, &Recording)> = index
        .recordings
        .iter()
        .map(|r| {
            let (points, why) = score(r, incoming);
            (points, why, r.as_ref())
        })
        .filter(|(points, _, _)| *points > 0)
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.2.case.cmp(&b.2.case))
            .then(a.2.step.cmp(&b.2.step))
    });
    let mut message = format!(
        "No recording matches {} {}.",
        incoming.method, incoming.path
    );
    if scored.is_empty() {
        message
            .push_str(" No recording uses this path; GET /__conform/cases lists what is served.");
        return message;
    }
    message.push_str(" Closest:");
    for (_, why, r) in scored.iter().take(3) {
        message.push_str(&format!(
            " case `{}` step `{}` ({} {}): {};",
            r.case, r.step_name, r.method, r.path, why
        ));
    }
    message.pop();
    message.push('.');
    message
}
