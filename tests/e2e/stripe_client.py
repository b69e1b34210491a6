"""Drives `conform serve` with the official `stripe` Python client through recorded flows.

Usage: python stripe_client.py BASE_URL CASE_FILE...

For every step of every case file, the matching typed client call is made against BASE_URL;
the returned object must be of the class the recording's `object` names and carry exactly the
recorded values; recorded errors must raise the client's error with the recorded status.
Exits non-zero on the first mismatch, naming the case, step and JSON path.
"""

import json
import re
import sys

import stripe

ID = r"([A-Za-z0-9_]+)"

# (method, path pattern, call) -- `call(match, params)` returns the typed object.
ROUTES = [
    ("POST", r"/v1/customers", lambda m, p: stripe.Customer.create(**p)),
    ("GET", rf"/v1/customers/{ID}", lambda m, p: stripe.Customer.retrieve(m[0], **p)),
    ("POST", rf"/v1/customers/{ID}/balance_transactions", lambda m, p: stripe.Customer.create_balance_transaction(m[0], **p)),
    ("GET", rf"/v1/customers/{ID}/balance_transactions", lambda m, p: stripe.Customer.list_balance_transactions(m[0], **p)),
    ("GET", rf"/v1/customers/{ID}/balance_transactions/{ID}", lambda m, p: stripe.Customer.retrieve_balance_transaction(m[0], m[1], **p)),
    ("POST", r"/v1/products", lambda m, p: stripe.Product.create(**p)),
    ("POST", r"/v1/prices", lambda m, p: stripe.Price.create(**p)),
    ("POST", r"/v1/invoiceitems", lambda m, p: stripe.InvoiceItem.create(**p)),
    ("POST", r"/v1/invoices", lambda m, p: stripe.Invoice.create(**p)),
    ("GET", rf"/v1/invoices/{ID}", lambda m, p: stripe.Invoice.retrieve(m[0], **p)),
    ("POST", rf"/v1/invoices/{ID}/finalize", lambda m, p: stripe.Invoice.finalize_invoice(m[0], **p)),
    ("POST", rf"/v1/invoices/{ID}/pay", lambda m, p: stripe.Invoice.pay(m[0], **p)),
    ("GET", r"/v1/credit_notes/preview", lambda m, p: stripe.CreditNote.preview(**p)),
    ("POST", r"/v1/credit_notes", lambda m, p: stripe.CreditNote.create(**p)),
    ("GET", rf"/v1/credit_notes/{ID}", lambda m, p: stripe.CreditNote.retrieve(m[0], **p)),
    ("GET", rf"/v1/credit_notes/{ID}/lines", lambda m, p: stripe.CreditNote.list_lines(m[0], **p)),
    ("POST", rf"/v1/credit_notes/{ID}/void", lambda m, p: stripe.CreditNote.void_credit_note(m[0], **p)),
    ("POST", r"/v1/checkout/sessions", lambda m, p: stripe.checkout.Session.create(**p)),
    ("GET", rf"/v1/checkout/sessions/{ID}", lambda m, p: stripe.checkout.Session.retrieve(m[0], **p)),
    ("POST", rf"/v1/checkout/sessions/{ID}/expire", lambda m, p: stripe.checkout.Session.expire(m[0], **p)),
    ("GET", rf"/v1/checkout/sessions/{ID}/line_items", lambda m, p: stripe.checkout.Session.list_line_items(m[0], **p)),
]

CLASSES = {
    "customer": stripe.Customer, "product": stripe.Product, "price": stripe.Price, "invoiceitem": stripe.InvoiceItem,
    "invoice": stripe.Invoice, "credit_note": stripe.CreditNote, "customer_balance_transaction": stripe.CustomerBalanceTransaction,
    "checkout.session": stripe.checkout.Session, "list": stripe.ListObject,
}


def route(method, path):
    for m, pattern, call in ROUTES:
        found = re.fullmatch(pattern, path)
        if m == method and found:
            return call, found.groups()
    raise SystemExit(f"no client call for {method} {path}")


def diff(expected, actual, at=""):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{at or '/'}: expected an object, got {actual!r}"
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                return f"{at}/{key}: missing"
            if key not in expected:
                return f"{at}/{key}: unexpected"
            found = diff(expected[key], actual[key], f"{at}/{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{at}: expected {len(expected)} items"
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = diff(e, a, f"{at}/{i}")
            if found:
                return found
        return None
    return None if expected == actual else f"{at}: expected {expected!r}, got {actual!r}"


def main():
    base, files = sys.argv[1], sys.argv[2:]
    stripe.api_key = "sk_test_" + "conform_e2e"
    stripe.api_base = base
    stripe.max_network_retries = 0
    checked = 0
    for file in files:
        case = json.load(open(file))
        for index, step in enumerate(case["steps"]):
            request, response = step["request"], step["response"]
            label = f"{file} step {index + 1} ({request['method']} {request['path']})"
            call, groups = route(request["method"], request["path"])
            params = dict(request.get("query") or {})
            params.update(request.get("form") or {})
            status = response["status"]
            try:
                obj = call(groups, params)
            except stripe.StripeError as err:
                if status < 400 or err.http_status != status:
                    raise SystemExit(f"{label}: unexpected error {err.http_status}: {err}")
                if err.error is None or err.error.type != response["body"]["error"]["type"]:
                    raise SystemExit(f"{label}: error type differs")
                checked += 1
                continue
            if status >= 400:
                raise SystemExit(f"{label}: expected an error {status}, got a {type(obj).__name__}")
            expected_class = CLASSES.get(response["body"].get("object"))
            if expected_class is not None and not isinstance(obj, expected_class):
                raise SystemExit(f"{label}: expected {expected_class.__name__}, got {type(obj).__name__}")
            problem = diff(response["body"], json.loads(str(obj)))
            if problem:
                raise SystemExit(f"{label}: {problem}")
            checked += 1
    print(f"stripe-python {stripe.VERSION}: {checked} steps of {len(files)} cases matched the recordings")


if __name__ == "__main__":
    main()
