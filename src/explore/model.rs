//! The model of the API `explore` predicts with: owns [`Model`], the objects a flow has made
//! and their states, and [`Model::step`], which predicts the status of one request and takes
//! its effect. It reads requests as cases write them, so the corpus can be replayed through it
//! (every recorded status is predicted) and generated flows are judged by the same rules.

use std::collections::HashMap;

use serde_json::Value;

use crate::case::{Auth, Request};

/// What a flow has made.
#[derive(Debug, Clone, PartialEq)]
enum Object {
    Customer {
        deleted: bool,
    },
    Price {
        unit_amount: i64,
    },
    Item {
        customer: String,
        amount: i64,
        invoiced: bool,
    },
    Invoice {
        status: InvoiceStatus,
        total: i64,
        credited: i64,
    },
    Note {
        void: bool,
    },
    Grant {
        voided: bool,
    },
    Session {
        expired: bool,
    },
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InvoiceStatus {
    Draft,
    Open,
    Paid,
}

/// What a parameter holds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bool,
    Enum(&'static [&'static str]),
    /// Key-value text (`metadata`).
    Map,
    /// A structure this model does not look into.
    Any,
    /// The id of an object the flow must have made: refused with 400 in a body, 404 as a list
    /// filter.
    Ref,
}

use Kind::{Any, Bool, Enum, Int, Map, Ref, Text};

/// A parameter: name, kind, required.
type Param = (&'static str, Kind, bool);

/// What a successful request does to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Read,
    Create,
    CreateCustomer,
    DeleteCustomer,
    CreatePrice,
    CreateItem,
    CreateInvoice,
    Finalize,
    Pay,
    CreateNote,
    VoidNote,
    CreateGrant,
    VoidGrant,
    ExpireGrant,
    CreateSession,
    ExpireSession,
    Summary,
}

/// One endpoint: method, path (`*` for an id), whether it lists, its parameters, its effect.
struct Route {
    method: &'static str,
    pattern: &'static str,
    list: bool,
    params: &'static [Param],
    effect: Effect,
}

const fn route(
    method: &'static str,
    pattern: &'static str,
    params: &'static [Param],
    effect: Effect,
) -> Route {
    Route {
        method,
        pattern,
        list: false,
        params,
        effect,
    }
}

const fn list(pattern: &'static str, params: &'static [Param]) -> Route {
    Route {
        method: "GET",
        pattern,
        list: true,
        params,
        effect: Effect::Read,
    }
}

const TAX_EXEMPT: &[&str] = &["none", "exempt", "reverse"];
const MODES: &[&str] = &["payment", "setup", "subscription"];
const UI_MODES: &[&str] = &["hosted_page", "embedded_page", "elements", "form"];
const SESSION_STATUSES: &[&str] = &["open", "complete", "expired"];
const CATEGORIES: &[&str] = &["paid", "promotional"];
const COLLECTION: &[&str] = &["charge_automatically", "send_invoice"];
const PENDING_ITEMS: &[&str] = &["exclude", "include"];
const REASONS: &[&str] = &[
    "duplicate",
    "fraudulent",
    "order_change",
    "product_unsatisfactory",
];
const INTERVALS: &[&str] = &["day", "week", "month", "year"];
const DURATIONS: &[&str] = &["forever", "once", "repeating"];

const CUSTOMER: &[Param] = &[
    ("email", Text, false),
    ("name", Text, false),
    ("description", Text, false),
    ("phone", Text, false),
    ("metadata", Map, false),
    ("balance", Int, false),
    ("tax_exempt", Enum(TAX_EXEMPT), false),
    ("preferred_locales", Any, false),
    ("address", Any, false),
];
const BALANCE_TRANSACTION: &[Param] = &[
    ("amount", Int, true),
    ("currency", Text, true),
    ("description", Text, false),
    ("metadata", Map, false),
];
const DESCRIBED: &[Param] = &[("description", Text, false), ("metadata", Map, false)];
const PRODUCT: &[Param] = &[
    ("name", Text, true),
    ("description", Text, false),
    ("metadata", Map, false),
    ("active", Bool, false),
];
const PRODUCT_UPDATE: &[Param] = &[
    ("name", Text, false),
    ("description", Text, false),
    ("metadata", Map, false),
    ("active", Bool, false),
];
const PRICE: &[Param] = &[
    ("product", Ref, false),
    ("product_data", Any, false),
    ("unit_amount", Int, false),
    ("currency", Text, true),
    ("recurring", Any, false),
    ("nickname", Text, false),
    ("metadata", Map, false),
];
const PRICE_UPDATE: &[Param] = &[
    ("nickname", Text, false),
    ("metadata", Map, false),
    ("active", Bool, false),
];
const ITEM: &[Param] = &[
    ("customer", Ref, true),
    ("pricing", Any, false),
    ("price", Ref, false),
    ("amount", Int, false),
    ("currency", Text, false),
    ("quantity", Int, false),
    ("description", Text, false),
    ("metadata", Map, false),
];
const ITEM_UPDATE: &[Param] = &[
    ("quantity", Int, false),
    ("description", Text, false),
    ("metadata", Map, false),
];
const INVOICE: &[Param] = &[
    ("customer", Ref, false),
    ("collection_method", Enum(COLLECTION), false),
    ("days_until_due", Int, false),
    ("pending_invoice_items_behavior", Enum(PENDING_ITEMS), false),
    ("description", Text, false),
    ("metadata", Map, false),
    ("auto_advance", Bool, false),
];
const NOTE: &[Param] = &[
    ("invoice", Ref, true),
    ("reason", Enum(REASONS), false),
    ("lines", Any, false),
    ("memo", Text, false),
    ("amount", Int, false),
    ("credit_amount", Int, false),
    ("out_of_band_amount", Int, false),
    ("refund_amount", Int, false),
    ("metadata", Map, false),
];
const NOTE_UPDATE: &[Param] = &[("memo", Text, false), ("metadata", Map, false)];
const GRANT: &[Param] = &[
    ("customer", Ref, true),
    ("category", Enum(CATEGORIES), true),
    ("amount", Any, true),
    ("applicability_config", Any, true),
    ("name", Text, false),
    ("metadata", Map, false),
    ("effective_at", Int, false),
    ("expires_at", Int, false),
    ("priority", Int, false),
];
const GRANT_UPDATE: &[Param] = &[("expires_at", Int, false), ("metadata", Map, false)];
const SESSION: &[Param] = &[
    ("success_url", Text, false),
    ("cancel_url", Text, false),
    ("return_url", Text, false),
    ("mode", Enum(MODES), false),
    ("ui_mode", Enum(UI_MODES), false),
    ("line_items", Any, false),
    ("automatic_tax", Any, false),
    ("metadata", Map, false),
    ("expires_at", Int, false),
    ("currency", Text, false),
    ("customer", Ref, false),
    ("customer_email", Text, false),
    ("client_reference_id", Text, false),
    ("discounts", Any, false),
];
const SESSION_UPDATE: &[Param] = &[("metadata", Map, false)];
const COUPON: &[Param] = &[
    ("id", Text, false),
    ("percent_off", Any, false),
    ("amount_off", Int, false),
    ("currency", Text, false),
    ("duration", Enum(DURATIONS), false),
    ("name", Text, false),
    ("metadata", Map, false),
];
const PREVIEW: &[Param] = &[
    ("invoice", Ref, true),
    ("reason", Enum(REASONS), false),
    ("lines", Any, false),
    ("credit_amount", Int, false),
    ("out_of_band_amount", Int, false),
    ("refund_amount", Int, false),
    ("memo", Text, false),
];
const SUMMARY: &[Param] = &[("customer", Ref, true), ("filter", Any, true)];

/// Every endpoint the model knows.
const ROUTES: &[Route] = &[
    route("POST", "/v1/customers", CUSTOMER, Effect::CreateCustomer),
    list("/v1/customers", &[("email", Text, false)]),
    route("GET", "/v1/customers/*", &[], Effect::Read),
    route("POST", "/v1/customers/*", CUSTOMER, Effect::Read),
    route("DELETE", "/v1/customers/*", &[], Effect::DeleteCustomer),
    route(
        "POST",
        "/v1/customers/*/balance_transactions",
        BALANCE_TRANSACTION,
        Effect::Create,
    ),
    list("/v1/customers/*/balance_transactions", &[]),
    route(
        "GET",
        "/v1/customers/*/balance_transactions/*",
        &[],
        Effect::Read,
    ),
    route(
        "POST",
        "/v1/customers/*/balance_transactions/*",
        DESCRIBED,
        Effect::Read,
    ),
    route("POST", "/v1/products", PRODUCT, Effect::Create),
    list(
        "/v1/products",
        &[("ids", Any, false), ("active", Bool, false)],
    ),
    route("GET", "/v1/products/*", &[], Effect::Read),
    route("POST", "/v1/products/*", PRODUCT_UPDATE, Effect::Read),
    route("POST", "/v1/prices", PRICE, Effect::CreatePrice),
    list(
        "/v1/prices",
        &[("product", Ref, false), ("active", Bool, false)],
    ),
    route("GET", "/v1/prices/*", &[], Effect::Read),
    route("POST", "/v1/prices/*", PRICE_UPDATE, Effect::Read),
    route("POST", "/v1/coupons", COUPON, Effect::Create),
    route("POST", "/v1/invoiceitems", ITEM, Effect::CreateItem),
    list("/v1/invoiceitems", &[("customer", Ref, false)]),
    route("GET", "/v1/invoiceitems/*", &[], Effect::Read),
    route("POST", "/v1/invoiceitems/*", ITEM_UPDATE, Effect::Read),
    route("POST", "/v1/invoices", INVOICE, Effect::CreateInvoice),
    list(
        "/v1/invoices",
        &[("customer", Ref, false), ("status", Text, false)],
    ),
    route("GET", "/v1/invoices/*", &[], Effect::Read),
    route("POST", "/v1/invoices/*", INVOICE, Effect::Read),
    route(
        "POST",
        "/v1/invoices/*/finalize",
        &[("auto_advance", Bool, false)],
        Effect::Finalize,
    ),
    route(
        "POST",
        "/v1/invoices/*/pay",
        &[("paid_out_of_band", Bool, false)],
        Effect::Pay,
    ),
    route("POST", "/v1/credit_notes", NOTE, Effect::CreateNote),
    list(
        "/v1/credit_notes",
        &[("invoice", Ref, false), ("customer", Ref, false)],
    ),
    route("GET", "/v1/credit_notes/preview", PREVIEW, Effect::Read),
    list("/v1/credit_notes/preview/lines", PREVIEW),
    route("GET", "/v1/credit_notes/*", &[], Effect::Read),
    route("POST", "/v1/credit_notes/*", NOTE_UPDATE, Effect::Read),
    list("/v1/credit_notes/*/lines", &[]),
    route("POST", "/v1/credit_notes/*/void", &[], Effect::VoidNote),
    route(
        "POST",
        "/v1/billing/credit_grants",
        GRANT,
        Effect::CreateGrant,
    ),
    list("/v1/billing/credit_grants", &[("customer", Ref, false)]),
    route("GET", "/v1/billing/credit_grants/*", &[], Effect::Read),
    route(
        "POST",
        "/v1/billing/credit_grants/*",
        GRANT_UPDATE,
        Effect::Read,
    ),
    route(
        "POST",
        "/v1/billing/credit_grants/*/void",
        &[],
        Effect::VoidGrant,
    ),
    route(
        "POST",
        "/v1/billing/credit_grants/*/expire",
        &[],
        Effect::ExpireGrant,
    ),
    route(
        "GET",
        "/v1/billing/credit_balance_summary",
        SUMMARY,
        Effect::Summary,
    ),
    list(
        "/v1/billing/credit_balance_transactions",
        &[("customer", Ref, true), ("credit_grant", Ref, false)],
    ),
    route(
        "GET",
        "/v1/billing/credit_balance_transactions/*",
        &[],
        Effect::Read,
    ),
    route(
        "POST",
        "/v1/checkout/sessions",
        SESSION,
        Effect::CreateSession,
    ),
    list(
        "/v1/checkout/sessions",
        &[
            ("customer", Ref, false),
            ("status", Enum(SESSION_STATUSES), false),
        ],
    ),
    route("GET", "/v1/checkout/sessions/*", &[], Effect::Read),
    route(
        "POST",
        "/v1/checkout/sessions/*",
        SESSION_UPDATE,
        Effect::Read,
    ),
    route(
        "POST",
        "/v1/checkout/sessions/*/expire",
        &[],
        Effect::ExpireSession,
    ),
    list("/v1/checkout/sessions/*/line_items", &[]),
    list(
        "/v1/events",
        &[
            ("type", Text, false),
            ("types", Any, false),
            ("created", Any, false),
        ],
    ),
    route("GET", "/v1/events/*", &[], Effect::Read),
];

/// Parameters every endpoint takes, and those of every list.
const EVERYWHERE: &[Param] = &[("expand", Any, false)];
const PAGING: &[Param] = &[
    ("starting_after", Text, false),
    ("ending_before", Text, false),
];

/// The Checkout Session lifetimes `expires_at` may ask for, from now: 30 minutes to 24 hours.
const SESSION_LIFETIME: std::ops::RangeInclusive<i64> = 30 * 60..=24 * 60 * 60;

/// The objects of one flow and what the model knows of them.
#[derive(Debug, Default, Clone)]
pub struct Model {
    objects: HashMap<String, Object>,
    /// Ids the flow did not make exist (cases replaying documented examples).
    foreign: bool,
    /// Idempotency keys seen: the request they were first used with, and its status.
    keys: HashMap<String, (String, u16)>,
}

impl Model {
    /// A model for a flow; with `foreign`, ids it did not make are taken to exist.
    pub fn new(foreign: bool) -> Model {
        Model {
            foreign,
            ..Model::default()
        }
    }

    /// Predicts the status of `request` and takes its effect. `made` is how later requests
    /// name the object a successful create makes (its id in a recording, or a template).
    pub fn step(&mut self, request: &Request, made: Option<&str>) -> u16 {
        let route = find(request);
        let params = parameters(request);
        let status = self.predict(route, request, &params);
        if let Some(key) = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("idempotency-key"))
            .map(|(_, v)| v.clone())
        {
            let signature = signature(request, &params);
            match self.keys.get(&key) {
                Some((first, first_status)) if *first == signature => return *first_status,
                Some(_) => return 400,
                None => {
                    self.keys.insert(key, (signature, status));
                }
            }
        }
        if let (true, Some(route)) = ((200..300).contains(&status), route) {
            self.take(route, request, &params, made);
        }
        status
    }

    fn predict(
        &self,
        route: Option<&Route>,
        request: &Request,
        params: &serde_json::Map<String, Value>,
    ) -> u16 {
        if request.auth != Auth::Default {
            return 401;
        }
        let Some(route) = route else {
            return 404;
        };
        // A deleted customer still reads back (as deleted).
        let reading = route.method == "GET";
        let gone = |id: &&str| match self.objects.get(*id) {
            Some(Object::Customer { deleted: true }) => !reading,
            _ => !self.exists(id),
        };
        if path_ids(route, &request.path).iter().any(gone) {
            return 404;
        }
        if let Some(status) = self.refuse_params(route, params) {
            return status;
        }
        self.refuse_state(route, request, params).unwrap_or(200)
    }

    fn exists(&self, id: &str) -> bool {
        match self.objects.get(id) {
            Some(Object::Customer { deleted: true }) => false,
            Some(_) => true,
            None => self.foreign || is_template(id),
        }
    }

    /// Takes note of the ids an answer showed: objects made on the side (events, transactions)
    /// exist once an answer names them.
    pub fn saw(&mut self, answer: &Value) {
        let mut ids = std::collections::HashSet::new();
        crate::engine::collect_ids(answer, &mut ids);
        for id in ids {
            self.objects.entry(id).or_insert(Object::Other);
        }
    }

    /// The object with id `id`, when the flow made it.
    fn object(&self, id: &str) -> Option<&Object> {
        self.objects.get(id)
    }

    fn refuse_params(&self, route: &Route, params: &serde_json::Map<String, Value>) -> Option<u16> {
        let known = |name: &str| {
            route
                .params
                .iter()
                .chain(EVERYWHERE)
                .chain(if route.list { PAGING } else { &[] })
                .find(|(n, _, _)| *n == name)
                .map(|(_, kind, _)| *kind)
                .or_else(|| (route.list && name == "limit").then_some(Int))
        };
        for (name, value) in params {
            let Some(kind) = known(name) else {
                return Some(400);
            };
            let fits = match kind {
                Text => value.is_string(),
                Int => as_int(value).is_some(),
                Bool => {
                    matches!(value, Value::Bool(_))
                        || matches!(value.as_str(), Some("true" | "false"))
                }
                Enum(values) => value.as_str().is_some_and(|v| values.contains(&v)),
                Map => value.is_object(),
                Any => true,
                Ref => value.is_string(),
            };
            if !fits {
                return Some(400);
            }
            if name == "limit" && as_int(value).is_some_and(|n| !(1..=100).contains(&n)) {
                return Some(400);
            }
            if name == "recurring"
                && value
                    .get("interval")
                    .and_then(Value::as_str)
                    .is_some_and(|i| !INTERVALS.contains(&i))
            {
                return Some(400);
            }
            if name == "line_items" && !line_items_fit(value) {
                return Some(400);
            }
        }
        if route
            .params
            .iter()
            .any(|(n, _, required)| *required && !params.contains_key(*n))
        {
            return Some(400);
        }
        for (name, kind, _) in route.params {
            if let (Ref, Some(id)) = (kind, params.get(*name).and_then(Value::as_str)) {
                if !self.exists(id) && !is_template(id) {
                    return Some(if route.list || route.method == "GET" {
                        404
                    } else {
                        400
                    });
                }
            }
        }
        None
    }

    fn refuse_state(
        &self,
        route: &Route,
        request: &Request,
        params: &serde_json::Map<String, Value>,
    ) -> Option<u16> {
        let target = path_ids(route, &request.path)
            .first()
            .and_then(|id| self.object(id))
            .cloned();
        let refused = match route.effect {
            Effect::Finalize => {
                matches!(target, Some(Object::Invoice { status, .. }) if status != InvoiceStatus::Draft)
            }
            Effect::Pay => {
                matches!(target, Some(Object::Invoice { status, .. }) if status != InvoiceStatus::Open)
            }
            Effect::VoidNote => matches!(target, Some(Object::Note { void: true })),
            Effect::VoidGrant => matches!(target, Some(Object::Grant { voided: true })),
            Effect::ExpireSession => matches!(target, Some(Object::Session { expired: true })),
            Effect::CreateNote => self.refuse_note(params),
            Effect::CreateSession => refuse_session(params),
            _ => false,
        };
        refused.then_some(400)
    }

    /// A credit note on a draft invoice, or for more than the invoice has left to credit.
    fn refuse_note(&self, params: &serde_json::Map<String, Value>) -> bool {
        let invoice = params
            .get("invoice")
            .and_then(Value::as_str)
            .and_then(|id| self.object(id));
        let Some(Object::Invoice {
            status,
            total,
            credited,
        }) = invoice
        else {
            return false;
        };
        *status == InvoiceStatus::Draft || note_amount(params).is_some_and(|a| a > total - credited)
    }

    fn take(
        &mut self,
        route: &Route,
        request: &Request,
        params: &serde_json::Map<String, Value>,
        made: Option<&str>,
    ) {
        let target = path_ids(route, &request.path)
            .first()
            .map(|id| (*id).to_owned());
        let text = |name: &str| params.get(name).and_then(Value::as_str).map(str::to_owned);
        let made_object = match route.effect {
            Effect::Read | Effect::Summary => None,
            Effect::Create => Some(Object::Other),
            Effect::CreateCustomer => Some(Object::Customer { deleted: false }),
            Effect::CreatePrice => Some(Object::Price {
                unit_amount: params.get("unit_amount").and_then(as_int).unwrap_or(0),
            }),
            Effect::CreateItem => Some(Object::Item {
                customer: text("customer").unwrap_or_default(),
                amount: self.item_amount(params),
                invoiced: false,
            }),
            Effect::CreateInvoice => Some(self.invoice_of(text("customer"), params)),
            Effect::CreateNote => {
                let amount = note_amount(params).unwrap_or(0);
                if let Some(Object::Invoice { credited, .. }) =
                    text("invoice").and_then(|id| self.objects.get_mut(&id))
                {
                    *credited += amount;
                }
                Some(Object::Note { void: false })
            }
            Effect::CreateGrant => Some(Object::Grant { voided: false }),
            Effect::CreateSession => Some(Object::Session { expired: false }),
            Effect::DeleteCustomer
            | Effect::Finalize
            | Effect::Pay
            | Effect::VoidNote
            | Effect::VoidGrant
            | Effect::ExpireGrant
            | Effect::ExpireSession => {
                if let Some(object) = target.and_then(|id| self.objects.get_mut(&id)) {
                    change(object, route.effect);
                }
                None
            }
        };
        if let (Some(object), Some(id)) = (made_object, made) {
            self.objects.insert(id.to_owned(), object);
        }
    }

    fn item_amount(&self, params: &serde_json::Map<String, Value>) -> i64 {
        let quantity = params.get("quantity").and_then(as_int).unwrap_or(1);
        if let Some(amount) = params.get("amount").and_then(as_int) {
            return amount;
        }
        let price = params
            .get("pricing")
            .and_then(|p| p.get("price"))
            .or_else(|| params.get("price"))
            .and_then(Value::as_str);
        match price.and_then(|id| self.objects.get(id)) {
            Some(Object::Price { unit_amount }) => unit_amount * quantity,
            _ => 0,
        }
    }

    /// A new draft invoice: with `include`, it takes the customer's pending items.
    fn invoice_of(
        &mut self,
        customer: Option<String>,
        params: &serde_json::Map<String, Value>,
    ) -> Object {
        let include = params
            .get("pending_invoice_items_behavior")
            .and_then(Value::as_str)
            == Some("include");
        let mut total = 0;
        if let (true, Some(customer)) = (include, customer) {
            for object in self.objects.values_mut() {
                if let Object::Item {
                    customer: c,
                    amount,
                    invoiced,
                } = object
                {
                    if *c == customer && !*invoiced {
                        *invoiced = true;
                        total += *amount;
                    }
                }
            }
        }
        Object::Invoice {
            status: InvoiceStatus::Draft,
            total,
            credited: 0,
        }
    }
}

/// How a successful state change leaves its object.
fn change(object: &mut Object, effect: Effect) {
    match (object, effect) {
        (Object::Customer { deleted }, Effect::DeleteCustomer) => *deleted = true,
        (Object::Invoice { status, total, .. }, Effect::Finalize) => {
            // An invoice with nothing to pay is paid when it is finalized.
            *status = if *total == 0 {
                InvoiceStatus::Paid
            } else {
                InvoiceStatus::Open
            };
        }
        (Object::Invoice { status, .. }, Effect::Pay) => *status = InvoiceStatus::Paid,
        (Object::Note { void }, Effect::VoidNote) => *void = true,
        (Object::Grant { voided }, Effect::VoidGrant) => *voided = true,
        (Object::Session { expired }, Effect::ExpireSession) => *expired = true,
        _ => {}
    }
}

/// The amount of a credit note's custom lines, when it has only custom lines.
fn note_amount(params: &serde_json::Map<String, Value>) -> Option<i64> {
    let lines = params.get("lines")?;
    let lines: Vec<&Value> = match lines {
        Value::Array(items) => items.iter().collect(),
        Value::Object(items) => items.values().collect(),
        _ => return None,
    };
    lines
        .iter()
        .map(|line| {
            let custom = line.get("type").and_then(Value::as_str) == Some("custom_line_item");
            let unit = line.get("unit_amount").and_then(as_int)?;
            let quantity = line.get("quantity").and_then(as_int).unwrap_or(1);
            custom.then_some(unit * quantity)
        })
        .sum()
}

/// A Checkout Session asked for without line items in a mode that needs them, or expiring
/// outside the allowed range.
fn refuse_session(params: &serde_json::Map<String, Value>) -> bool {
    let mode = params.get("mode").and_then(Value::as_str);
    let needs_items = matches!(mode, Some("payment" | "subscription"));
    if mode.is_none() || needs_items && !params.contains_key("line_items") {
        return true;
    }
    match params.get("expires_at") {
        Some(Value::String(text)) if is_template(text) => {
            let offset = text
                .trim_start_matches("${now")
                .trim_end_matches('}')
                .replace('+', "");
            offset
                .parse::<i64>()
                .is_ok_and(|o| !SESSION_LIFETIME.contains(&o))
        }
        _ => false,
    }
}

/// Each line item's quantity is an integer.
fn line_items_fit(items: &Value) -> bool {
    let items: Vec<&Value> = match items {
        Value::Array(items) => items.iter().collect(),
        Value::Object(items) => items.values().collect(),
        _ => return false,
    };
    items
        .iter()
        .all(|item| item.get("quantity").is_none_or(|q| as_int(q).is_some()))
}

/// The route of a request.
fn find(request: &Request) -> Option<&'static Route> {
    let method = request.method.to_ascii_uppercase();
    ROUTES
        .iter()
        .find(|r| r.method == method && matches(r.pattern, &request.path))
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .split('/')
}

fn matches(pattern: &str, path: &str) -> bool {
    let mut wanted = pattern.split('/');
    let mut got = segments(path);
    loop {
        match (wanted.next(), got.next()) {
            (None, None) => return true,
            (Some("*"), Some(segment)) if !segment.is_empty() && segment != "preview" => {}
            (Some(w), Some(segment)) if w == segment => {}
            _ => return false,
        }
    }
}

/// The ids in a request's path, in order.
fn path_ids<'p>(route: &Route, path: &'p str) -> Vec<&'p str> {
    route
        .pattern
        .split('/')
        .zip(segments(path))
        .filter(|(w, _)| *w == "*")
        .map(|(_, id)| id)
        .collect()
}

/// A request's query and body parameters, in one object.
fn parameters(request: &Request) -> serde_json::Map<String, Value> {
    let mut params = serde_json::Map::new();
    for source in [&request.query, &request.form, &request.json]
        .into_iter()
        .flatten()
    {
        if let Value::Object(map) = source {
            params.extend(map.clone());
        }
    }
    params
}

/// What makes two uses of an idempotency key the same request.
fn signature(request: &Request, params: &serde_json::Map<String, Value>) -> String {
    format!("{} {} {params:?}", request.method, request.path)
}

fn is_template(text: &str) -> bool {
    text.contains("${")
}

/// An integer, written as a number, as digits, or as a `${now...}` template.
fn as_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if s.starts_with("${now") => Some(0),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
