use serde_json::json;

use super::*;

const SNIPPET: &str = "Attributes
- idstring
Unique identifier.
- automatic_
taxdictionary Details.
- automatic_tax.
enabledboolean Whether it is on.
- automatic_tax.
liability. accountnullable stringExpandable The account.
- automatic_tax.
statusnullable enum The status.
Possible enum valuescomplete
It worked.
requires_
location_ inputs The location is missing.
- currency_
optionsdictionary Per currency.
- currency_options. <currency>. amountinteger Amount.
- payment_
method_ typesarray of strings The types.
- localenullable enum
The locale.
Possible enum valuesauto
Automatic.
bg
Bulgarian.
Show 40 more - createdtimestamp When.
{ \"id\": \"x_1\", \"object\": \"thing\", \"created\": 1, \"automatic_tax\": {\"enabled\": false} }
";

#[test]
fn names_split_across_lines_and_glued_types_are_read() {
    let listing = parse_attributes(SNIPPET);
    let paths: Vec<String> = listing.attributes.iter().map(Attribute::dotted).collect();
    assert_eq!(
        paths,
        vec![
            "id",
            "automatic_tax",
            "automatic_tax.enabled",
            "automatic_tax.liability.account",
            "automatic_tax.status",
            "currency_options",
            "currency_options.<currency>.amount",
            "payment_method_types",
            "locale",
            "created"
        ]
    );
    let account = &listing.attributes[3];
    assert!(account.nullable && account.expandable);
    assert_eq!(account.kind, Kind::String);
    assert_eq!(
        listing.attributes[7].kind,
        Kind::ArrayOf(Box::new(Kind::String))
    );
    assert_eq!(listing.attributes[9].kind, Kind::Timestamp);
}

#[test]
fn enum_values_are_read_and_collapsed_lists_are_open() {
    let listing = parse_attributes(SNIPPET);
    let status = &listing.attributes[4];
    assert_eq!(status.values, vec!["complete", "requires_location_inputs"]);
    assert!(!status.open);
    let locale = &listing.attributes[8];
    assert_eq!(locale.values, vec!["auto", "bg"]);
    assert!(locale.open);
}

#[test]
fn schemas_map_types_nulls_enums_and_placeholders() {
    let DocumentResult::Derived(derived) = derive_text("snippet.txt", SNIPPET) else {
        panic!("nothing derived");
    };
    let schema = &derived.schema;
    assert_eq!(derived.object, "thing");
    assert_eq!(schema["x-source"], "snippet.txt");
    assert_eq!(
        schema["properties"]["automatic_tax"]["properties"]["status"]["enum"],
        json!(["complete", "requires_location_inputs", null])
    );
    assert_eq!(schema["properties"]["locale"]["x-open-enum"], true);
    assert_eq!(
        schema["properties"]["currency_options"]["additionalProperties"]["properties"]["amount"]
            ["type"],
        "integer"
    );
    // Only top-level attributes of the example are required.
    assert_eq!(
        schema["required"],
        json!(["automatic_tax", "created", "id"])
    );
    // The parent `automatic_tax.liability` is not documented: its child is listed as skipped.
    assert_eq!(derived.coverage.skipped.len(), 1);
    assert_eq!(
        derived.coverage.skipped[0].0,
        "automatic_tax.liability.account"
    );
}

#[test]
fn event_types_are_read() {
    let text = "intro\nEvent types\n- account.\nupdated data.\nis an accountobject Occurs.\n- checkout.\nsession. async_ payment_ failed data.\nis a Checkout Sessionobject Occurs.\n";
    let (types, unparsed) = parse_event_types(text);
    assert_eq!(
        types,
        vec!["account.updated", "checkout.session.async_payment_failed"]
    );
    assert!(unparsed.is_empty());
}

#[test]
fn documents_without_listings_derive_nothing() {
    assert!(matches!(
        derive_text("guide.txt", "Redeem credits\nsome guide"),
        DocumentResult::Nothing { .. }
    ));
}

mod reference {
    use super::super::*;
    use serde_json::json;

    fn derived() -> Value {
        json!({"type": "object", "additionalProperties": false, "properties": {
            "amount": {"type": "integer"},
            "created": {"type": "integer"},
            "status": {"type": "string", "x-open-enum": true, "x-documented-values": ["open", "paid", "void"]},
            "metadata": {"type": ["object", "null"]},
            "customer": {"type": ["string", "object", "null"], "x-expandable": true}
        }})
    }

    #[test]
    fn drift_names_attributes_nullability_and_missing_enum_values() {
        let committed = json!({"type": "object", "properties": {
            "amount": {"type": "integer"},
            "created": {"type": "integer", "x-timestamp": true},
            "status": {"enum": ["open", "paid"]},
            "metadata": {"type": "object"},
            "old": {"type": "string"},
            "deleted": {"const": true}
        }});
        let drift = reference_drift(&committed, &derived());
        assert_eq!(
            drift,
            [
                "/customer: in the reference, not in the schema",
                "/old: in the schema, not in the reference",
                "/metadata: types object in the schema, null|object in the reference",
                "/status: the reference also lists \"void\"",
            ]
        );
        let merged = from_reference(&committed, &derived());
        assert!(
            reference_drift(&merged, &derived()).is_empty(),
            "{merged:#}"
        );
        // What the reference cannot say is kept: timestamps, a closed enum, the deleted form.
        assert_eq!(merged["properties"]["created"]["x-timestamp"], json!(true));
        assert_eq!(
            merged["properties"]["status"],
            json!({"enum": ["open", "paid", "void"]})
        );
        assert_eq!(merged["properties"]["deleted"], json!({"const": true}));
        assert!(merged["properties"].get("old").is_none());
    }
}

#[test]
fn drift_names_an_expandable_attribute_the_schema_accepts_in_one_form() {
    let committed = serde_json::json!({"properties": {"refunds": {"type": "array", "items": {"properties": {
        "refund": {"type": "object"}
    }}}}});
    let derived = serde_json::json!({"properties": {"refunds": {"type": "array", "items": {"properties": {
        "refund": {"type": ["string", "object"], "x-expandable": true}
    }}}}});
    let drift = reference_drift(&committed, &derived);
    assert!(
        drift
            .iter()
            .any(|d| d.contains("/refunds/*/refund: expandable in the reference")),
        "{drift:?}"
    );
    assert!(reference_drift(&derived, &derived).is_empty());
}
