//! Billing credit grants, the credit balance summary and credit balance transactions.

use std::collections::HashMap;

use serde_json::Value;

use super::{complete_list, id_of, int, text, Found, Invariant, Seen, View};

const GRANTS: &str = "/v1/billing/credit_grants";

pub const SUMMARY_AVAILABLE: Invariant = Invariant {
    id: "credit_grant.summary_available",
    statement: "Before any usage, a credit balance summary's available amount is what the live grants it covers hold: a voided or expired grant holds nothing.",
    source: "Billing credit balance summary (`balances[].available_balance`); credit grants: void, expire",
    judge: summary_available,
};

pub const GRANT_VOID_EXPIRE: Invariant = Invariant {
    id: "credit_grant.void_expire",
    statement: "Voiding a grant sets `voided_at` and expiring it sets `expires_at`, its amount unchanged; a voided grant cannot be voided again.",
    source: "Billing credit grants: void, expire; the credit grant object (`voided_at`, `expires_at`)",
    judge: grant_void_expire,
};

pub const LEDGER: Invariant = Invariant {
    id: "credit_grant.ledger",
    statement: "Before any usage, a grant's (or a customer's) credit balance transactions, credits less debits, add up to what its live grants hold.",
    source: "Billing credit balance transactions (`type`, `credit.amount`, `debit.amount`, `debit.type`)",
    judge: ledger,
};

/// A grant as the flow last showed it.
struct Grant<'a> {
    customer: &'a str,
    currency: &'a str,
    value: i64,
    price_type: Option<&'a str>,
    live: bool,
    /// Effective later than created: what it holds depends on the time.
    later: bool,
}

/// The grants a flow created, and whether they can be judged at `upto` (position in the view):
/// no invoice was finalized or paid before it, so no credit was applied.
struct Grants<'a> {
    grants: HashMap<&'a str, Grant<'a>>,
    customers: Vec<&'a str>,
}

impl<'a> Grants<'a> {
    fn new() -> Grants<'a> {
        Grants {
            grants: HashMap::new(),
            customers: Vec::new(),
        }
    }

    /// Takes what `seen` shows of customers and grants.
    fn learn(&mut self, seen: &Seen<'a>) {
        if !seen.ok() {
            return;
        }
        if seen.is("POST", "/v1/customers") {
            self.customers.extend(seen.body_id());
        }
        let body = seen.body;
        if seen.is("POST", GRANTS) {
            let (Some(id), Some(customer), Some(currency), Some(value)) = (
                seen.body_id(),
                body.get("customer").and_then(id_of),
                text(body, "/amount/monetary/currency"),
                int(body, "/amount/monetary/value"),
            ) else {
                return;
            };
            let later = int(body, "/effective_at")
                .zip(int(body, "/created"))
                .is_some_and(|(effective, created)| effective > created);
            let grant = Grant {
                customer,
                currency,
                value,
                price_type: text(body, "/applicability_config/scope/price_type"),
                live: true,
                later,
            };
            self.grants.insert(id, grant);
        }
        let ended = seen.id("/v1/billing/credit_grants/*/void").is_some()
            || seen.id("/v1/billing/credit_grants/*/expire").is_some();
        if let Some(grant) = seen
            .body_id()
            .filter(|_| ended && seen.method == "POST")
            .and_then(|id| self.grants.get_mut(id))
        {
            grant.live = false;
        }
    }

    /// What the grants selected by `select` hold in `currency`, when the flow shows them all.
    fn holding(&self, currency: &str, select: impl Fn(&str, &Grant<'_>) -> bool) -> Option<i64> {
        let chosen: Vec<&Grant<'_>> = self
            .grants
            .iter()
            .filter(|(id, g)| select(id, g))
            .map(|(_, g)| g)
            .collect();
        if chosen.iter().any(|g| g.later) {
            return None;
        }
        Some(
            chosen
                .iter()
                .filter(|g| g.live && g.currency.eq_ignore_ascii_case(currency))
                .map(|g| g.value)
                .sum(),
        )
    }

    /// What the grants a summary or transaction list asks about hold, when the flow knows all
    /// of them: one grant it created, or every grant of a customer it created (when they are
    /// all scoped by price type).
    fn asked(&self, seen: &Seen<'_>, currency: &str) -> Option<i64> {
        let grant = seen
            .param_text("/filter/credit_grant")
            .or_else(|| seen.param_text("/credit_grant"));
        if let Some(grant) = grant {
            self.grants.get(grant)?;
            return self.holding(currency, |id, _| id == grant);
        }
        let customer = seen.param_text("/customer")?;
        if !self.customers.contains(&customer) {
            return None;
        }
        let of_customer = |g: &Grant<'_>| g.customer == customer;
        if self
            .grants
            .values()
            .any(|g| of_customer(g) && g.price_type.is_none())
        {
            return None;
        }
        match seen.param_text("/filter/type") {
            Some("applicability_scope") => {
                let wanted = seen.param_text("/filter/applicability_scope/price_type")?;
                self.holding(currency, |_, g| {
                    of_customer(g) && g.price_type == Some(wanted)
                })
            }
            Some(_) => None,
            None => self.holding(currency, |_, g| of_customer(g)),
        }
    }
}

/// Walks the flow, handing each successful answer to `judge` with the grants known before it,
/// until credit may have been applied to an invoice.
fn walk<'a>(view: &View<'a>, mut judge: impl FnMut(&Seen<'a>, &Grants<'a>)) {
    let mut grants = Grants::new();
    for seen in &view.seen {
        if seen.writes() && seen.path.starts_with("/v1/invoices/") {
            return;
        }
        if seen.ok() {
            judge(seen, &grants);
        }
        grants.learn(seen);
    }
}

fn summary_available(view: &View<'_>, found: &mut Found) {
    walk(view, |seen, grants| {
        if !seen.is("GET", "/v1/billing/credit_balance_summary") {
            return;
        }
        let currencies: Vec<&str> = grants.grants.values().map(|g| g.currency).collect();
        let balances = seen.body.get("balances").and_then(Value::as_array);
        let empty = Vec::new();
        let balances = balances.unwrap_or(&empty);
        let mut checked = Vec::new();
        for currency in currencies {
            if checked.contains(&currency) {
                continue;
            }
            checked.push(currency);
            let Some(expected) = grants.asked(seen, currency) else {
                continue;
            };
            let at = balances.iter().position(|b| {
                text(b, "/available_balance/monetary/currency")
                    .is_some_and(|c| c.eq_ignore_ascii_case(currency))
            });
            let actual = at
                .and_then(|i| int(&balances[i], "/available_balance/monetary/value"))
                .unwrap_or(0);
            let pointer = at.map_or(String::from("/body/balances"), |i| {
                format!("/body/balances/{i}/available_balance/monetary/value")
            });
            found.equal(
                seen.step,
                &pointer,
                expected,
                actual,
                "what the live grants hold",
            );
        }
    });
}

fn ledger(view: &View<'_>, found: &mut Found) {
    walk(view, |seen, grants| {
        if !seen.is("GET", "/v1/billing/credit_balance_transactions")
            || seen.param("/starting_after").is_some()
            || seen.param("/ending_before").is_some()
        {
            return;
        }
        let Some(items) = complete_list(seen.body) else {
            return;
        };
        let mut sums: Vec<(&str, i64)> = Vec::new();
        for item in items {
            let kind = text(item, "/type").unwrap_or("");
            let sign = match kind {
                "credit" => 1,
                "debit" => -1,
                _ => continue,
            };
            let money = format!("/{kind}/amount/monetary");
            let (Some(currency), Some(value)) = (
                text(item, &format!("{money}/currency")),
                int(item, &format!("{money}/value")),
            ) else {
                continue;
            };
            match sums
                .iter_mut()
                .find(|(c, _)| c.eq_ignore_ascii_case(currency))
            {
                Some((_, sum)) => *sum += sign * value,
                None => sums.push((currency, sign * value)),
            }
        }
        let mut currencies: Vec<&str> = grants.grants.values().map(|g| g.currency).collect();
        currencies.sort_unstable();
        currencies.dedup();
        for currency in currencies {
            let Some(expected) = grants.asked(seen, currency) else {
                continue;
            };
            let actual = sums
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(currency))
                .map_or(0, |(_, sum)| *sum);
            let what = format!("what the live grants hold in {currency}");
            found.equal(seen.step, "/body/data", expected, actual, &what);
        }
    });
}

fn grant_void_expire(view: &View<'_>, found: &mut Found) {
    let mut amounts: HashMap<&str, i64> = HashMap::new();
    let mut voided: HashMap<&str, usize> = HashMap::new();
    for seen in view.seen.iter().filter(|s| s.ok() && s.method == "POST") {
        let void = seen.id("/v1/billing/credit_grants/*/void");
        let expire = seen.id("/v1/billing/credit_grants/*/expire");
        if let Some(id) = void {
            if let Some(step) = voided.get(id) {
                found.expect(seen.step, "/status", false, || {
                    format!("voided again after step {} voided it", step + 1)
                });
            }
            voided.insert(id, seen.step);
            let set = seen.body.get("voided_at").is_some_and(|v| !v.is_null());
            found.expect(seen.step, "/body/voided_at", set, || {
                String::from("expected a time, got null")
            });
        }
        if expire.is_some() {
            let set = seen.body.get("expires_at").is_some_and(|v| !v.is_null());
            found.expect(seen.step, "/body/expires_at", set, || {
                String::from("expected a time, got null")
            });
        }
        if seen.is("POST", GRANTS) {
            if let (Some(id), Some(value)) =
                (seen.body_id(), int(seen.body, "/amount/monetary/value"))
            {
                amounts.insert(id, value);
            }
        }
        let Some(id) = void.or(expire) else {
            continue;
        };
        if let (Some(before), Some(now)) =
            (amounts.get(id), int(seen.body, "/amount/monetary/value"))
        {
            found.equal(
                seen.step,
                "/body/amount/monetary/value",
                *before,
                now,
                "the amount granted",
            );
        }
    }
}
