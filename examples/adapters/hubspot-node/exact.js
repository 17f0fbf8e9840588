// Exact JSON, decimals, money and times for the HubSpot mappings.
//
// Money never passes through a JavaScript number. HubSpot sends amounts as
// strings ("1500.50"); they are converted to units + nanos with BigInt
// arithmetic on the digits. Numbers the payload writes as JSON numbers are
// kept as their source text too (parseExactJson), so "1500.5" and
// 1500.5 give the same exact amount, and 0.1 stays 0.1.
//
// Every error is a MappingError naming the vendor field path and the rule,
// e.g. "results[2].properties.amount: expected a decimal number, got "abc"".
'use strict';

const {MINOR_UNIT_DIGITS} = require('./currencies');

// MappingError is a record that cannot be mapped: `path` is the vendor field
// path ("properties.amount"), `reason` the broken rule.
class MappingError extends Error {
  constructor(path, reason) {
    super(path ? `${path}: ${reason}` : reason);
    this.path = path;
    this.reason = reason;
  }
}

// ExactNumber is a JSON number kept as the text the payload wrote.
class ExactNumber {
  constructor(text) {
    this.text = text;
  }
}

// Numbers are rewritten into marked strings before JSON.parse sees them, and
// turned into ExactNumber by the reviver. The mark begins with a NUL
// character, which raw JSON text cannot hold inside a string.
const MARK = '\u0000#';

// Returns the parsed payload; every number that is not a safe integer
// (a fraction, an exponent, or too many digits) is an ExactNumber.
// Throws MappingError(path "") for malformed JSON.
function parseExactJson(text) {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {  // a string: skip it whole, honouring escapes
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          i += 2;
        } else if (d === 0x22) {
          i++;
          break;
        } else {
          i++;
        }
      }
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(text[j])) j++;
      const token = text.slice(i, j);
      if (!/^-?\d+$/.test(token) || !Number.isSafeInteger(Number(token))) {
        out += text.slice(last, i) + JSON.stringify(MARK + token);
        last = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  out += text.slice(last);
  try {
    return JSON.parse(out, (key, value) => {
      if (typeof value === 'string' && value.startsWith(MARK)) {
        const token = value.slice(MARK.length);
        if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(token)) {
          throw new SyntaxError(`malformed number ${token}`);
        }
        return new ExactNumber(token);
      }
      return value;
    });
  } catch (e) {
    throw new MappingError('', `malformed JSON: ${e.message}`);
  }
}

// Returns the JSON type of a payload value, for error messages.
function typeName(v) {
  if (v === null || v === undefined) return 'null';
  if (v instanceof ExactNumber || typeof v === 'number') return 'a number';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

const NANOS_PER_UNIT = 1000000000n;
const INT64_MAX = 9223372036854775807n;

// Returns the value of decimal text ("1500.50", "-0.25", "1.5E3") in
// billionths, as a BigInt. Throws MappingError for malformed text, more than
// nine significant fraction digits or a value outside int64 units.
function decimalNanos(text, path) {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/.exec(text.trim());
  if (!m || (m[2] === '' && !m[3])) {
    throw new MappingError(path, `expected a decimal number, got "${text}"`);
  }
  const fraction = m[3] || '';
  const shift = 9 - fraction.length + (m[4] ? parseInt(m[4], 10) : 0);
  let value = BigInt((m[2] || '') + fraction || '0');
  if (shift >= 0) {
    value *= 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    if (value % divisor !== 0n) {
      throw new MappingError(path, `"${text}" has more than 9 fraction digits`);
    }
    value /= divisor;
  }
  if (m[1] === '-') value = -value;
  const units = value / NANOS_PER_UNIT;
  if (units > INT64_MAX || units < -INT64_MAX - 1n) {
    throw new MappingError(path, `"${text}" is out of range`);
  }
  return value;
}

// Returns the decimal a payload value holds: HubSpot's decimal strings,
// JSON numbers (kept exact) and integers. null/undefined give null.
function optionalDecimalNanos(value, path) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (value.trim() === '') return null;  // HubSpot clears a property to ""
    return decimalNanos(value, path);
  }
  if (value instanceof ExactNumber) return decimalNanos(value.text, path);
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return BigInt(value) * NANOS_PER_UNIT;
  }
  throw new MappingError(path, `expected a decimal number, got ${typeName(value)}`);
}

function requiredDecimalNanos(value, path) {
  const v = optionalDecimalNanos(value, path);
  if (v === null) throw new MappingError(path, 'required field is missing');
  return v;
}

// Splits billionths into the units + nanos of Money/Decimal (same sign).
function splitNanos(total) {
  return {
    units: (total / NANOS_PER_UNIT).toString(),
    nanos: Number(total % NANOS_PER_UNIT),
  };
}

// Returns canonical.v1.Decimal for billionths.
function toDecimal(total) {
  return splitNanos(total);
}

// Returns canonical.v1.Money for billionths of `currency`.
function toMoney(total, currency) {
  return {currency_code: currency, ...splitNanos(total)};
}

// Formats billionths as "12.5", "3", "-0.25" (canonical FormatDecimal).
function formatDecimal(total) {
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const units = (abs / NANOS_PER_UNIT).toString();
  const fraction = (abs % NANOS_PER_UNIT).toString().padStart(9, '0').replace(/0+$/, '');
  return (negative ? '-' : '') + units + (fraction ? '.' + fraction : '');
}

// Returns a * b in billionths, exactly; throws when the product has more
// than nine fraction digits.
function multiplyNanos(a, b, path) {
  const product = a * b;
  if (product % NANOS_PER_UNIT !== 0n) {
    throw new MappingError(path, 'the product has more than 9 fraction digits');
  }
  return product / NANOS_PER_UNIT;
}

// Returns the upper-case ISO 4217 code a payload value holds; throws for a
// code that is not an active ISO 4217 currency.
function currencyAt(value, path) {
  if (typeof value !== 'string') {
    throw new MappingError(path, `expected a currency code, got ${typeName(value)}`);
  }
  const code = value.trim().toUpperCase();
  if (!Object.prototype.hasOwnProperty.call(MINOR_UNIT_DIGITS, code)) {
    throw new MappingError(path, `unknown currency "${value}" (not an ISO 4217 code)`);
  }
  return code;
}

function isCurrency(code) {
  return typeof code === 'string' &&
         Object.prototype.hasOwnProperty.call(MINOR_UNIT_DIGITS, code);
}

function daysInMonth(year, month0) {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

// Returns a google.protobuf.Timestamp for HubSpot's time text: RFC 3339
// ("2026-03-12T07:35:26.564Z"), a date ("2026-01-01", midnight UTC) or epoch
// milliseconds as digits ("1767225600000", older APIs). null/undefined/""
// give null; anything else throws.
function optionalTimeAt(value, path) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') {
    throw new MappingError(path, `expected a date or time, got ${typeName(value)}`);
  }
  if (/^\d{10,16}$/.test(value)) {
    const ms = BigInt(value);
    return {seconds: (ms / 1000n).toString(), nanos: Number(ms % 1000n) * 1000000};
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}))?$/i.exec(value);
  if (!m) {
    throw new MappingError(path, `expected an RFC 3339 time or a date, got "${value}"`);
  }
  const [year, month, day] = [+m[1], +m[2], +m[3]];
  const [hour, minute, second] = [+(m[4] || 0), +(m[5] || 0), +(m[6] || 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1) ||
      hour > 23 || minute > 59 || second > 60) {
    throw new MappingError(path, `"${value}" is not a valid date or time`);
  }
  let seconds = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) / 1000;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    const offset = (+z[2] * 60 + +z[3]) * 60;
    seconds -= z[1] === '+' ? offset : -offset;
  }
  const nanos = m[7] ? parseInt(m[7].padEnd(9, '0'), 10) : 0;
  return {seconds: String(seconds), nanos};
}

// Returns `time` moved by an ISO 8601 duration of years, months, weeks and
// days ("P12M", "P1Y", "P90D"); the day of month is clamped (Jan 31 + P1M is
// Feb 28/29). Throws for another shape.
function addIsoPeriod(time, period, path) {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(period);
  if (!m || period === 'P') {
    throw new MappingError(path, `expected an ISO 8601 period such as "P12M", got "${period}"`);
  }
  const months = (+(m[1] || 0)) * 12 + (+(m[2] || 0));
  const days = (+(m[3] || 0)) * 7 + (+(m[4] || 0));
  return addMonthsAndDays(time, months, days);
}

function addMonthsAndDays(time, months, days) {
  const d = new Date(Number(time.seconds) * 1000);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + months;
  const ty = y + Math.floor(mo / 12);
  const tm = ((mo % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(ty, tm));
  const ms = Date.UTC(ty, tm, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) +
             days * 86400000;
  return {seconds: String(ms / 1000), nanos: time.nanos};
}

module.exports = {
  MappingError,
  ExactNumber,
  parseExactJson,
  typeName,
  decimalNanos,
  optionalDecimalNanos,
  requiredDecimalNanos,
  toDecimal,
  toMoney,
  formatDecimal,
  multiplyNanos,
  currencyAt,
  isCurrency,
  optionalTimeAt,
  addIsoPeriod,
  addMonthsAndDays,
};
