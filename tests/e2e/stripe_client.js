// Drives `conform serve` with the official `stripe` Node client through recorded flows.
//
// Usage: node stripe_client.js BASE_URL CASE_FILE...   (with `stripe` on NODE_PATH)
//
// For every step of every case file, the matching client method is called against BASE_URL;
// the returned object must name the recording's `object` and carry exactly the recorded values;
// recorded errors must reject with the client's error class, the recorded status and type.
// Exits non-zero on the first mismatch, naming the case, step and JSON path.
'use strict';

const fs = require('fs');
const Stripe = require('stripe');

const ID = '([A-Za-z0-9_]+)';

// [method, path pattern, call(stripe, ids, params)]
const ROUTES = [
  ['POST', '/v1/customers', (s, m, p) => s.customers.create(p)],
  ['GET', `/v1/customers/${ID}`, (s, m, p) => s.customers.retrieve(m[0], p)],
  ['POST', `/v1/customers/${ID}/balance_transactions`, (s, m, p) => s.customers.createBalanceTransaction(m[0], p)],
  ['GET', `/v1/customers/${ID}/balance_transactions`, (s, m, p) => s.customers.listBalanceTransactions(m[0], p)],
  ['GET', `/v1/customers/${ID}/balance_transactions/${ID}`, (s, m, p) => s.customers.retrieveBalanceTransaction(m[0], m[1], p)],
  ['POST', '/v1/products', (s, m, p) => s.products.create(p)],
  ['POST', '/v1/prices', (s, m, p) => s.prices.create(p)],
  ['POST', '/v1/invoiceitems', (s, m, p) => s.invoiceItems.create(p)],
  ['POST', '/v1/invoices', (s, m, p) => s.invoices.create(p)],
  ['GET', `/v1/invoices/${ID}`, (s, m, p) => s.invoices.retrieve(m[0], p)],
  ['POST', `/v1/invoices/${ID}/finalize`, (s, m, p) => s.invoices.finalizeInvoice(m[0], p)],
  ['POST', `/v1/invoices/${ID}/pay`, (s, m, p) => s.invoices.pay(m[0], p)],
  ['GET', '/v1/credit_notes/preview', (s, m, p) => s.creditNotes.preview(p)],
  ['POST', '/v1/credit_notes', (s, m, p) => s.creditNotes.create(p)],
  ['GET', `/v1/credit_notes/${ID}`, (s, m, p) => s.creditNotes.retrieve(m[0], p)],
  ['GET', `/v1/credit_notes/${ID}/lines`, (s, m, p) => s.creditNotes.listLineItems(m[0], p)],
  ['POST', `/v1/credit_notes/${ID}/void`, (s, m, p) => s.creditNotes.voidCreditNote(m[0], p)],
  ['POST', '/v1/checkout/sessions', (s, m, p) => s.checkout.sessions.create(p)],
  ['GET', `/v1/checkout/sessions/${ID}`, (s, m, p) => s.checkout.sessions.retrieve(m[0], p)],
  ['POST', `/v1/checkout/sessions/${ID}/expire`, (s, m, p) => s.checkout.sessions.expire(m[0], p)],
  ['GET', `/v1/checkout/sessions/${ID}/line_items`, (s, m, p) => s.checkout.sessions.listLineItems(m[0], p)],
];

function route(method, path) {
  for (const [m, pattern, call] of ROUTES) {
    const found = new RegExp(`^${pattern}$`).exec(path);
    if (m === method && found) return [call, found.slice(1)];
  }
  throw new Error(`no client call for ${method} ${path}`);
}

// The first difference between the recording and what the client returned, or null. Decimal
// attributes come back as the client's decimal type and compare by their text.
function diff(expected, actual, at) {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${at || '/'}: expected an object, got ${JSON.stringify(actual)}`;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of [...keys].sort()) {
      if (!(key in actual)) return `${at}/${key}: missing`;
      if (!(key in expected)) return `${at}/${key}: unexpected`;
      const found = diff(expected[key], actual[key], `${at}/${key}`);
      if (found) return found;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${at}: expected ${expected.length} items`;
    }
    for (let i = 0; i < expected.length; i++) {
      const found = diff(expected[i], actual[i], `${at}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (typeof expected === 'string' && actual !== null && typeof actual === 'object') {
    return String(actual) === expected ? null : `${at}: expected ${expected}, got ${String(actual)}`;
  }
  return expected === actual ? null : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

async function main() {
  const [base, ...files] = process.argv.slice(2);
  const url = new URL(base);
  const stripe = new Stripe('sk_test_' + 'conform_e2e', {
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(':', ''),
    maxNetworkRetries: 0,
  });
  let checked = 0;
  for (const file of files) {
    const kase = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [index, step] of kase.steps.entries()) {
      const { request, response } = step;
      const label = `${file} step ${index + 1} (${request.method} ${request.path})`;
      const [call, ids] = route(request.method, request.path);
      const params = { ...(request.query || {}), ...(request.form || {}) };
      let obj;
      try {
        obj = await call(stripe, ids, params);
      } catch (err) {
        if (!(err instanceof Stripe.errors.StripeError)) fail(`${label}: ${err}`);
        if (response.status < 400 || err.statusCode !== response.status) {
          fail(`${label}: unexpected error ${err.statusCode}: ${err.message}`);
        }
        if (err.rawType !== response.body.error.type) fail(`${label}: error type ${err.rawType} differs`);
        checked += 1;
        continue;
      }
      if (response.status >= 400) fail(`${label}: expected an error ${response.status}, got an object`);
      if (obj.object !== response.body.object) {
        fail(`${label}: expected a ${response.body.object}, got ${obj.object}`);
      }
      const problem = diff(response.body, obj, "");
      if (problem) fail(`${label}: ${problem}`);
      checked += 1;
    }
  }
  console.log(`stripe-node ${Stripe.PACKAGE_VERSION || ''}: ${checked} steps of ${files.length} cases matched the recordings`);
}

main().catch((err) => fail(String(err && err.stack ? err.stack : err)));
