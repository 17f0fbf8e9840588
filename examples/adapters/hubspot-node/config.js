// Configuration: the JSON Schema Describe publishes, the validation every
// call's configuration goes through, and the redaction of secrets in logs.
// The rules and messages are the C++ SDK's (adapters/sdk/config.cc), so an
// operator sees the same "config.base_url: must be an http:// or https://
// URL" whatever language the adapter is written in.
'use strict';

const {isCurrency} = require('./exact');

function schemaType(type) {
  switch (type) {
    case 'integer': return {type: 'integer', minimum: 0};
    case 'boolean': return {type: 'boolean'};
    case 'url': return {type: 'string', format: 'uri', pattern: '^https?://'};
    case 'currency': return {type: 'string', pattern: '^[A-Z]{3}$'};
    default: return {type: 'string'};
  }
}

// Returns the configuration's JSON Schema (draft 2020-12) as text.
function configJsonSchema(fields) {
  const properties = {};
  for (const f of fields) {
    const p = {...schemaType(f.type), description: f.description};
    if (f.secret) {
      p.writeOnly = true;
      p['x-revhub-secret'] = true;
    }
    if (f.default !== undefined) p.default = f.default;
    properties[f.name] = p;
  }
  return JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties,
    required: fields.filter((f) => f.required).map((f) => f.name),
  });
}

// Returns the rule `value` breaks for `field`, or '' when it is fine.
function brokenRule(field, value) {
  switch (field.type) {
    case 'string':
      return typeof value === 'string' ? '' : 'must be a string';
    case 'url':
      if (typeof value !== 'string') return 'must be a string';
      return /^https?:\/\//.test(value) ? '' : 'must be an http:// or https:// URL';
    case 'currency':
      return isCurrency(value) ? '' : 'must be an upper-case ISO 4217 currency code';
    case 'integer':
      // google.protobuf.Struct carries numbers as doubles.
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
          ? '' : 'must be a non-negative integer';
    case 'boolean':
      return typeof value === 'boolean' ? '' : 'must be true or false';
    default:
      return 'unknown type';
  }
}

// Validates a configuration (a plain object from the request's Struct).
// Returns {config, errors}: config holds every declared field (defaults
// filled in) and secrets lists the secret values, when errors is empty.
function parseConfig(raw, fields) {
  const errors = [];
  const config = {};
  const secrets = [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const key of Object.keys(raw)) {
    if (!byName.has(key)) errors.push({field_path: `config.${key}`, reason: 'unknown field'});
  }
  for (const f of fields) {
    const path = `config.${f.name}`;
    const value = raw[f.name];
    if (value === undefined || value === null) {
      if (f.required) errors.push({field_path: path, reason: 'required field is missing'});
      else if (f.default !== undefined) config[f.name] = f.default;
      continue;
    }
    const rule = brokenRule(f, value);
    if (rule) {
      errors.push({field_path: path, reason: rule});
      continue;
    }
    if (f.type !== 'integer' && f.type !== 'boolean' && value === '') {
      errors.push({field_path: path, reason: 'must not be empty'});
      continue;
    }
    config[f.name] = value;
    if (f.secret) secrets.push(String(value));
  }
  return {config, secrets, errors};
}

// Returns `text` with every secret replaced by [REDACTED].
function redact(text, secrets) {
  let out = String(text);
  for (const s of secrets) {
    if (s) out = out.split(s).join('[REDACTED]');
  }
  return out;
}

// Converts a google.protobuf.Struct as @grpc/proto-loader decodes it
// ({fields: {k: {kind: 'stringValue', stringValue: 'x'}}}) to a plain object.
function structToObject(struct) {
  const out = {};
  if (!struct || !struct.fields) return out;
  for (const [k, v] of Object.entries(struct.fields)) out[k] = valueToJs(v);
  return out;
}

function valueToJs(v) {
  if (!v) return null;
  switch (v.kind) {
    case 'nullValue': return null;
    case 'numberValue': return v.numberValue;
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'structValue': return structToObject(v.structValue);
    case 'listValue': return (v.listValue.values || []).map(valueToJs);
    default: return null;
  }
}

module.exports = {configJsonSchema, parseConfig, redact, structToObject};
