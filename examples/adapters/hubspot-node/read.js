// Read: one page of one HubSpot object type, through the CRM search API.
//
//   POST {base_url}/crm/v3/objects/{type}/search
//     filter  hs_lastmodifieddate GTE <cursor.since> (and LT now -
//             config.search_settle_ms, so objects the search index has not
//             caught up with yet are read on the next run, never skipped)
//     sort    hs_lastmodifieddate ASCENDING
//     limit   the page size (at most 200, HubSpot's maximum for search)
//     after   cursor.after (only inside a group of objects sharing one stamp)
//
// The cursor is JSON {"since": <ms epoch>, "after": <n>, "done": <n>}.
// Every page restarts the query from the newest stamp it read (GTE, so the
// objects at that stamp come back once more and collapse by their
// idempotency key), rather than paging on with `after`: an object changed
// between two pages moves to the end of the result set, which shifts every
// offset behind it and would make offset paging skip one. Restarting also
// keeps every query far below the 10,000 results one search query can page
// through (config.search_result_cap). `after` is used only when a whole
// page shares one stamp; a group of more objects with one stamp than the
// cap is a FAILED read naming it. `done` counts the objects read before
// `since`, for total_estimate.
//
// A deal's record is the deal as Translate expects it: its associations
// (POST /crm/v4/associations/deals/{companies,line_items}/batch/read, in
// the v3 shape {"companies": {"results": [{"id", "type"}]}}) and its line
// item objects (POST /crm/v3/objects/line_items/batch/read) under
// "line_items". Every record's version is the object's updatedAt (its
// hs_lastmodifieddate), the same a webhook-triggered read finds.
//
// Errors: 429 and 5xx, timeouts and resets are RETRY (Retry-After when
// HubSpot sends it, else 10 s for 429, HubSpot's ten-second window, and
// 5 s otherwise); 401 is FAILED naming config.access_token; other 4xx are
// FAILED with HubSpot's message.
'use strict';

const {redact} = require('./config');
const trace = require('./trace');

const DEFAULT_BASE_URL = 'https://api.hubapi.com';
const SEARCH_MAX_LIMIT = 200;
const DEFAULT_PAGE_SIZE = 100;
const BATCH_READ_MAX = 100;
const ASSOCIATION_BATCH_MAX = 1000;

// The properties each search asks for (search returns only a few by
// default): what Translate reads.
const PROPERTIES = {
  companies: ['name', 'domain', 'address', 'address2', 'city', 'state', 'zip', 'country',
              'website', 'phone', 'industry', 'type', 'lifecyclestage', 'hubspot_owner_id',
              'createdate', 'hs_lastmodifieddate'],
  deals: ['dealname', 'dealstage', 'amount', 'closedate', 'pipeline', 'dealtype',
          'deal_currency_code', 'hs_is_closed_won', 'hs_is_closed', 'createdate',
          'hs_lastmodifieddate'],
  line_items: ['name', 'description', 'quantity', 'price', 'discount', 'hs_discount_percentage',
               'hs_line_item_currency_code', 'hs_product_id', 'hs_sku',
               'hs_recurring_billing_start_date', 'hs_recurring_billing_end_date',
               'hs_recurring_billing_period', 'hs_term_in_months', 'recurringbillingfrequency',
               'createdate', 'hs_lastmodifieddate'],
  products: ['name', 'hs_sku', 'description', 'price', 'recurringbillingfrequency',
             'hs_recurring_billing_period', 'hs_product_type', 'hs_folder_id', 'createdate',
             'hs_lastmodifieddate'],
};

const READABLE = [
  {object_type: 'companies', description: 'CRM companies changed since the cursor (search API, ' +
                'hs_lastmodifieddate)', incremental: true, backfill_start: true},
  {object_type: 'deals', description: 'CRM deals changed since the cursor, each with its ' +
                'company and line item associations and its line item objects',
   incremental: true, backfill_start: true},
  {object_type: 'line_items', description: 'CRM line items changed since the cursor',
   incremental: true, backfill_start: true},
  {object_type: 'products', description: 'CRM products changed since the cursor',
   incremental: true, backfill_start: true},
];

const RATE_LIMITS = [
  {requests: 100, per: {seconds: 10}, scope: 'all requests of one private app (Free and ' +
               'Starter accounts; 190 on Professional and Enterprise)',
   documentation_url: 'https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details'},
  {requests: 5, per: {seconds: 1}, scope: 'CRM search requests of one account',
   documentation_url: 'https://developers.hubspot.com/docs/guides/api/crm/search#limitations'},
];

// A failed read: outcome FAILED or RETRY, thrown inside readPage.
class ReadStop extends Error {
  constructor(outcome, reason, {retryAfterMs = 0, vendorCode = ''} = {}) {
    super(reason);
    this.outcome = outcome;
    this.retryAfterMs = retryAfterMs;
    this.vendorCode = vendorCode;
  }
}

function failed(reason, vendorCode = '') {
  return new ReadStop('READ_OUTCOME_FAILED', reason, {vendorCode});
}

// Seconds of a Retry-After header (delta seconds or an HTTP date), or null.
function retryAfterMs(header) {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

// HubSpot's error message from an error body ({"status":"error","message":...}).
function vendorMessage(text) {
  try {
    const doc = JSON.parse(text);
    if (doc && typeof doc.message === 'string') return doc.message;
  } catch (e) {
    // not JSON: the text itself
  }
  return String(text).slice(0, 300);
}

// HTTP client of one Read: counts calls, classifies failures.
class HubSpotClient {
  constructor(config, secrets) {
    this.base = (config.base_url || DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.token = config.access_token;
    this.timeout = config.request_timeout_ms;
    this.secrets = secrets;
    this.calls = 0;
  }
  // POSTs `body` as JSON to `path`; returns the parsed answer (200 or 207).
  async post(path, body) {
    this.calls++;
    let response;
    let text = '';
    try {
      response = await fetch(this.base + path, {
        method: 'POST',
        headers: {'Authorization': `Bearer ${this.token}`, 'Content-Type': 'application/json',
                  'Accept': 'application/json', ...trace.headers()},
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeout),
      });
      text = await response.text();
    } catch (e) {
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeout} ms`
          : (e.cause && e.cause.code) || e.message;
      throw new ReadStop('READ_OUTCOME_RETRY',
                         redact(`POST ${path}: cannot reach HubSpot: ${why}`, this.secrets),
                         {retryAfterMs: 5000, vendorCode: 'network'});
    }
    const status = response.status;
    if (status === 200 || status === 207) {
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new ReadStop('READ_OUTCOME_RETRY', `POST ${path}: HubSpot answered HTTP ${status} ` +
                           'with a body that is not JSON', {retryAfterMs: 5000,
                                                           vendorCode: String(status)});
      }
    }
    const message = redact(vendorMessage(text), this.secrets);
    const code = String(status);
    if (status === 429 || status >= 500) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      throw new ReadStop('READ_OUTCOME_RETRY', `POST ${path}: HubSpot answered HTTP ${status}: ` +
                         message, {retryAfterMs: wait !== null ? wait
                                                  : status === 429 ? 10000 : 5000,
                                   vendorCode: code});
    }
    if (status === 401) {
      throw failed(`config.access_token: HubSpot refused the token (HTTP 401): ${message}`, code);
    }
    throw failed(`POST ${path}: HubSpot answered HTTP ${status}: ${message}`, code);
  }
}

// Returns the cursor {since, after, done} of `text` (empty: from
// backfill_start, else from the beginning).
function parseCursor(text, backfillStart) {
  if (!text) {
    let since = 0;
    if (backfillStart && backfillStart.seconds !== undefined) {
      since = Number(backfillStart.seconds) * 1000 + Math.floor((backfillStart.nanos || 0) / 1e6);
    }
    return {since, after: 0, done: 0};
  }
  let c;
  try {
    c = JSON.parse(text);
  } catch (e) {
    c = null;
  }
  const whole = (v) => Number.isSafeInteger(v) && v >= 0;
  if (!c || typeof c !== 'object' || !whole(c.since) || !whole(c.after) ||
      !(c.done === undefined || whole(c.done))) {
    throw failed('cursor: not a cursor of this adapter (expected JSON {"since": ms, ' +
                 '"after": n, "done": n})');
  }
  return {since: c.since, after: c.after, done: c.done || 0};
}

// The object's last-modified stamp in ms (updatedAt, else
// hs_lastmodifieddate); throws FAILED when it has none.
function stampOf(object, objectType) {
  const text = object.updatedAt ||
      (object.properties && object.properties.hs_lastmodifieddate);
  const ms = typeof text === 'string' ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw failed(`${objectType} ${object.id}: HubSpot sent no updatedAt or hs_lastmodifieddate`);
  }
  return {ms, text};
}

function chunks(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// {fromId: [{toObjectId, associationTypes}]} of one association batch read.
async function readAssociations(client, from, to, ids) {
  const out = new Map();
  for (const part of chunks(ids, ASSOCIATION_BATCH_MAX)) {
    const doc = await client.post(`/crm/v4/associations/${from}/${to}/batch/read`,
                                  {inputs: part.map((id) => ({id}))});
    for (const r of (doc && doc.results) || []) {
      if (r && r.from && r.from.id !== undefined) out.set(String(r.from.id), r.to || []);
    }
  }
  return out;
}

// The v3 association type name HubSpot's v3 read uses for one v4 entry:
// the primary company (type 5) is "deal_to_company".
function companyAssociationType(entry) {
  const types = entry.associationTypes || [];
  return types.some((t) => t.typeId === 5) ? 'deal_to_company' : 'deal_to_company_unlabeled';
}

// Adds associations and line item objects to a page of deals, as Translate
// expects them.
async function completeDeals(client, deals) {
  const ids = deals.map((d) => String(d.id));
  if (!ids.length) return;
  const companies = await readAssociations(client, 'deals', 'companies', ids);
  const lines = await readAssociations(client, 'deals', 'line_items', ids);
  const lineIds = [...new Set([...lines.values()].flat().map((e) => String(e.toObjectId)))];
  const lineObjects = new Map();
  for (const part of chunks(lineIds, BATCH_READ_MAX)) {
    const doc = await client.post('/crm/v3/objects/line_items/batch/read',
                                  {properties: PROPERTIES.line_items,
                                   inputs: part.map((id) => ({id}))});
    for (const item of (doc && doc.results) || []) lineObjects.set(String(item.id), item);
  }
  for (const deal of deals) {
    const id = String(deal.id);
    const companyEntries = companies.get(id) || [];
    const lineEntries = lines.get(id) || [];
    deal.associations = {
      companies: {results: companyEntries.map((e) => ({id: String(e.toObjectId),
                                                      type: companyAssociationType(e)}))},
      line_items: {results: lineEntries.map((e) => ({id: String(e.toObjectId),
                                                    type: 'deal_to_line_item'}))},
    };
    deal.line_items = lineEntries.map((e) => lineObjects.get(String(e.toObjectId)))
        .filter((item) => item !== undefined);
  }
}

function timestampOf(ms) {
  return {seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6};
}

// Reads one page. Returns a ReadResponse.
async function readPage(request, config, secrets) {
  const objectType = request.object_type || '';
  if (!PROPERTIES[objectType]) {
    throw failed(`object_type: this adapter reads ${Object.keys(PROPERTIES).join(', ')}, ` +
                 `not "${objectType}"`);
  }
  if (config.access_token === undefined) {
    throw failed('config.access_token: required to read from HubSpot');
  }
  const cursor = parseCursor(request.cursor || '', request.backfill_start);
  const wanted = Number(request.page_size || 0);
  const limit = wanted > 0 ? Math.min(wanted, SEARCH_MAX_LIMIT) : DEFAULT_PAGE_SIZE;
  const cap = config.search_result_cap;
  const until = Date.now() - config.search_settle_ms;
  const client = new HubSpotClient(config, secrets);
  const properties = [...PROPERTIES[objectType]];
  if (objectType === 'deals' && config.deal_company_property) {
    properties.push(config.deal_company_property);
  }
  const filters = [{propertyName: 'hs_lastmodifieddate', operator: 'GTE',
                    value: String(cursor.since)},
                   {propertyName: 'hs_lastmodifieddate', operator: 'LT', value: String(until)}];
  const body = {filterGroups: [{filters}],
                sorts: [{propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING'}],
                properties, limit};
  if (cursor.after > 0) body.after = String(cursor.after);
  const doc = await client.post(`/crm/v3/objects/${objectType}/search`, body);
  const results = (doc && Array.isArray(doc.results)) ? doc.results : null;
  if (!results) throw failed(`POST /crm/v3/objects/${objectType}/search: no results array`);
  const total = Number.isSafeInteger(doc.total) ? doc.total : 0;
  const more = !!(doc.paging && doc.paging.next && doc.paging.next.after !== undefined);

  const stamps = results.map((o) => stampOf(o, objectType));
  if (objectType === 'deals') await completeDeals(client, results);

  let next = cursor;
  if (results.length) {
    const newest = stamps[stamps.length - 1].ms;
    const atNewest = stamps.filter((s) => s.ms === newest).length;
    const skippedBefore = newest > cursor.since ? cursor.after : 0;
    if (atNewest === results.length) {
      // The whole page shares one stamp: page on inside that group.
      const after = (newest === cursor.since ? cursor.after : 0) + atNewest;
      if (more && after >= cap) {
        throw failed(`more than ${cap} ${objectType} share hs_lastmodifieddate ` +
                     `${stamps[0].text}: one search query cannot page past ` +
                     `${cap} results (config.search_result_cap)`);
      }
      next = {since: newest, after, done: cursor.done + skippedBefore};
    } else {
      next = {since: newest, after: 0,
              done: cursor.done + skippedBefore + (results.length - atNewest)};
    }
  }
  const records = results.map((o, i) => {
    const vendorId = String(o.id);
    const version = stamps[i].text;
    return {
      record: {object_type: objectType, payload: Buffer.from(JSON.stringify(o)),
               content_type: 'application/json'},
      vendor_id: vendorId,
      version,
      idempotency_key: `${objectType}/${vendorId}@${version}`,
    };
  });
  const response = {
    outcome: 'READ_OUTCOME_OK',
    records,
    next_cursor: JSON.stringify(next),
    has_more: more,
    total_estimate: String(cursor.done + total),
    vendor_calls: client.calls,
  };
  if (next.since > 0) response.cursor_time = timestampOf(next.since);
  return response;
}

// Returns a ReadResponse; never throws.
async function read(request, config, secrets) {
  try {
    return await readPage(request, config, secrets);
  } catch (e) {
    if (!(e instanceof ReadStop)) {
      return {outcome: 'READ_OUTCOME_FAILED', reason: redact(`read failed: ${e.message}`, secrets)};
    }
    const out = {outcome: e.outcome, reason: redact(e.message, secrets), vendor_code: e.vendorCode};
    if (e.outcome === 'READ_OUTCOME_RETRY') {
      out.retry_after = {seconds: String(Math.floor(e.retryAfterMs / 1000)),
                         nanos: (e.retryAfterMs % 1000) * 1e6};
    }
    return out;
  }
}

module.exports = {READABLE, RATE_LIMITS, read};
