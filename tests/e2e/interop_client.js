// An independent gRPC client (Node, @grpc/grpc-js) that loads the project's
// .proto files at run time and talks to a running revhubd: it registers a
// system, upserts a customer and reads it back. Exits non-zero on any
// mismatch. Usage: REVHUB_TOKEN=TOKEN node interop_client.js HOST:PORT
// PROTO_ROOT (the token is sent as `authorization: Bearer TOKEN`).
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const assert = require('node:assert/strict');

const [address, protoRoot] = process.argv.slice(2);
const token = process.env.REVHUB_TOKEN || '';
assert.ok(token, 'REVHUB_TOKEN is not set');
const files = [
  'revhub/hub/v1/system_registry_service.proto',
  'revhub/hub/v1/customer_service.proto',
];
const definition = protoLoader.loadSync(files, {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
});
const v1 = grpc.loadPackageDefinition(definition).revhub.hub.v1;
const creds = grpc.credentials.createInsecure();
const registry = new v1.SystemRegistryService(address, creds);
const customers = new v1.CustomerService(address, creds);

function call(client, method, request) {
  return new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    client[method](request, metadata, {deadline: Date.now() + 10000}, (err, resp) =>
      err ? reject(err) : resolve(resp));
  });
}

(async () => {
  const reg = await call(registry, 'RegisterSystem', {
    system: {name: 'hubspot-node', kind: 'SYSTEM_KIND_CRM',
             authoritative_for: ['ENTITY_TYPE_CUSTOMER']},
  });
  assert.equal(reg.system.state, 'SYSTEM_STATE_ENABLED');
  assert.equal(reg.system.version, '1');

  const up = await call(customers, 'UpsertCustomer', {
    customer: {
      name: 'Initech GmbH', currency_code: 'EUR', legal_entity: 'de-gmbh',
      external_refs: [{system: 'hubspot-node', object_type: 'company', vendor_id: '9001'}],
      billing_address: {lines: ['Hauptstr. 1'], city: 'Berlin', country_code: 'DE'},
    },
    idempotency_key: 'interop-1',
  });
  assert.equal(up.changed, true);
  assert.match(up.customer.id, /^cus_/);

  const got = await call(customers, 'GetCustomer', {id: up.customer.id});
  assert.equal(got.customer.name, 'Initech GmbH');
  assert.equal(got.customer.currency_code, 'EUR');
  assert.equal(got.customer.billing_address.city, 'Berlin');
  assert.equal(got.customer.external_refs[0].vendor_id, '9001');
  assert.equal(got.customer.version, '1');

  // A validation error arrives as INVALID_ARGUMENT naming the field.
  await assert.rejects(
      call(customers, 'UpsertCustomer', {customer: {name: 'X', currency_code: 'EURO'}}),
      (err) => err.code === grpc.status.INVALID_ARGUMENT &&
          err.details.startsWith('customer.currency_code: unknown ISO 4217 currency'));
  console.log('interop ok: customer', up.customer.id, 'read back through @grpc/grpc-js');
  process.exit(0);
})().catch((err) => {
  console.error('interop failed:', err);
  process.exit(1);
});
