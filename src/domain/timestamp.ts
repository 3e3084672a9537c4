// RFC 3339 section 5.6 date-time; the offset is required, `T` and `Z` may be lower case, and the
// seconds may carry any number of fraction digits:
//   YYYY-MM-DD(T|t| )hh:mm:ss[.f+](Z|z|(+|-)hh:mm)
// Read character by character: it runs for every event of every request, and a regular expression
// with its match arrays allocated more than the rest of the request's checks together.

const zero = 48;
const nine = 57;

/** The decimal number in text[start, start + count), or -1 when a character there is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i += 1) {
    const code = text.charCodeAt(i);
    if (!(code >= zero && code <= nine)) return -1;
    value = value * 10 + (code - zero);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Where the offset begins: after the seconds and their optional fraction, or -1 for a bad fraction. */
function offsetStart(text: string): number {
  if (text.charCodeAt(19) !== 46 /* . */) return 19;
  let i = 20;
  while (text.charCodeAt(i) >= zero && text.charCodeAt(i) <= nine) i += 1;
  return i === 20 ? -1 : i;
}

/**
 * Whether `text` is an RFC 3339 date-time with an offset that PostgreSQL's timestamptz can store.
 * Year 0000 is valid RFC 3339 but not a year PostgreSQL accepts, so it is refused here rather than
 * failing in the database, and so is an offset beyond ±15:59, the most PostgreSQL accepts (RFC 3339
 * allows ±23:59; the offsets in use span −12:00 to +14:00). A leap second (60) and a fraction of any
 * length are accepted as RFC 3339 allows: {@link storableTimestamp} makes them storable.
 */
export function isRfc3339DateTime(text: string): boolean {
  const separator = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    !(separator === 84 /* T */ || separator === 116 /* t */ || separator === 32) /* space */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  ) {
    return false;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const at = offsetStart(text);
  if (at < 0) return false;
  const sign = text.charCodeAt(at);
  let offsetHour = 0;
  let offsetMinute = 0;
  if (sign === 90 /* Z */ || sign === 122 /* z */) {
    if (text.length !== at + 1) return false;
  } else if (sign === 43 /* + */ || sign === 45 /* - */) {
    if (text.length !== at + 6 || text.charCodeAt(at + 3) !== 58) return false;
    offsetHour = digitsAt(text, at + 1, 2);
    offsetMinute = digitsAt(text, at + 4, 2);
  } else {
    return false;
  }
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 60 &&
    offsetHour >= 0 &&
    offsetHour <= 15 &&
    offsetMinute >= 0 &&
    offsetMinute <= 59
  );
}

/** Fraction digits kept: nanoseconds, finer than any clock sends and than the microseconds stored. */
export const maxFractionDigits = 9;

// The last microsecond of a minute: where a leap second is stored.
const leapSecond = '59.999999';

/**
 * The text to store for a timestamp {@link isRfc3339DateTime} accepted: the same string (no copy) in
 * all but two cases PostgreSQL would refuse. A fraction longer than {@link maxFractionDigits} digits is
 * cut there (PostgreSQL keeps microseconds, rounded, and refuses a field of ~140 digits). A leap second
 * `hh:mm:60[.f]` becomes `hh:mm:59.999999`: PostgreSQL has no leap seconds, refuses one with a fraction,
 * and moves one without into the next minute (the next year, on 9999-12-31 beyond its range for
 * RFC 3339); the last microsecond of the minute keeps it in the minute named, after every other instant
 * of it.
 */
export function storableTimestamp(text: string): string {
  const leap = text.charCodeAt(17) === 54 /* 6 */ && text.charCodeAt(18) === zero;
  // With an offset of one character or more, no longer fraction fits: most timestamps stop here.
  if (!leap && text.length <= 20 + maxFractionDigits + 1) return text;
  const at = offsetStart(text);
  if (leap) return `${text.slice(0, 17)}${leapSecond}${text.slice(at)}`;
  if (at - 20 <= maxFractionDigits) return text;
  return `${text.slice(0, 20 + maxFractionDigits)}${text.slice(at)}`;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

// The most an accepted offset moves an instant: ±15:59.
const widestOffsetMinutes = 15 * 60 + 59;

/**
 * An instant (microseconds since the epoch) as RFC 3339, in UTC with milliseconds (as
 * `Date.toISOString` writes it) or microseconds when it has them. RFC 3339 has four-digit years only:
 * an instant whose UTC year is 10000 or before 0001 (a client's 9999-12-31T23:59-15:59 or
 * 0001-01-01T00:00+15:59) is written at the widest offset, −15:59 or +15:59, which brings every instant
 * an accepted timestamp can name back into years 0001–9999.
 */
export function instantText(micros: bigint): string {
  const millis = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
  const subMillis = Number(((micros % 1000n) + 1000n) % 1000n);
  let date = new Date(millis);
  let offset = 'Z';
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) {
    const sign = year < 1 ? 1 : -1;
    date = new Date(millis + sign * widestOffsetMinutes * 60_000);
    offset = `${sign > 0 ? '+' : '-'}15:59`;
  }
  const fraction =
    subMillis === 0
      ? pad(date.getUTCMilliseconds(), 3)
      : pad(date.getUTCMilliseconds() * 1000 + subMillis, 6);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${fraction}${offset}`
  );
}

// PostgreSQL's JSON text of a timestamptz: ISO 8601 with `T`, up to six fraction digits, the session's
// offset (seconds too, for a zone such as LMT), and ` BC` for years before 1.
const postgresInstant =
  /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)( BC)?$/;

/**
 * The instant (microseconds since the epoch) a timestamp text names as PostgreSQL writes one in JSON
 * (`2024-05-01T12:00:02.46564+00:00`), or undefined when it is not such a text. With {@link instantText}
 * it turns the timestamps kept in jsonb into the one form every answer uses.
 */
export function instantOfPostgresText(text: string): bigint | undefined {
  const match = postgresInstant.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone, sign, offH, offM, offS, bc] = match;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999; BC 1 is year 0.
  date.setUTCFullYear(bc ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const offsetSeconds =
    zone === 'Z'
      ? 0
      : (sign === '-' ? -1 : 1) * (Number(offH) * 3600 + Number(offM ?? 0) * 60 + Number(offS ?? 0));
  return (
    (BigInt(date.getTime()) - BigInt(offsetSeconds) * 1000n) * 1000n + BigInt((fraction ?? '').padEnd(6, '0'))
  );
}

/** A timestamp text from PostgreSQL's JSON in the form of {@link instantText}; any other text unchanged. */
export function canonicalInstantText(text: string): string {
  const micros = instantOfPostgresText(text);
  return micros === undefined ? text : instantText(micros);
}
