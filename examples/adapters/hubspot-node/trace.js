'use strict';
// The hub's W3C trace context (https://www.w3.org/TR/trace-context/): the
// hub sends `traceparent` as gRPC metadata on each call; the HTTP calls this
// adapter makes to HubSpot while serving that call send it on as the
// `traceparent` header, so one trace id follows a payload from the hub to
// the vendor.
const {AsyncLocalStorage} = require('node:async_hooks');

const storage = new AsyncLocalStorage();
// version-traceid-parentid-flags, lower-case hex (version ff is invalid).
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$/;

// Runs fn() with the trace of gRPC `call` (when it carries a valid one)
// current for everything fn starts, and returns what fn returns.
function runWithCall(call, fn) {
  const values = call && call.metadata ? call.metadata.get('traceparent') : [];
  const value = values.length ? String(values[0]) : '';
  return storage.run(TRACEPARENT.test(value) ? value : '', fn);
}

// Returns the headers to add to a vendor call: {traceparent} or {}.
function headers() {
  const value = storage.getStore();
  return value ? {traceparent: value} : {};
}

module.exports = {runWithCall, headers};
