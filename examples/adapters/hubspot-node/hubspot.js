// HubSpot CRM (v3 objects API) -> canonical mappings.
//
//   companies   -> Customer (CustomerChanged)
//   deals       -> Contract with the deal's line items as lines:
//                  closed won (dealstage "closedwon", or hs_is_closed_won)
//                  is ACTIVE (ContractBooked), an open stage DRAFT
//                  (ContractChanged), closed lost is skipped
//   line_items  -> contract line data, checked on its own; the line becomes
//                  part of a contract when its deal is translated with it
//   products    -> Product (ProductChanged): recurring products RATABLE,
//                  others POINT_IN_TIME
// A payload is one v3 object ({id, properties, associations, ...}), a v3
// list or search response ({results: [...], paging, total}) or a JSON array
// of objects, all of the record's object type; a list is translated whole
// or not at all. Ids go into ExternalRef(system, "companies" | "deals" |
// "line_items" | "products", id); a deal names its customer by its
// associated company (or config.deal_company_property), a line its product
// by hs_product_id. Every entity says, in `sources`, which HubSpot field
// each canonical field that validation can refuse came from.
//
// A deal's line items travel with it: the v3 deal read with
// associations=companies,line_items, plus the line item objects (from
// POST /crm/v3/objects/line_items/batch/read) under "line_items", as an
// array or as the batch response ({results: [...]}). Every associated line
// item must be there, so a contract is never booked without some lines.
// A deal from the search API (POST /crm/v3/objects/deals/search) carries
// no associations at all: it is translated as it is, without a customer
// link unless config.deal_company_property names one, and the hub decides
// what a contract without its company or lines can be.
'use strict';

const x = require('./exact');
const {MappingError} = x;

const ADAPTER_NAME = 'hubspot';
const ADAPTER_VERSION = '1.0.0';
const VENDOR = 'HubSpot';

const INBOUND = [
  {
    object_type: 'companies',
    description: 'CRM v3 company (or a list/search response of them) -> Customer',
    produces: ['ENTITY_TYPE_CUSTOMER'],
  },
  {
    object_type: 'deals',
    description: 'CRM v3 deal with associations (companies, line_items) and its line ' +
                 'item objects under "line_items" (or a list/search response of deals, ' +
                 'with or without associations) -> Contract: closedwon ACTIVE (booked), ' +
                 'open stages DRAFT, closedlost skipped',
    produces: ['ENTITY_TYPE_CONTRACT'],
  },
  {
    object_type: 'line_items',
    description: 'CRM v3 line item (or a list/search response of them): quantity, price, ' +
                 'discount and term are checked; the line is booked with its deal',
    produces: [],
  },
  {
    object_type: 'products',
    description: 'CRM v3 product (or a list/search response of them) -> Product: recurring ' +
                 'products RATABLE, one-time products POINT_IN_TIME',
    produces: ['ENTITY_TYPE_PRODUCT'],
  },
];

// Configuration fields, published as JSON Schema by Describe and checked on
// every call (see config.js).
const CONFIG_FIELDS = [
  {name: 'portal_id', type: 'integer', required: false, secret: false,
   description: 'The HubSpot account (Hub ID). Check requires it and compares it with ' +
                'the account the token belongs to; records whose url names another ' +
                'account are refused'},
  {name: 'access_token', type: 'string', required: false, secret: true,
   description: 'Private app access token, sent as a Bearer token by Check and Read. ' +
                'Never logged'},
  {name: 'base_url', type: 'url', required: false, secret: false,
   description: 'HubSpot API base URL (https://api.hubapi.com). When set, Check calls ' +
                'GET {base_url}/account-info/v3/details with the token; Read uses it, ' +
                'or https://api.hubapi.com when it is not set'},
  {name: 'default_currency', type: 'currency', required: false, secret: false,
   description: "The account's company currency, for deals and line items without " +
                'deal_currency_code / hs_line_item_currency_code'},
  {name: 'request_timeout_ms', type: 'integer', required: false, secret: false,
   description: 'Timeout of one HTTP request made by Check or Read', default: 10000},
  {name: 'deal_company_property', type: 'string', required: false, secret: false,
   description: 'Deal property holding the id of the deal\'s company, for deals read ' +
                'without associations (the search API); the associations win when present'},
  {name: 'client_secret', type: 'string', required: false, secret: true,
   description: 'The app\'s client secret, which signs webhook deliveries ' +
                '(X-HubSpot-Signature-v3). Never logged'},
  {name: 'webhook_url', type: 'url', required: false, secret: false,
   description: 'The webhook URL exactly as configured in HubSpot, when the hub sits ' +
                'behind a proxy and sees another URL; the signature covers it'},
  {name: 'search_settle_ms', type: 'integer', required: false, secret: false,
   description: 'Read leaves objects changed in the last N ms for the next run: HubSpot\'s ' +
                'search index takes a few seconds to show a change, and a cursor that ' +
                'passed an object not yet indexed would skip it', default: 10000},
  {name: 'search_result_cap', type: 'integer', required: false, secret: false,
   description: 'How many results one search query can page through (HubSpot: 10000)',
   default: 10000},
];

// ---- field access ----------------------------------------------------------

function join(path, key) {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function requireObject(value, path) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) ||
      value instanceof x.ExactNumber) {
    throw new MappingError(path, value === null || value === undefined
        ? 'required field is missing' : `expected an object, got ${x.typeName(value)}`);
  }
  return value;
}

function optionalString(value, path) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  throw new MappingError(path, `expected a string, got ${x.typeName(value)}`);
}

function requiredString(value, path) {
  const s = optionalString(value, path);
  if (s === null || s === '') throw new MappingError(path, 'required field is missing');
  return s;
}

// HubSpot ids are strings ("421290981567"); integers are accepted too.
function idAt(value, path) {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (value instanceof x.ExactNumber && /^\d+$/.test(value.text)) return value.text;
  return requiredString(value, path);
}

// HubSpot's boolean properties are the strings "true"/"false".
function optionalBool(value, path) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new MappingError(path, `expected "true" or "false", got ${JSON.stringify(value)}`);
}

function elements(value, path) {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new MappingError(path, `expected an array, got ${x.typeName(value)}`);
  }
  return value;
}

// ---- the record ------------------------------------------------------------

// Builder collects what one record becomes, with the system name and the
// configuration every mapping needs.
class Builder {
  constructor(system, config) {
    this.system = system;
    this.config = config;
    this.entities = [];
    this.events = [];
    this.skips = [];
  }
  ref(objectType, vendorId) {
    return {system: this.system, object_type: objectType, vendor_id: vendorId};
  }
  // `sources`: [[canonical field path, vendor field path], ...].
  addEntity(kind, entity, links, sources = []) {
    this.entities.push({
      [kind]: entity,
      links,
      sources: sources.filter(([, vendor]) => vendor)
          .map(([field, vendor]) => ({field_path: field, vendor_path: vendor})),
    });
    return this.entities.length - 1;
  }
  addEvent(type, index, occurredAt) {
    const e = {type, entity_index: index};
    if (occurredAt) e.occurred_at = occurredAt;
    this.events.push(e);
  }
  skip(reason) {
    this.skips.push(reason);
  }
}

// The properties object of a v3 record; HubSpot always sends it.
function propertiesOf(record, path) {
  return requireObject(record.properties, join(path, 'properties'));
}

// Refuses a record whose url names another HubSpot account than the one
// configured (portal_id).
function checkPortal(b, record, path) {
  if (b.config.portal_id === undefined) return;
  const url = optionalString(record.url, join(path, 'url'));
  if (!url) return;
  const m = /\/contacts\/(\d+)\//.exec(url);
  if (m && m[1] !== String(b.config.portal_id)) {
    throw new MappingError(join(path, 'url'),
        `the record belongs to HubSpot account ${m[1]}, the system is configured for ` +
        `account ${b.config.portal_id} (config.portal_id)`);
  }
}

// source_updated_at: hs_lastmodifieddate, else updatedAt; created: createdate,
// else createdAt.
function recordTimes(record, props, path) {
  const pp = join(path, 'properties');
  const updated = x.optionalTimeAt(props.hs_lastmodifieddate, join(pp, 'hs_lastmodifieddate')) ||
                  x.optionalTimeAt(record.updatedAt, join(path, 'updatedAt'));
  const created = x.optionalTimeAt(props.createdate, join(pp, 'createdate')) ||
                  x.optionalTimeAt(record.createdAt, join(path, 'createdAt'));
  return {updated, created};
}

function putAttribute(attributes, key, value) {
  if (typeof value === 'string' && value !== '') attributes[key] = value;
}

// ---- companies -------------------------------------------------------------

function mapCompany(b, record, path) {
  const id = idAt(record.id, join(path, 'id'));
  checkPortal(b, record, path);
  const props = propertiesOf(record, path);
  const pp = join(path, 'properties');
  const name = optionalString(props.name, join(pp, 'name')) ||
               optionalString(props.domain, join(pp, 'domain'));
  if (!name) throw new MappingError(join(pp, 'name'), 'required field is missing (nor domain)');
  const customer = {
    external_refs: [b.ref('companies', id)],
    name,
    attributes: {},
  };
  const street = [props.address, props.address2]
      .map((v, i) => optionalString(v, join(pp, i === 0 ? 'address' : 'address2')))
      .filter((v) => v);
  const city = optionalString(props.city, join(pp, 'city'));
  const state = optionalString(props.state, join(pp, 'state'));
  const zip = optionalString(props.zip, join(pp, 'zip'));
  const country = optionalString(props.country, join(pp, 'country'));
  if (street.length || city || state || zip || country) {
    // HubSpot's country is free text ("USA", "Germany"); only a two-letter
    // code is an ISO 3166-1 country code, the text is kept as an attribute.
    customer.billing_address = {
      lines: street,
      city: city || '',
      region: state || '',
      postal_code: zip || '',
      country_code: country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : '',
    };
  }
  const archived = record.archived === undefined ? false : optionalBool(record.archived, join(path, 'archived'));
  customer.status = archived ? 'CUSTOMER_STATUS_INACTIVE' : 'CUSTOMER_STATUS_ACTIVE';
  const {updated, created} = recordTimes(record, props, path);
  if (created) customer.effective_at = created;
  if (updated) customer.source_updated_at = updated;
  for (const key of ['domain', 'website', 'phone', 'industry', 'country', 'state', 'type',
                     'lifecyclestage', 'hubspot_owner_id']) {
    putAttribute(customer.attributes, key, props[key]);
  }
  const sources = [['name', join(pp, props.name ? 'name' : 'domain')]];
  if (customer.billing_address && customer.billing_address.country_code) {
    sources.push(['billing_address.country_code', join(pp, 'country')]);
  }
  const index = b.addEntity('customer', customer, [], sources);
  b.addEvent('EVENT_TYPE_CUSTOMER_CHANGED', index, updated);
}

// ---- products --------------------------------------------------------------

// A v3 product: what the deal's line items link to by hs_product_id. A
// product billed on a recurring basis (recurringbillingfrequency or
// hs_recurring_billing_period) is recognised RATABLE over its service
// period, any other POINT_IN_TIME.
function mapProduct(b, record, path) {
  const id = idAt(record.id, join(path, 'id'));
  checkPortal(b, record, path);
  const props = propertiesOf(record, path);
  const pp = join(path, 'properties');
  const name = optionalString(props.name, join(pp, 'name'));
  if (!name) throw new MappingError(join(pp, 'name'), 'required field is missing');
  const frequency = optionalString(props.recurringbillingfrequency,
                                   join(pp, 'recurringbillingfrequency'));
  const period = optionalString(props.hs_recurring_billing_period,
                                join(pp, 'hs_recurring_billing_period'));
  const archived = record.archived === undefined ? false
      : optionalBool(record.archived, join(path, 'archived'));
  const product = {
    external_refs: [b.ref('products', id)],
    name,
    sku: optionalString(props.hs_sku, join(pp, 'hs_sku')) || '',
    description: optionalString(props.description, join(pp, 'description')) || '',
    revenue_rule: frequency || period ? 'REVENUE_RULE_RATABLE' : 'REVENUE_RULE_POINT_IN_TIME',
    active: !archived,
    attributes: {},
  };
  // The list price is kept as written, exactly; it is not a standalone
  // selling price.
  const price = x.optionalDecimalNanos(props.price, join(pp, 'price'));
  if (price !== null) product.attributes.price = x.formatDecimal(price);
  for (const key of ['hs_product_type', 'recurringbillingfrequency',
                     'hs_recurring_billing_period', 'hs_folder_id']) {
    putAttribute(product.attributes, key, props[key]);
  }
  const {updated, created} = recordTimes(record, props, path);
  if (created) product.effective_at = created;
  if (updated) product.source_updated_at = updated;
  const index = b.addEntity('product', product, [], [
    ['name', join(pp, 'name')],
    ['revenue_rule', join(pp, period && !frequency ? 'hs_recurring_billing_period'
                                                   : 'recurringbillingfrequency')],
  ]);
  b.addEvent('EVENT_TYPE_PRODUCT_CHANGED', index, updated);
}

// ---- line items ------------------------------------------------------------

// Maps one v3 line item onto a canonical.v1.ContractLine in `currency`
// (null: the line's own currency or the default). `serviceStart` is where
// a recurring line's term starts when it names no start date (the deal's
// close date). Returns {line, productId, currency, sources}; sources are
// [canonical path below the line (".quantity"), vendor path].
function mapLineItem(b, item, path, currency, serviceStart, serviceStartPath) {
  requireObject(item, path);
  const id = idAt(item.id, join(path, 'id'));
  const props = propertiesOf(item, path);
  const pp = join(path, 'properties');
  let lineCurrency = null;
  if (props.hs_line_item_currency_code !== null && props.hs_line_item_currency_code !== undefined &&
      props.hs_line_item_currency_code !== '') {
    lineCurrency = x.currencyAt(props.hs_line_item_currency_code, join(pp, 'hs_line_item_currency_code'));
  }
  if (currency && lineCurrency && lineCurrency !== currency) {
    throw new MappingError(join(pp, 'hs_line_item_currency_code'),
        `the line is in ${lineCurrency}, its deal in ${currency}`);
  }
  const lineCurrencyOrDefault = currency || lineCurrency || b.config.default_currency;
  if (!lineCurrencyOrDefault) {
    throw new MappingError(join(pp, 'hs_line_item_currency_code'),
        'required field is missing (and config.default_currency is not set)');
  }
  const quantity = x.requiredDecimalNanos(props.quantity, join(pp, 'quantity'));
  if (quantity < 0n) {
    throw new MappingError(join(pp, 'quantity'), 'must not be negative');
  }
  const price = x.requiredDecimalNanos(props.price, join(pp, 'price'));
  const line = {
    line_id: id,
    description: optionalString(props.name, join(pp, 'name')) ||
                 optionalString(props.description, join(pp, 'description')) || '',
    quantity: x.toDecimal(quantity),
    unit_price: x.toMoney(price, lineCurrencyOrDefault),
    external_refs: [b.ref('line_items', id)],
  };
  const sources = [['', path], ['.line_id', join(path, 'id')],
                   ['.quantity', join(pp, 'quantity')], ['.unit_price', join(pp, 'price')]];
  // HubSpot's "discount" is an amount off each unit; the canonical discount
  // amount is off the line's extended price.
  const unitDiscount = x.optionalDecimalNanos(props.discount, join(pp, 'discount'));
  if (unitDiscount !== null && unitDiscount !== 0n) {
    if (unitDiscount < 0n) throw new MappingError(join(pp, 'discount'), 'must not be negative');
    line.discount_amount = x.toMoney(x.multiplyNanos(unitDiscount, quantity, join(pp, 'discount')),
                                     lineCurrencyOrDefault);
    sources.push(['.discount_amount', join(pp, 'discount')]);
  }
  const percent = x.optionalDecimalNanos(props.hs_discount_percentage,
                                         join(pp, 'hs_discount_percentage'));
  if (percent !== null && percent !== 0n) {
    if (percent < 0n || percent > 100n * 1000000000n) {
      throw new MappingError(join(pp, 'hs_discount_percentage'), 'must be between 0 and 100');
    }
    line.discount_percent = x.toDecimal(percent);
    sources.push(['.discount_percent', join(pp, 'hs_discount_percentage')]);
  }
  // The service period, half-open: from hs_recurring_billing_start_date
  // (for a recurring line without one, the deal's close date) for
  // hs_recurring_billing_period ("P12M"), else hs_term_in_months, else to
  // hs_recurring_billing_end_date. A one-time line with only a start date
  // is a one-off delivered that day; a line without dates has neither.
  const start = x.optionalTimeAt(props.hs_recurring_billing_start_date,
                                 join(pp, 'hs_recurring_billing_start_date'));
  const period = optionalString(props.hs_recurring_billing_period,
                                join(pp, 'hs_recurring_billing_period'));
  const termMonths = x.optionalDecimalNanos(props.hs_term_in_months, join(pp, 'hs_term_in_months'));
  const frequency = optionalString(props.recurringbillingfrequency,
                                   join(pp, 'recurringbillingfrequency'));
  const recurring = !!(period || termMonths !== null || frequency);
  const from = start || (recurring ? serviceStart : null);
  let end = null;
  let endPath = join(pp, 'hs_recurring_billing_end_date');
  if (period) {
    endPath = join(pp, 'hs_recurring_billing_period');
    if (from) end = x.addIsoPeriod(from, period, endPath);
  } else if (termMonths !== null) {
    endPath = join(pp, 'hs_term_in_months');
    if (termMonths % 1000000000n !== 0n || termMonths <= 0n) {
      throw new MappingError(endPath, 'must be a positive whole number');
    }
    if (from) end = x.addMonthsAndDays(from, Number(termMonths / 1000000000n), 0);
  } else {
    end = x.optionalTimeAt(props.hs_recurring_billing_end_date, endPath);
    if (frequency && !end) {
      throw new MappingError(join(pp, 'hs_recurring_billing_period'),
          'a recurring line needs its term (hs_recurring_billing_period or ' +
          'hs_term_in_months) to have a service period');
    }
  }
  if (from && end) {
    if (BigInt(end.seconds) * 1000000000n + BigInt(end.nanos) <=
        BigInt(from.seconds) * 1000000000n + BigInt(from.nanos)) {
      throw new MappingError(endPath, 'the service period must end after it starts');
    }
    line.service_period = {start_time: from, end_time: end};
    sources.push(['.service_period', start ? join(pp, 'hs_recurring_billing_start_date')
                                           : serviceStartPath],
                 ['.service_period.end_time', endPath]);
  } else if (start && !recurring) {
    line.delivered_at = start;
    sources.push(['.delivered_at', join(pp, 'hs_recurring_billing_start_date')]);
  }
  const productId = props.hs_product_id === null || props.hs_product_id === undefined ||
                    props.hs_product_id === ''
      ? null : idAt(props.hs_product_id, join(pp, 'hs_product_id'));
  if (productId) sources.push(['.product_id', join(pp, 'hs_product_id')]);
  return {line, productId, currency: lineCurrencyOrDefault, sources};
}

// A line item on its own: every field is checked; the contract line it
// describes is booked with its deal.
function mapStandaloneLineItem(b, item, path) {
  requireObject(item, path);
  checkPortal(b, item, path);
  const {line} = mapLineItem(b, item, path, null, null, '');
  const deals = associationIds(item, 'deals', path);
  b.skip(deals.length
      ? `line item ${line.line_id} belongs to deal ${deals.map((d) => d.id).join(', ')}: ` +
        'it becomes a contract line when the deal is translated with its line items'
      : `line item ${line.line_id} is not associated with a deal: no contract`);
}

// ---- deals -----------------------------------------------------------------

// Returns [{id, type, path}] of a v3 record's associations of one kind
// ({associations: {companies: {results: [{id, type}]}}}).
function associationIds(record, kind, path) {
  if (record.associations === undefined || record.associations === null) return [];
  const ap = join(path, 'associations');
  const assoc = requireObject(record.associations, ap);
  if (assoc[kind] === undefined || assoc[kind] === null) return [];
  const kp = join(ap, kind);
  const results = elements(requireObject(assoc[kind], kp).results, join(kp, 'results'));
  return results.map((r, i) => {
    const rp = join(join(kp, 'results'), i);
    requireObject(r, rp);
    return {id: idAt(r.id, join(rp, 'id')), type: optionalString(r.type, join(rp, 'type')), path: rp};
  });
}

// The deal's company as {id, path}: the primary association
// ("deal_to_company") when there is one, else the one company it is
// associated with, else the company id in config.deal_company_property;
// null when the deal names none (read without associations: the search
// API).
function dealCompany(b, record, props, path) {
  const companies = associationIds(record, 'companies', path);
  const primary = companies.filter((c) => c.type === 'deal_to_company');
  const distinct = [...new Set(companies.map((c) => c.id))];
  const cp = join(join(path, 'associations'), 'companies');
  if (primary.length) return {id: primary[0].id, path: primary[0].path};
  if (distinct.length === 1) return {id: distinct[0], path: companies[0].path};
  if (distinct.length > 1) {
    throw new MappingError(cp,
        `the deal is associated with ${distinct.length} companies and none is primary`);
  }
  const property = b.config.deal_company_property;
  if (property !== undefined) {
    const vp = join(join(path, 'properties'), property);
    const value = props[property];
    if (value !== null && value !== undefined && value !== '') {
      return {id: idAt(value, vp), path: vp};
    }
  }
  return null;
}

// The line item objects sent with the deal, by id.
function dealLineItems(record, path) {
  const lp = join(path, 'line_items');
  if (record.line_items === undefined || record.line_items === null) return [];
  if (Array.isArray(record.line_items)) {
    return record.line_items.map((item, i) => ({item, path: join(lp, i)}));
  }
  const batch = requireObject(record.line_items, lp);
  return elements(batch.results, join(lp, 'results'))
      .map((item, i) => ({item, path: join(join(lp, 'results'), i)}));
}

function mapDeal(b, record, path) {
  const id = idAt(record.id, join(path, 'id'));
  checkPortal(b, record, path);
  const props = propertiesOf(record, path);
  const pp = join(path, 'properties');
  const stage = optionalString(props.dealstage, join(pp, 'dealstage'));
  const isWon = optionalBool(props.hs_is_closed_won, join(pp, 'hs_is_closed_won'));
  const isClosed = optionalBool(props.hs_is_closed, join(pp, 'hs_is_closed'));
  const won = isWon !== null ? isWon : stage === 'closedwon';
  const lost = !won && (stage === 'closedlost' || isClosed === true);
  if (lost) {
    b.skip(`deal ${id} is closed lost (${stage || 'hs_is_closed'}): no contract`);
    return;
  }
  const archived = record.archived === undefined ? false : optionalBool(record.archived, join(path, 'archived'));
  if (archived) {
    b.skip(`deal ${id} is archived in HubSpot: a deleted deal changes no contract`);
    return;
  }
  const company = dealCompany(b, record, props, path);
  let currency = null;
  if (props.deal_currency_code !== null && props.deal_currency_code !== undefined &&
      props.deal_currency_code !== '') {
    currency = x.currencyAt(props.deal_currency_code, join(pp, 'deal_currency_code'));
  } else if (b.config.default_currency) {
    currency = b.config.default_currency;
  } else {
    throw new MappingError(join(pp, 'deal_currency_code'),
        'required field is missing (and config.default_currency is not set)');
  }
  const close = x.optionalTimeAt(props.closedate, join(pp, 'closedate'));
  if (won && !close) {
    throw new MappingError(join(pp, 'closedate'), 'required for a closed won deal');
  }
  const {updated, created} = recordTimes(record, props, path);
  const contract = {
    external_refs: [b.ref('deals', id)],
    status: won ? 'CONTRACT_STATUS_ACTIVE' : 'CONTRACT_STATUS_DRAFT',
    currency_code: currency,
    lines: [],
    attributes: {},
  };
  const links = [];
  const sources = [
    ['customer_id', company ? company.path : join(join(path, 'associations'), 'companies')],
    ['currency_code', props.deal_currency_code ? join(pp, 'deal_currency_code')
                                               : 'config.default_currency'],
    ['status', join(pp, 'dealstage')],
    ['lines', join(join(path, 'associations'), 'line_items')],
  ];
  if (company) {
    links.push({field_path: 'customer_id', target_type: 'ENTITY_TYPE_CUSTOMER',
                target: b.ref('companies', company.id)});
  }
  // The lines: every associated line item, from the objects sent with it.
  const sent = dealLineItems(record, path);
  const byId = new Map();
  for (const s of sent) {
    requireObject(s.item, s.path);
    byId.set(idAt(s.item.id, join(s.path, 'id')), s);
  }
  const associated = associationIds(record, 'line_items', path);
  for (const a of associated) {
    if (!byId.has(a.id)) {
      throw new MappingError(join(a.path, 'id'),
          `line item ${a.id} is associated with the deal but its object is not in line_items`);
    }
  }
  // When the deal lists its line items, a line item it does not list is
  // not one of its lines (a stale read).
  if (record.associations && record.associations.line_items) {
    const ids = new Set(associated.map((a) => a.id));
    for (const [id, s] of byId) {
      if (!ids.has(id)) {
        throw new MappingError(join(s.path, 'id'),
            `line item ${id} is not among the deal's associated line items`);
      }
    }
  }
  const seen = new Set();
  for (const s of sent) {
    const {line, productId, sources: lineSources} = mapLineItem(
        b, s.item, s.path, currency, close || created,
        join(pp, close ? 'closedate' : 'createdate'));
    if (seen.has(line.line_id)) {
      throw new MappingError(join(s.path, 'id'), `line item ${line.line_id} appears twice`);
    }
    seen.add(line.line_id);
    const i = contract.lines.length;
    contract.lines.push(line);
    for (const [field, vendor] of lineSources) sources.push([`lines[${i}]${field}`, vendor]);
    if (productId) {
      links.push({field_path: `lines[${i}].product_id`, target_type: 'ENTITY_TYPE_PRODUCT',
                  target: b.ref('products', productId)});
    }
  }
  // A deal read with its associations that lists no line items has none; a
  // deal read without associations (the search API) may have some.
  if (won && contract.lines.length === 0 && record.associations !== undefined &&
      record.associations !== null) {
    throw new MappingError(join(join(path, 'associations'), 'line_items'),
        'required: a closed won deal is booked with its line items (read the deal with ' +
        'associations=line_items and send the line item objects under line_items)');
  }
  if (close) {
    contract.effective_at = close;
    if (won) contract.signed_at = close;
  } else if (created) {
    contract.effective_at = created;
  }
  if (updated) contract.source_updated_at = updated;
  const amount = x.optionalDecimalNanos(props.amount, join(pp, 'amount'));
  if (amount !== null) contract.attributes.amount = x.formatDecimal(amount);
  putAttribute(contract.attributes, 'dealname', props.dealname);
  putAttribute(contract.attributes, 'dealstage', stage);
  putAttribute(contract.attributes, 'pipeline', props.pipeline);
  putAttribute(contract.attributes, 'dealtype', props.dealtype);
  if (close) sources.push(['effective_at', join(pp, 'closedate')]);
  const index = b.addEntity('contract', contract, links, sources);
  b.addEvent(won ? 'EVENT_TYPE_CONTRACT_BOOKED' : 'EVENT_TYPE_CONTRACT_CHANGED', index,
             won ? close : updated);
}

// ---- the record ------------------------------------------------------------

const MAPPERS = {
  companies: mapCompany,
  deals: mapDeal,
  line_items: mapStandaloneLineItem,
  products: mapProduct,
};

// True for a v3 list or search response: {results: [...]} with no id.
function isListResponse(doc) {
  return doc !== null && typeof doc === 'object' && !Array.isArray(doc) &&
         Array.isArray(doc.results) && doc.id === undefined && doc.properties === undefined;
}

// Translates one record's payload. Returns {entities, events, skip_reason}
// or throws MappingError.
function translate(system, config, objectType, payload) {
  const map = MAPPERS[objectType];
  if (!map) {
    throw new MappingError('object_type', `this adapter does not translate "${objectType}"`);
  }
  const doc = x.parseExactJson(payload);
  const b = new Builder(system, config);
  let records;
  if (isListResponse(doc)) {
    records = doc.results.map((r, i) => ({r, path: join('results', i)}));
    if (!records.length) b.skip('the list response has no results');
  } else if (Array.isArray(doc)) {
    records = doc.map((r, i) => ({r, path: `[${i}]`}));
    if (!records.length) b.skip('the payload is an empty array');
  } else {
    records = [{r: doc, path: ''}];
  }
  for (const {r, path} of records) {
    requireObject(r, path);
    map(b, r, path);
  }
  return {
    entities: b.entities,
    events: b.events,
    skip_reason: b.entities.length ? '' : b.skips.join('; '),
  };
}

module.exports = {
  ADAPTER_NAME,
  ADAPTER_VERSION,
  VENDOR,
  INBOUND,
  CONFIG_FIELDS,
  translate,
};
