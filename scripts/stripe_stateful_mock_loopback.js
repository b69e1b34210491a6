// Start stripe-stateful-mock on 127.0.0.1 only (its own launcher binds every interface).
// Usage: node scripts/stripe_stateful_mock_loopback.js PORT  (with NODE_PATH at its install)
const { createExpressApp } = require("stripe-stateful-mock");

const port = Number(process.argv[2]);
createExpressApp().listen(port, "127.0.0.1", () => {
  console.log(`stripe-stateful-mock listening on 127.0.0.1:${port}`);
});
