#!/usr/bin/env node
// revhub HubSpot adapter: a revhub.adapter.v1.AdapterService in Node.
//
// The plumbing the C++ SDK gives its adapters, written here with
// @grpc/grpc-js and the project's own .proto files (loaded at run time by
// @grpc/proto-loader):
//
//  * listens on 127.0.0.1 port 0 (or --listen=HOST:PORT or
//    --listen=unix:/PATH, which is how the hub starts it), serves
//    revhub.adapter.v1.AdapterService and grpc.health.v1.Health, then prints
//    the handshake, the only line it ever writes on stdout:
//        REVHUB-ADAPTER|1|tcp|127.0.0.1:<port>   (or |unix|/PATH)
//  * when REVHUB_ADAPTER_TOKEN is set (the hub sets it at every launch),
//    answers only calls that carry `authorization: Bearer <token>`, every
//    other call UNAUTHENTICATED; without it (started by hand) it serves
//    anyone and says so in its log;
//  * validates every call's configuration (config.js) and never logs a
//    secret; logs go to stderr, one line per message;
//  * a mapping error becomes a FAILED translation naming the vendor field
//    path; a record is translated whole or not at all; nothing a payload
//    holds can crash the process;
//  * exits 0 on SIGTERM or SIGINT (in-flight calls finish first) and when
//    stdin is a pipe and it closes (the hub went away).
//
// Flags: --listen=HOST:PORT|unix:/PATH, --protos=DIR (default: the protos/ folder of
// the revhub checkout this file lives in, or $REVHUB_PROTOS), --describe
// (print Describe as JSON and exit).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const hubspot = require('./hubspot');
const reader = require('./read');
const trace = require('./trace');
const webhook = require('./webhook');
const {configJsonSchema, parseConfig, redact, structToObject} = require('./config');
const {MappingError} = require('./exact');

const PROTOCOL_VERSION = 1;
const CANONICAL_SCHEMA_VERSION = 'revhub.canonical.v1';
const MAX_BATCH = 1000;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const ADAPTER_SERVICE = 'revhub.adapter.v1.AdapterService';

// ---- logging ---------------------------------------------------------------

function log(level, message, secrets = []) {
  process.stderr.write(`${new Date().toISOString()} ${level} ${hubspot.ADAPTER_NAME}: ` +
                       `${redact(message, secrets).replace(/\n/g, ' ')}\n`);
}
// stdout carries the handshake and nothing else.
console.log = (...args) => log('INFO', args.join(' '));
console.info = console.log;

// ---- flags -----------------------------------------------------------------

function parseFlags(argv) {
  const flags = {
    listen: '127.0.0.1:0',
    protos: process.env.REVHUB_PROTOS || path.resolve(__dirname, '../../../protos'),
    describe: false,
  };
  for (const arg of argv) {
    if (arg.startsWith('--listen=')) flags.listen = arg.slice(9);
    else if (arg.startsWith('--protos=')) flags.protos = arg.slice(9);
    else if (arg === '--describe') flags.describe = true;
    else {
      process.stderr.write(`unknown flag ${arg} (flags: --listen=HOST:PORT|unix:/PATH, --protos=DIR, ` +
                           '--describe)\n');
      process.exit(2);
    }
  }
  return flags;
}

// ---- the hub's token ----------------------------------------------------------

// The per-launch token the hub passes; taken out of the environment so
// nothing the adapter runs inherits it.
const HUB_TOKEN = process.env.REVHUB_ADAPTER_TOKEN || '';
delete process.env.REVHUB_ADAPTER_TOKEN;

// True when the call carries the hub's token (or none is required).
function fromHub(call) {
  if (!HUB_TOKEN) return true;
  const got = call.metadata.get('authorization');
  if (got.length !== 1 || typeof got[0] !== 'string') return false;
  const a = Buffer.from(got[0]);
  const b = Buffer.from(`Bearer ${HUB_TOKEN}`);
  return a.length === b.length && require('node:crypto').timingSafeEqual(a, b);
}

const NOT_FROM_HUB = 'this adapter answers only the hub that launched it';

// Wraps every handler of a service so a call without the hub's token ends
// UNAUTHENTICATED before the handler runs.
function hubOnly(impl) {
  const out = {};
  for (const [name, handler] of Object.entries(impl)) {
    out[name] = (call, callback) => {
      if (fromHub(call)) return handler(call, callback);
      const err = grpcError(grpc.status.UNAUTHENTICATED, NOT_FROM_HUB);
      if (callback) return callback(err);
      call.emit('error', err);  // a server stream (Health.Watch)
    };
  }
  return out;
}

// ---- the service -----------------------------------------------------------

function describe() {
  return {
    adapter_name: hubspot.ADAPTER_NAME,
    vendor: hubspot.VENDOR,
    adapter_version: hubspot.ADAPTER_VERSION,
    canonical_schema_version: CANONICAL_SCHEMA_VERSION,
    protocol_version: PROTOCOL_VERSION,
    inbound_object_types: hubspot.INBOUND,
    outbound_operations: [],
    config_schema_json: configJsonSchema(hubspot.CONFIG_FIELDS),
    readable_object_types: reader.READABLE,
    rate_limits: reader.RATE_LIMITS,
    verifies_webhooks: true,
    webhook_authentication: webhook.AUTHENTICATION,
  };
}

function configOf(request) {
  return parseConfig(structToObject(request.config), hubspot.CONFIG_FIELDS);
}

function grpcError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// Translates one VendorRecord into a TranslationResult.
function translateOne(system, config, secrets, record) {
  const result = {record_key: record.record_key || '', entities: [], events: [], errors: [],
                  skip_reason: ''};
  try {
    const contentType = record.content_type || '';
    if (contentType && !contentType.startsWith('application/json')) {
      throw new MappingError('content_type', `expected application/json, got ${contentType}`);
    }
    const payload = Buffer.isBuffer(record.payload)
        ? record.payload.toString('utf8') : String(record.payload || '');
    const out = hubspot.translate(system, config, record.object_type || '', payload);
    result.entities = out.entities;
    result.events = out.events;
    if (out.entities.length) {
      result.outcome = 'TRANSLATION_OUTCOME_TRANSLATED';
    } else {
      result.outcome = 'TRANSLATION_OUTCOME_SKIPPED';
      result.skip_reason = out.skip_reason || 'the record holds nothing for the canonical model';
    }
  } catch (e) {
    const mapping = e instanceof MappingError;
    result.entities = [];
    result.events = [];
    result.skip_reason = '';
    result.outcome = 'TRANSLATION_OUTCOME_FAILED';
    result.errors = [{
      field_path: mapping ? e.path : '',
      reason: redact(mapping ? e.reason : `mapping failed: ${e.message}`, secrets),
    }];
    log('WARN', `record ${record.record_key} (${record.object_type}) failed: ${e.message}`,
        secrets);
  }
  return result;
}

// Returns a CheckResponse. Reaches HubSpot only when base_url is set.
async function check(request) {
  const {config, secrets, errors} = configOf(request);
  if (errors.length) {
    return {outcome: 'CHECK_OUTCOME_INVALID_CONFIG', reachable: false, authenticated: false,
            reason: `${errors[0].field_path}: ${errors[0].reason}`, config_errors: errors};
  }
  const needed = [];
  if (config.portal_id === undefined) {
    needed.push({field_path: 'config.portal_id', reason: 'required to check HubSpot'});
  }
  if (config.access_token === undefined) {
    needed.push({field_path: 'config.access_token', reason: 'required to check HubSpot'});
  }
  if (needed.length) {
    return {outcome: 'CHECK_OUTCOME_INVALID_CONFIG', reachable: false, authenticated: false,
            reason: `${needed[0].field_path}: ${needed[0].reason}`, config_errors: needed};
  }
  if (config.base_url === undefined) {
    return {outcome: 'CHECK_OUTCOME_OK', reachable: false, authenticated: false,
            reason: 'the configuration is valid; HubSpot was not contacted (set config.base_url, ' +
                    'e.g. https://api.hubapi.com, to check the token)',
            config_errors: []};
  }
  const url = `${config.base_url.replace(/\/+$/, '')}/account-info/v3/details`;
  let response;
  let body = '';
  try {
    response = await fetch(url, {
      headers: {Authorization: `Bearer ${config.access_token}`, Accept: 'application/json',
                ...trace.headers()},
      signal: AbortSignal.timeout(config.request_timeout_ms),
    });
    body = await response.text();
  } catch (e) {
    const why = e.name === 'TimeoutError'
        ? `no answer within ${config.request_timeout_ms} ms`
        : (e.cause && e.cause.code) || e.message;
    return {outcome: 'CHECK_OUTCOME_UNREACHABLE', reachable: false, authenticated: false,
            reason: redact(`cannot reach HubSpot at ${config.base_url}: ${why}`, secrets),
            config_errors: []};
  }
  if (response.status === 401 || response.status === 403) {
    return {outcome: 'CHECK_OUTCOME_UNAUTHENTICATED', reachable: true, authenticated: false,
            reason: `HubSpot refused the access token (HTTP ${response.status})`,
            config_errors: []};
  }
  if (response.status !== 200) {
    return {outcome: 'CHECK_OUTCOME_UNREACHABLE', reachable: true, authenticated: false,
            reason: `HubSpot answered HTTP ${response.status}`, config_errors: []};
  }
  let details;
  try {
    details = JSON.parse(body);
  } catch (e) {
    details = null;
  }
  const portal = details && details.portalId !== undefined ? String(details.portalId) : null;
  if (portal === null) {
    return {outcome: 'CHECK_OUTCOME_UNREACHABLE', reachable: true, authenticated: true,
            reason: 'HubSpot answered without portalId: is base_url the HubSpot API?',
            config_errors: []};
  }
  if (portal !== String(config.portal_id)) {
    const reason = `the access token belongs to HubSpot account ${portal}, not ${config.portal_id}`;
    return {outcome: 'CHECK_OUTCOME_INVALID_CONFIG', reachable: true, authenticated: true,
            reason: `config.portal_id: ${reason}`,
            config_errors: [{field_path: 'config.portal_id', reason}]};
  }
  return {outcome: 'CHECK_OUTCOME_OK', reachable: true, authenticated: true,
          reason: 'reachable and authenticated', config_errors: []};
}

// Calls being answered, so that stopping can wait for them.
const inFlight = {count: 0};

// Wraps a unary handler to count it in flight until it answers.
function counted(handler) {
  return (call, callback) => {
    inFlight.count++;
    let answered = false;
    handler(call, (err, value) => {
      if (!answered) {
        answered = true;
        inFlight.count--;
      }
      callback(err, value);
    });
  };
}

function makeAdapterService() {
  const service = {
    Describe(call, callback) {
      callback(null, describe());
    },
    Check(call, callback) {
      trace.runWithCall(call, () => check(call.request)).then((response) => {
        log('INFO', `check for system ${call.request.system}: ${response.reason}`);
        callback(null, response);
      }, (e) => callback(grpcError(grpc.status.INTERNAL, `check failed: ${e.message}`)));
    },
    Translate(call, callback) {
      const {config, secrets, errors} = configOf(call.request);
      if (errors.length) {
        return callback(grpcError(grpc.status.INVALID_ARGUMENT,
                                  `${errors[0].field_path}: ${errors[0].reason}`));
      }
      const record = call.request.record || {};
      callback(null, {result: translateOne(call.request.system, config, secrets, record)});
    },
    TranslateBatch(call, callback) {
      const records = call.request.records || [];
      if (records.length > MAX_BATCH) {
        return callback(grpcError(grpc.status.INVALID_ARGUMENT,
            `records: at most ${MAX_BATCH} per batch, got ${records.length}`));
      }
      const {config, secrets, errors} = configOf(call.request);
      if (errors.length) {
        return callback(grpcError(grpc.status.INVALID_ARGUMENT,
                                  `${errors[0].field_path}: ${errors[0].reason}`));
      }
      callback(null, {
        results: records.map((r) => translateOne(call.request.system, config, secrets, r)),
      });
    },
    Read(call, callback) {
      const {config, secrets, errors} = configOf(call.request);
      if (errors.length) {
        return callback(null, {outcome: 'READ_OUTCOME_FAILED',
                               reason: `${errors[0].field_path}: ${errors[0].reason}`});
      }
      trace.runWithCall(call, () => reader.read(call.request, config, secrets)).then((response) => {
        log('INFO', `read ${call.request.object_type} for system ${call.request.system}: ` +
                    `${response.outcome} ${(response.records || []).length} records` +
                    (response.reason ? ` (${response.reason})` : ''), secrets);
        callback(null, response);
      }, (e) => callback(grpcError(grpc.status.INTERNAL, redact(`read failed: ${e.message}`,
                                                                  secrets))));
    },
    VerifyWebhook(call, callback) {
      const {config, secrets, errors} = configOf(call.request);
      if (errors.length) {
        return callback(null, {verdict: 'WEBHOOK_VERDICT_REFUSED',
                               reason: `${errors[0].field_path}: ${errors[0].reason}`});
      }
      let response;
      try {
        response = webhook.verify(call.request, config);
      } catch (e) {
        response = {verdict: 'WEBHOOK_VERDICT_REFUSED',
                    reason: redact(`verification failed: ${e.message}`, secrets)};
      }
      log('INFO', `webhook for system ${call.request.system}: ${response.verdict}` +
                  (response.reason ? ` (${response.reason})` : ` ${response.vendor_event_id}`),
          secrets);
      callback(null, response);
    },
    Apply(call, callback) {
      const {errors} = configOf(call.request);
      if (errors.length) {
        return callback(null, {outcome: 'APPLY_OUTCOME_REJECTED',
                               reason: `${errors[0].field_path}: ${errors[0].reason}`,
                               field_path: errors[0].field_path});
      }
      const reason = 'the HubSpot adapter is inbound only: it reads companies, deals, ' +
                     'line items and products and writes nothing to HubSpot';
      log('INFO', `apply ${call.request.idempotency_key}: APPLY_OUTCOME_REJECTED ${reason}`);
      callback(null, {outcome: 'APPLY_OUTCOME_REJECTED', reason, field_path: 'operation'});
    },
  };
  for (const name of Object.keys(service)) service[name] = counted(service[name]);
  return service;
}

// grpc.health.v1.Health: SERVING for "" and the adapter service while the
// adapter runs, NOT_SERVING once it is stopping.
function makeHealthService(state) {
  // Fields left at their default are absent from decoded requests.
  const known = (service) => !service || service === ADAPTER_SERVICE;
  const watchers = new Set();
  return {
    impl: {
      Check(call, callback) {
        if (!known(call.request.service)) {
          return callback(grpcError(grpc.status.NOT_FOUND,
                                    `unknown service ${call.request.service}`));
        }
        callback(null, {status: state.serving ? 'SERVING' : 'NOT_SERVING'});
      },
      Watch(call) {
        const status = () => (!known(call.request.service) ? 'SERVICE_UNKNOWN'
            : state.serving ? 'SERVING' : 'NOT_SERVING');
        call.write({status: status()});
        const watcher = () => {
          call.write({status: status()});
          call.end();
        };
        watchers.add(watcher);
        call.on('cancelled', () => watchers.delete(watcher));
      },
    },
    stopping() {
      for (const w of watchers) w();
      watchers.clear();
    },
  };
}

function main() {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.describe) {
    process.stdout.write(JSON.stringify(describe(), null, 2) + '\n');
    return;
  }
  const loadOptions = {
    includeDirs: [flags.protos],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  };
  let adapterPkg;
  let healthPkg;
  try {
    adapterPkg = grpc.loadPackageDefinition(protoLoader.loadSync(
        'revhub/adapter/v1/adapter_service.proto', loadOptions)).revhub.adapter.v1;
    healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(
        'third_party/grpc/health/v1/health.proto', loadOptions)).grpc.health.v1;
  } catch (e) {
    log('ERROR', `cannot load the .proto files from ${flags.protos}: ${e.message} ` +
                 '(pass --protos=DIR or set REVHUB_PROTOS)');
    process.exit(1);
  }

  const state = {serving: true, stopping: false};
  const health = makeHealthService(state);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(adapterPkg.AdapterService.service, hubOnly(makeAdapterService()));
  server.addService(healthPkg.Health.service, hubOnly(health.impl));
  if (!HUB_TOKEN) {
    log('WARN', 'REVHUB_ADAPTER_TOKEN is not set: serving without authentication, ' +
                'for development only; a hub always sets it');
  }

  const onUnix = flags.listen.startsWith('unix:');
  server.bindAsync(flags.listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err || (!port && !onUnix)) {
      log('ERROR', `cannot listen on ${flags.listen}: ${err ? err.message : 'no port'}`);
      process.exit(1);
    }
    const network = onUnix ? 'unix' : 'tcp';
    const address = onUnix ? flags.listen.slice(5)
        : `${flags.listen.slice(0, flags.listen.lastIndexOf(':'))}:${port}`;
    // The handshake: the only line the adapter ever writes on stdout.
    process.stdout.write(`REVHUB-ADAPTER|${PROTOCOL_VERSION}|${network}|${address}\n`);
    log('INFO', `serving ${hubspot.ADAPTER_NAME} ${hubspot.ADAPTER_VERSION} on ${address}` +
                (HUB_TOKEN ? ' (hub token required)' : ''));
  });

  // Stopping: no new calls (tryShutdown), in-flight calls finish, then
  // exit. grpc-js's tryShutdown also waits for clients to hang up, and the
  // hub keeps its channel open, so the adapter leaves once nothing is in
  // flight (after a moment for the last replies to flush), or after 5 s.
  const stop = (why) => {
    if (state.stopping) return;
    state.stopping = true;
    state.serving = false;
    health.stopping();
    log('INFO', `stopping (${why})`);
    const leave = (how) => {
      server.forceShutdown();
      log('INFO', how);
      process.exit(0);
    };
    setTimeout(() => leave('stopped (in-flight calls cut after 5 s)'), 5000).unref();
    server.tryShutdown(() => leave('stopped'));
    const drained = () => {
      if (inFlight.count > 0) return setTimeout(drained, 10);
      setTimeout(() => leave('stopped'), 50);
    };
    drained();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdout.on('error', () => {});  // the hub closed our stdout: keep serving
  let stdinIsPipe = false;
  try {
    const st = fs.fstatSync(0);
    stdinIsPipe = st.isFIFO() || st.isSocket();
  } catch (e) {
    stdinIsPipe = false;
  }
  if (stdinIsPipe) {
    process.stdin.on('data', () => {});
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin closed'));
    process.stdin.resume();
  }
  process.on('uncaughtException', (e) => {
    log('ERROR', `unexpected error: ${e.stack || e.message}`);
  });
}

main();
