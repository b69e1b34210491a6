//! Generated flows: owns [`Op`], one operation over the seed surfaces with its parameters,
//! [`World`], the reference state proptest's state machine generates operations from, and
//! [`case_text`], which writes a flow as a case file. Objects are named by the step that made
//! them (`${s3.body.id}`), so a flow runs on fresh objects of its own on any target, and the
//! status each step records is the [`Model`]'s prediction.

use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;
use serde_json::{json, Map, Value};

use super::model::Model;
use crate::case::{Request, Response, Step};

/// One operation. Indices name objects the flow made earlier, in the order it made them.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateCustomer,
    UpdateCustomer {
        customer: usize,
        tier: u8,
    },
    RetrieveCustomer {
        customer: usize,
    },
    DeleteCustomer {
        customer: usize,
    },
    Balance {
        customer: usize,
        amount: i64,
    },
    ListBalance {
        customer: usize,
    },
    Item {
        customer: usize,
        amount: i64,
    },
    Invoice {
        customer: usize,
    },
    Finalize {
        invoice: usize,
    },
    Pay {
        invoice: usize,
    },
    RetrieveInvoice {
        invoice: usize,
    },
    CreditNote {
        invoice: usize,
        amount: i64,
    },
    VoidNote {
        note: usize,
    },
    RetrieveNote {
        note: usize,
    },
    Grant {
        customer: usize,
        amount: i64,
    },
    VoidGrant {
        grant: usize,
    },
    ExpireGrant {
        grant: usize,
    },
    Summary {
        grant: usize,
    },
    GrantTransactions {
        grant: usize,
    },
    Session {
        unit_amount: i64,
        quantity: i64,
        expires_in: Option<i64>,
    },
    ExpireSession {
        session: usize,
    },
    RetrieveSession {
        session: usize,
    },
    Events {
        kind: usize,
    },
    Missing {
        kind: usize,
    },
    ListCustomers {
        limit: i64,
    },
}

/// Event types a flow lists.
const EVENT_TYPES: &[&str] = &[
    "customer.created",
    "credit_note.created",
    "checkout.session.expired",
    "invoice.finalized",
];
/// Collections a flow asks for an object that does not exist in.
const MISSING: &[&str] = &[
    "/v1/customers/cus_ExploreMissing0",
    "/v1/invoices/in_ExploreMissing0",
    "/v1/credit_notes/cn_ExploreMissing0",
    "/v1/checkout/sessions/cs_test_ExploreMissing0",
    "/v1/billing/credit_grants/credgr_test_ExploreMissing0",
];

/// The objects a flow has made (the step names that made them) and the model's view of them.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub model: Model,
    pub steps: Vec<Step>,
    customers: Vec<(String, bool)>,
    invoices: Vec<(String, bool)>,
    notes: Vec<String>,
    /// Each grant and its customer.
    grants: Vec<(String, String)>,
    sessions: Vec<String>,
}

fn id(step: &str) -> String {
    format!("${{{step}.body.id}}")
}

fn request(method: &str, path: String, params: Option<Value>) -> Request {
    let (query, form) = match (method, params) {
        ("GET", Some(p)) => (Some(p), None),
        (_, p) => (None, p),
    };
    Request {
        method: method.to_owned(),
        path,
        query,
        headers: Default::default(),
        form,
        json: None,
        auth: Default::default(),
    }
}

impl World {
    /// The request of `op` in this world.
    fn request(&self, op: &Op) -> Request {
        let n = self.steps.len() + 1;
        let customer = |i: usize| id(&self.customers[i].0);
        let invoice = |i: usize| id(&self.invoices[i].0);
        match op {
            Op::CreateCustomer => request(
                "POST",
                "/v1/customers".into(),
                Some(
                    json!({"email": format!("explore{n}@example.com"), "name": format!("Explore {n}"), "metadata": {"explore": "flow"}}),
                ),
            ),
            Op::UpdateCustomer { customer: c, tier } => request(
                "POST",
                format!("/v1/customers/{}", customer(*c)),
                Some(
                    json!({"name": format!("Explore renamed {tier}"), "metadata": {"tier": format!("t{tier}")}}),
                ),
            ),
            Op::RetrieveCustomer { customer: c } => {
                request("GET", format!("/v1/customers/{}", customer(*c)), None)
            }
            Op::DeleteCustomer { customer: c } => {
                request("DELETE", format!("/v1/customers/{}", customer(*c)), None)
            }
            Op::Balance {
                customer: c,
                amount,
            } => request(
                "POST",
                format!("/v1/customers/{}/balance_transactions", customer(*c)),
                Some(json!({"amount": amount, "currency": "usd"})),
            ),
            Op::ListBalance { customer: c } => request(
                "GET",
                format!("/v1/customers/{}/balance_transactions", customer(*c)),
                Some(json!({"limit": 100})),
            ),
            Op::Item {
                customer: c,
                amount,
            } => request(
                "POST",
                "/v1/invoiceitems".into(),
                Some(
                    json!({"customer": customer(*c), "amount": amount, "currency": "usd", "description": "Explore item"}),
                ),
            ),
            Op::Invoice { customer: c } => request(
                "POST",
                "/v1/invoices".into(),
                Some(
                    json!({"customer": customer(*c), "collection_method": "send_invoice", "days_until_due": 30, "pending_invoice_items_behavior": "include"}),
                ),
            ),
            Op::Finalize { invoice: i } => request(
                "POST",
                format!("/v1/invoices/{}/finalize", invoice(*i)),
                None,
            ),
            Op::Pay { invoice: i } => request(
                "POST",
                format!("/v1/invoices/{}/pay", invoice(*i)),
                Some(json!({"paid_out_of_band": true})),
            ),
            Op::RetrieveInvoice { invoice: i } => {
                request("GET", format!("/v1/invoices/{}", invoice(*i)), None)
            }
            Op::CreditNote { invoice: i, amount } => {
                let mut params = json!({
                    "invoice": invoice(*i),
                    "lines": [{"type": "custom_line_item", "description": "Explore credit", "quantity": 1, "unit_amount": amount}],
                });
                // A credit note on a paid invoice says where the money goes.
                if self.invoices[*i].1 {
                    params["credit_amount"] = json!(amount);
                }
                request("POST", "/v1/credit_notes".into(), Some(params))
            }
            Op::VoidNote { note } => request(
                "POST",
                format!("/v1/credit_notes/{}/void", id(&self.notes[*note])),
                None,
            ),
            Op::RetrieveNote { note } => request(
                "GET",
                format!("/v1/credit_notes/{}", id(&self.notes[*note])),
                None,
            ),
            Op::Grant {
                customer: c,
                amount,
            } => request(
                "POST",
                "/v1/billing/credit_grants".into(),
                Some(json!({
                    "customer": customer(*c),
                    "category": "paid",
                    "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": amount}},
                    "applicability_config": {"scope": {"price_type": "metered"}},
                    "name": "Explore grant",
                })),
            ),
            Op::VoidGrant { grant } => request(
                "POST",
                format!(
                    "/v1/billing/credit_grants/{}/void",
                    id(&self.grants[*grant].0)
                ),
                None,
            ),
            Op::ExpireGrant { grant } => request(
                "POST",
                format!(
                    "/v1/billing/credit_grants/{}/expire",
                    id(&self.grants[*grant].0)
                ),
                None,
            ),
            Op::Summary { grant } => {
                let (grant, customer) = &self.grants[*grant];
                request(
                    "GET",
                    "/v1/billing/credit_balance_summary".into(),
                    Some(
                        json!({"customer": id(customer), "filter": {"type": "credit_grant", "credit_grant": id(grant)}}),
                    ),
                )
            }
            Op::GrantTransactions { grant } => {
                let (grant, customer) = &self.grants[*grant];
                request(
                    "GET",
                    "/v1/billing/credit_balance_transactions".into(),
                    Some(
                        json!({"customer": id(customer), "credit_grant": id(grant), "limit": 100}),
                    ),
                )
            }
            Op::Session {
                unit_amount,
                quantity,
                expires_in,
            } => {
                let mut params = json!({
                    "success_url": "https://example.com/success",
                    "cancel_url": "https://example.com/cancel",
                    "mode": "payment",
                    "line_items": [{"price_data": {"currency": "usd", "unit_amount": unit_amount, "product_data": {"name": "Explore item"}}, "quantity": quantity}],
                });
                if let Some(seconds) = expires_in {
                    params["expires_at"] = json!(format!("${{now+{seconds}}}"));
                }
                request("POST", "/v1/checkout/sessions".into(), Some(params))
            }
            Op::ExpireSession { session } => request(
                "POST",
                format!(
                    "/v1/checkout/sessions/{}/expire",
                    id(&self.sessions[*session])
                ),
                None,
            ),
            Op::RetrieveSession { session } => request(
                "GET",
                format!("/v1/checkout/sessions/{}", id(&self.sessions[*session])),
                None,
            ),
            Op::Events { kind } => request(
                "GET",
                "/v1/events".into(),
                Some(json!({"type": EVENT_TYPES[*kind % EVENT_TYPES.len()], "limit": 100})),
            ),
            Op::Missing { kind } => request("GET", MISSING[*kind % MISSING.len()].to_owned(), None),
            Op::ListCustomers { limit } => {
                request("GET", "/v1/customers".into(), Some(json!({"limit": limit})))
            }
        }
    }

    /// Whether `op` names only objects this world has (and no deleted customer but to read it).
    pub fn allows(&self, op: &Op) -> bool {
        let customer = |i: &usize, reading: bool| {
            self.customers
                .get(*i)
                .is_some_and(|(_, deleted)| reading || !deleted)
        };
        match op {
            Op::UpdateCustomer { customer: c, .. }
            | Op::DeleteCustomer { customer: c }
            | Op::Balance { customer: c, .. }
            | Op::ListBalance { customer: c }
            | Op::Item { customer: c, .. }
            | Op::Invoice { customer: c }
            | Op::Grant { customer: c, .. } => customer(c, false),
            Op::RetrieveCustomer { customer: c } => customer(c, true),
            Op::Finalize { invoice }
            | Op::Pay { invoice }
            | Op::RetrieveInvoice { invoice }
            | Op::CreditNote { invoice, .. } => *invoice < self.invoices.len(),
            Op::VoidNote { note } | Op::RetrieveNote { note } => *note < self.notes.len(),
            Op::VoidGrant { grant }
            | Op::ExpireGrant { grant }
            | Op::Summary { grant }
            | Op::GrantTransactions { grant } => *grant < self.grants.len(),
            Op::ExpireSession { session } | Op::RetrieveSession { session } => {
                *session < self.sessions.len()
            }
            Op::CreateCustomer
            | Op::Session { .. }
            | Op::Events { .. }
            | Op::Missing { .. }
            | Op::ListCustomers { .. } => true,
        }
    }

    /// Takes `op`: its request, the model's prediction, and what it made.
    pub fn take(mut self, op: &Op) -> World {
        let name = format!("s{}", self.steps.len() + 1);
        let request = self.request(op);
        let made = id(&name);
        let status = self.model.step(&request, Some(&made));
        let ok = (200..300).contains(&status);
        if ok {
            match op {
                Op::CreateCustomer => self.customers.push((name.clone(), false)),
                Op::DeleteCustomer { customer } => self.customers[*customer].1 = true,
                Op::Invoice { .. } => self.invoices.push((name.clone(), false)),
                Op::Pay { invoice } => self.invoices[*invoice].1 = true,
                Op::CreditNote { .. } => self.notes.push(name.clone()),
                Op::Grant { customer, .. } => self
                    .grants
                    .push((name.clone(), self.customers[*customer].0.clone())),
                Op::Session { .. } => self.sessions.push(name.clone()),
                _ => {}
            }
        }
        let step = Step {
            name: Some(name.clone()),
            request,
            response: Response {
                status,
                headers: Default::default(),
                body: Value::Null,
            },
            list: Default::default(),
            normalize: Vec::new(),
            open: Vec::new(),
            subject: false,
            invalid_on_purpose: !ok,
        };
        self.steps.push(step);
        self
    }

    /// The operations this world can take next.
    fn ops(&self) -> BoxedStrategy<Op> {
        let amount = || prop_oneof![1i64..20_000, Just(100i64)];
        let signed = || prop_oneof![-20_000i64..-1, 1i64..20_000];
        let mut choices: Vec<BoxedStrategy<Op>> = vec![
            Just(Op::CreateCustomer).boxed(),
            (
                1i64..10_000,
                1i64..5,
                prop::option::of(prop_oneof![
                    60i64..1800,
                    1800i64..86_400,
                    86_401i64..200_000
                ]),
            )
                .prop_map(|(unit_amount, quantity, expires_in)| Op::Session {
                    unit_amount,
                    quantity,
                    expires_in,
                })
                .boxed(),
            (0..EVENT_TYPES.len())
                .prop_map(|kind| Op::Events { kind })
                .boxed(),
            (0..MISSING.len())
                .prop_map(|kind| Op::Missing { kind })
                .boxed(),
            prop_oneof![1i64..=100, Just(0i64), 101i64..1000]
                .prop_map(|limit| Op::ListCustomers { limit })
                .boxed(),
        ];
        let customers = self.customers.len();
        if customers > 0 {
            let c = move || 0..customers;
            choices.extend([
                (c(), 0u8..4)
                    .prop_map(|(customer, tier)| Op::UpdateCustomer { customer, tier })
                    .boxed(),
                c().prop_map(|customer| Op::RetrieveCustomer { customer })
                    .boxed(),
                c().prop_map(|customer| Op::DeleteCustomer { customer })
                    .boxed(),
                (c(), signed())
                    .prop_map(|(customer, amount)| Op::Balance { customer, amount })
                    .boxed(),
                c().prop_map(|customer| Op::ListBalance { customer })
                    .boxed(),
                (c(), amount())
                    .prop_map(|(customer, amount)| Op::Item { customer, amount })
                    .boxed(),
                c().prop_map(|customer| Op::Invoice { customer }).boxed(),
                (c(), amount())
                    .prop_map(|(customer, amount)| Op::Grant { customer, amount })
                    .boxed(),
            ]);
        }
        let invoices = self.invoices.len();
        if invoices > 0 {
            let i = move || 0..invoices;
            choices.extend([
                i().prop_map(|invoice| Op::Finalize { invoice }).boxed(),
                i().prop_map(|invoice| Op::Pay { invoice }).boxed(),
                i().prop_map(|invoice| Op::RetrieveInvoice { invoice })
                    .boxed(),
                (i(), amount())
                    .prop_map(|(invoice, amount)| Op::CreditNote { invoice, amount })
                    .boxed(),
            ]);
        }
        let notes = self.notes.len();
        if notes > 0 {
            choices.push((0..notes).prop_map(|note| Op::VoidNote { note }).boxed());
            choices.push(
                (0..notes)
                    .prop_map(|note| Op::RetrieveNote { note })
                    .boxed(),
            );
        }
        let grants = self.grants.len();
        if grants > 0 {
            let g = move || 0..grants;
            choices.extend([
                g().prop_map(|grant| Op::VoidGrant { grant }).boxed(),
                g().prop_map(|grant| Op::ExpireGrant { grant }).boxed(),
                g().prop_map(|grant| Op::Summary { grant }).boxed(),
                g().prop_map(|grant| Op::GrantTransactions { grant })
                    .boxed(),
            ]);
        }
        let sessions = self.sessions.len();
        if sessions > 0 {
            choices.push(
                (0..sessions)
                    .prop_map(|session| Op::ExpireSession { session })
                    .boxed(),
            );
            choices.push(
                (0..sessions)
                    .prop_map(|session| Op::RetrieveSession { session })
                    .boxed(),
            );
        }
        proptest::strategy::Union::new(choices).boxed()
    }
}

/// proptest's reference state machine over [`World`].
pub struct Flows;

impl ReferenceStateMachine for Flows {
    type State = World;
    type Transition = Op;

    fn init_state() -> BoxedStrategy<World> {
        Just(World::default()).boxed()
    }

    fn transitions(state: &World) -> BoxedStrategy<Op> {
        state.ops()
    }

    fn apply(state: World, op: &Op) -> World {
        state.take(op)
    }

    fn preconditions(state: &World, op: &Op) -> bool {
        state.allows(op)
    }
}

/// The case file of the flow `ops`: its steps, each recording the status the model predicts.
pub fn case_text(ops: &[Op], description: &str) -> String {
    let world = ops.iter().fold(World::default(), |world, op| {
        if world.allows(op) {
            world.take(op)
        } else {
            world
        }
    });
    let steps: Vec<Value> = world
        .steps
        .iter()
        .map(|step| serde_json::to_value(step).unwrap_or(Value::Null))
        .collect();
    let mut file = Map::new();
    file.insert("description".into(), json!(description));
    file.insert("tags".into(), json!(["explore"]));
    file.insert(
        "stripe_version".into(),
        json!(crate::schema::version::PINNED),
    );
    file.insert("steps".into(), Value::Array(steps));
    let mut text = serde_json::to_string_pretty(&Value::Object(file)).unwrap_or_default();
    text.push('\n');
    text
}
