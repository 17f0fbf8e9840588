// VerifyWebhook: HubSpot's request signature v3 on webhook deliveries.
//
//   X-HubSpot-Signature-v3      base64(HMAC-SHA256(client secret,
//                               method + uri + body + timestamp))
//   X-HubSpot-Request-Timestamp milliseconds since the epoch, as sent
//
// A delivery is refused when a header is missing, when the timestamp is
// more than 5 minutes away from the time the hub received it (HubSpot's
// rule; the future is refused too), or when the signature does not match
// (compared in constant time). The uri is the full URL HubSpot called:
// config.webhook_url when set (a hub behind a proxy), else the URL the hub
// saw, with the URL-encoded characters HubSpot decodes before signing
// (%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B) decoded.
// https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
//
// The body is a JSON array of events ({eventId, subscriptionId, portalId,
// occurredAt, subscriptionType "deal.propertyChange", objectId, ...}) that
// never carries the object itself: an accepted delivery holds no records,
// and names in pull_object_types the object types the hub must read
// (Read) to get the changed objects. A body that is not such an array is
// refused.
'use strict';

const crypto = require('node:crypto');

const TOLERANCE_MS = 5 * 60 * 1000;
const SIGNATURE_HEADER = 'x-hubspot-signature-v3';
const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';

const AUTHENTICATION = 'X-HubSpot-Signature-v3: base64 HMAC-SHA256 of method, URL, body and ' +
                       'X-HubSpot-Request-Timestamp with the app\'s client secret ' +
                       '(config.client_secret); timestamps older than 300 s are refused';

// Subscription type prefixes (and the generic events' objectTypeId) to the
// object types Read pulls.
const BY_PREFIX = {company: 'companies', deal: 'deals', line_item: 'line_items',
                   product: 'products'};
const BY_TYPE_ID = {'0-2': 'companies', '0-3': 'deals', '0-7': 'products', '0-8': 'line_items'};

const DECODED = {'%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$',
                 '%27': '\'', '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';'};

// The URI as HubSpot signs it: the listed percent-encodings decoded, every
// other one kept.
function signedUri(url) {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
                     (m) => DECODED[m.toUpperCase()]);
}

function refused(reason) {
  return {verdict: 'WEBHOOK_VERDICT_REFUSED', reason};
}

function headerOf(request, name) {
  const found = (request.headers || []).filter((h) => (h.name || '').toLowerCase() === name);
  return found.length ? found[0].value || '' : null;
}

function msOf(ts) {
  if (!ts || ts.seconds === undefined) return Date.now();
  return Number(ts.seconds) * 1000 + Math.floor((ts.nanos || 0) / 1e6);
}

// The object type one event announces, or null for a type Read does not
// pull (contacts, tickets, ...).
function objectTypeOf(event) {
  const type = String(event.subscriptionType || '');
  if (type.startsWith('object.') && event.objectTypeId !== undefined) {
    return BY_TYPE_ID[String(event.objectTypeId)] || null;
  }
  return BY_PREFIX[type.split('.')[0]] || null;
}

// Checks one delivery. Returns a VerifyWebhookResponse.
function verify(request, config) {
  if (config.client_secret === undefined) {
    return refused('config.client_secret: required to verify HubSpot webhooks (the app\'s ' +
                   'client secret)');
  }
  const signature = headerOf(request, SIGNATURE_HEADER);
  const timestamp = headerOf(request, TIMESTAMP_HEADER);
  if (!signature) return refused('X-HubSpot-Signature-v3: missing');
  if (timestamp === null || timestamp === '') return refused('X-HubSpot-Request-Timestamp: missing');
  if (!/^\d{1,16}$/.test(timestamp)) {
    return refused('X-HubSpot-Request-Timestamp: expected milliseconds since the epoch');
  }
  const skew = msOf(request.received_at) - Number(timestamp);
  if (skew > TOLERANCE_MS) {
    return refused(`X-HubSpot-Request-Timestamp: ${Math.floor(skew / 1000)} s old, ` +
                   `tolerance ${TOLERANCE_MS / 1000} s`);
  }
  if (-skew > TOLERANCE_MS) {
    return refused(`X-HubSpot-Request-Timestamp: ${Math.floor(-skew / 1000)} s in the future, ` +
                   `tolerance ${TOLERANCE_MS / 1000} s`);
  }
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body || '');
  const uri = signedUri(config.webhook_url || request.url || '');
  const expected = crypto.createHmac('sha256', config.client_secret)
      .update(Buffer.concat([Buffer.from(`${request.method || 'POST'}${uri}`), body,
                             Buffer.from(timestamp)]))
      .digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return refused(`X-HubSpot-Signature-v3: does not match the request (method, URL ${uri}, ` +
                   'body, timestamp) signed with config.client_secret');
  }
  let events;
  try {
    events = JSON.parse(body.toString('utf8'));
  } catch (e) {
    events = null;
  }
  if (!Array.isArray(events) || events.length === 0) {
    return refused('body: expected a non-empty JSON array of HubSpot webhook events');
  }
  const ids = [];
  const types = [];
  const pull = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      return refused(`body[${i}]: expected an event object`);
    }
    if (!(Number.isSafeInteger(e.eventId) || (typeof e.eventId === 'string' && e.eventId))) {
      return refused(`body[${i}].eventId: required`);
    }
    if (typeof e.subscriptionType !== 'string' || !e.subscriptionType) {
      return refused(`body[${i}].subscriptionType: required`);
    }
    if (e.objectId === undefined || e.objectId === null) {
      return refused(`body[${i}].objectId: required`);
    }
    ids.push(String(e.eventId));
    if (!types.includes(e.subscriptionType)) types.push(e.subscriptionType);
    const objectType = objectTypeOf(e);
    if (objectType && !pull.includes(objectType)) pull.push(objectType);
  }
  return {verdict: 'WEBHOOK_VERDICT_ACCEPTED', reason: '', vendor_event_id: ids.join(','),
          event_type: types.join(','), records: [], pull_object_types: pull};
}

module.exports = {AUTHENTICATION, verify, signedUri};
