//! `conform lint --reference`: golden enum values and request parameters against a type
//! reference laid out as the `stripe` Node package lays it out (a small one, written here).

use serde_json::json;

use crate::support::{stdout, Scratch};

const DECLARATIONS: &str = r#"
import { OtherString } from '../../shared.js';
export declare class SessionResource extends StripeResource {
    create(params?: Checkout.SessionCreateParams, options?: RequestOptions): Promise<Response<Session>>;
}
export interface Session {
    id: string;
    object: 'checkout.session';
    ui_mode: Session.UiMode | null;
}
export declare namespace Session {
    type UiMode = 'elements' | 'embedded_page' | 'form' | 'hosted_page' | OtherString;
}
export declare namespace Checkout {
    interface SessionCreateParams {
        mode?: SessionCreateParams.Mode;
        ui_mode?: SessionCreateParams.UiMode;
    }
    namespace SessionCreateParams {
        type Mode = 'payment' | 'setup' | 'subscription';
        type UiMode = 'elements' | 'embedded_page' | 'form' | 'hosted_page';
    }
}
"#;

const CODE: &str = r#"
class SessionResource extends StripeResource {
    create(params, options) {
        return this._makeRequest('POST', '/v1/checkout/sessions', params, options);
    }
}
"#;

/// A case creating a session with `form` and answering `ui_mode`, and the lint output.
fn lint_with(form: serde_json::Value, ui_mode: &str, on_purpose: bool) -> (Option<i32>, String) {
    let scratch = Scratch::new("lint-reference");
    scratch.write("stripe/cjs/resources/Checkout/Sessions.d.ts", DECLARATIONS);
    scratch.write("stripe/cjs/resources/Checkout/Sessions.js", CODE);
    let mut step = json!({
        "request": {"method": "POST", "path": "/v1/checkout/sessions", "form": form},
        "response": {"status": 200, "body": {"id": "cs_test_a1B2c3D4e5", "object": "checkout.session", "ui_mode": ui_mode}}
    });
    if on_purpose {
        step["invalid_on_purpose"] = json!(true);
    }
    let case = json!({"steps": [step]});
    scratch.write(
        "cases/sessions/create.json",
        &serde_json::to_string_pretty(&case).unwrap(),
    );
    assert!(scratch.conform(&["bless"]).status.success());
    let reference = scratch.path().join("stripe");
    let out = scratch.conform(&["lint", "--reference", &reference.to_string_lossy()]);
    (out.status.code(), stdout(&out))
}

#[test]
fn values_of_the_pinned_version_pass() {
    let (code, text) = lint_with(
        json!({"mode": "payment", "ui_mode": "embedded_page"}),
        "embedded_page",
        false,
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("0 error(s)"), "{text}");
}

#[test]
fn an_enum_value_of_an_older_version_fails_in_the_golden_body_and_the_request() {
    let (code, text) = lint_with(
        json!({"mode": "payment", "ui_mode": "embedded"}),
        "hosted",
        false,
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("/steps/0/body/ui_mode: `hosted` is not a value of checkout.session.ui_mode"),
        "{text}"
    );
    assert!(
        text.contains("/steps/0/request/form/ui_mode: `embedded` is not a value of Checkout.SessionCreateParams.ui_mode"),
        "{text}"
    );
}

#[test]
fn unknown_parameters_fail_unless_the_step_breaks_the_reference_on_purpose() {
    let form = json!({"mode": "donation", "gift_wrap": true});
    let (code, text) = lint_with(form.clone(), "hosted_page", false);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("`gift_wrap` is not a parameter"), "{text}");
    assert!(text.contains("`donation` is not a value"), "{text}");
    let (code, text) = lint_with(form, "hosted_page", true);
    assert_eq!(code, Some(0), "{text}");
}
