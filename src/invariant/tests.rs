use serde_json::{json, Value};

use super::*;
use crate::case::Auth;
use crate::target::{Body, Outgoing};

fn request(method: &str, path: &str, form: &str) -> Outgoing {
    Outgoing {
        method: method.to_owned(),
        path: path.to_owned(),
        headers: Vec::new(),
        body: (!form.is_empty()).then(|| Body {
            content_type: "application/x-www-form-urlencoded".to_owned(),
            text: form.to_owned(),
        }),
        auth: Auth::Default,
    }
}

fn judge(id: &str, steps: &[(Outgoing, u16, Value)]) -> Found {
    let view = View::new(
        steps
            .iter()
            .enumerate()
            .map(|(i, (r, status, body))| Seen::new(i, r, *status, body))
            .collect(),
    );
    CATALOGUE
        .iter()
        .find(|i| i.id == id)
        .expect("an invariant of the catalogue")
        .judge(&view)
}

#[test]
fn ending_balances_follow_the_customer_balance() {
    let customer = json!({"id": "cus_A1", "object": "customer", "balance": 0});
    let credit = |ending: i64| json!({"id": "cbtxn_1", "object": "customer_balance_transaction", "amount": -500, "ending_balance": ending});
    let steps = |ending| {
        vec![
            (request("POST", "/v1/customers", ""), 200, customer.clone()),
            (
                request(
                    "POST",
                    "/v1/customers/cus_A1/balance_transactions",
                    "amount=-500&currency=usd",
                ),
                200,
                credit(ending),
            ),
        ]
    };
    let held = judge("balance.ending_balance", &steps(-500));
    assert_eq!((held.instances, held.broken.len()), (1, 0));
    let broken = judge("balance.ending_balance", &steps(-499));
    assert_eq!(broken.broken.len(), 1);
    assert_eq!(broken.broken[0].step, 1);
    assert_eq!(broken.broken[0].pointer, "/body/ending_balance");
}

#[test]
fn reads_after_writes_match_unless_something_changed_between() {
    let updated = json!({"id": "cus_A1", "object": "customer", "name": "new"});
    let stale = json!({"id": "cus_A1", "object": "customer", "name": "old"});
    let update = (
        request("POST", "/v1/customers/cus_A1", "name=new"),
        200,
        updated.clone(),
    );
    let read = |body: &Value| {
        (
            request("GET", "/v1/customers/cus_A1", ""),
            200,
            body.clone(),
        )
    };
    let held = judge("read_after_write", &[update.clone(), read(&updated)]);
    assert_eq!((held.instances, held.broken.len()), (1, 0));
    let broken = judge("read_after_write", &[update.clone(), read(&stale)]);
    assert_eq!(broken.broken[0].pointer, "/body/name");
    let other_write = (
        request("POST", "/v1/products", "name=x"),
        200,
        json!({"id": "prod_1", "object": "product"}),
    );
    let unjudged = judge("read_after_write", &[update, other_write, read(&stale)]);
    assert_eq!(unjudged.instances, 0);
}

#[test]
fn lists_hold_only_what_their_filters_select() {
    let list = |customers: &[&str]| {
        let data: Vec<Value> = customers
            .iter()
            .map(|c| json!({"id": "in_1", "object": "invoice", "customer": c}))
            .collect();
        json!({"object": "list", "data": data, "has_more": false})
    };
    let get = request("GET", "/v1/invoices?customer=cus_A1&limit=2", "");
    let held = judge("list.filter", &[(get.clone(), 200, list(&["cus_A1"]))]);
    assert_eq!((held.instances, held.broken.len()), (2, 0));
    let broken = judge(
        "list.filter",
        &[(get, 200, list(&["cus_A1", "cus_B2", "cus_A1"]))],
    );
    let pointers: Vec<&str> = broken.broken.iter().map(|b| b.pointer.as_str()).collect();
    assert_eq!(pointers, ["/body/data", "/body/data/1/customer"]);
}

#[test]
fn every_invariant_has_an_id_a_statement_and_a_source() {
    assert!(CATALOGUE.len() >= 15);
    let mut ids: Vec<&str> = CATALOGUE.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), CATALOGUE.len(), "ids are unique");
    for invariant in CATALOGUE {
        assert!(
            !invariant.statement.is_empty() && !invariant.source.is_empty(),
            "{}",
            invariant.id
        );
    }
}
