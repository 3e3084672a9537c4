// The common POST /v1/ingestions body read in one pass over its text, without building its payloads as
// objects only to serialize them again. JSON.parse, the per-payload checks and JSON.stringify of every
// event cost more than half of the API's CPU per request (docs/performance.md); this reads the text
// once, checks it is JSON, and copies each payload's text as it stands into the events' JSON for the
// insert statement. Strings, most of a payload's text, are skipped with indexOf, in native code.
//
// It covers the common case only and says so by returning undefined for anything else, which then takes
// the general path (JSON.parse, schema validation, payloadCheck) with its exact error messages. What it
// returns must equal what the general path would store: strings in the fields it reads have no escape
// (with one, `"\u0041"` and `"A"` would need decoding), a payload whose number would not survive
// JSON.parse and JSON.stringify unchanged (`1.0`, `1e3`, `-0`) is passed through those two, as the
// general path would, and everything payloadCheck refuses (NUL, surrogate escapes, nesting past its
// limit, numbers beyond a double) is left to the general path to refuse.
import { eventTypeKey } from '../domain/eventTypeKey.js';
import { maxPayloadDepth } from '../domain/payloadCheck.js';
import { isRfc3339DateTime, storableTimestamp } from '../domain/timestamp.js';

/** The one event a scanned body shows the schema: the scan checked every real one as the schema would. */
const checkedEvent = { type: 'checked', timestamp: '2000-01-01T00:00:00Z' };

/**
 * What the schema validates of a scanned body: the tenant as sent, and one event standing in for all of
 * them, which the scan checked as the schema would (type 1 to 128 characters, not blank; timestamp
 * RFC 3339; at least one and at most the limit). Nothing of the text stays referenced by it, and the
 * schema does not check a hundred events again. The events and their count are in the scan.
 */
export interface ScannedIngestion {
  tenantId: string;
  events: ReadonlyArray<{ type: string; timestamp: string }>;
}

/** A scanned body, its events' count and JSON for jobInsertMany (UTF-8 bytes), to store once the schema agrees. */
export interface IngestionScan {
  body: ScannedIngestion;
  eventCount: number;
  eventsJson: Buffer;
}

/**
 * Where a scanned body carries its scan (a symbol: the schema and the route's other code see only the
 * body's own fields). Kept on the body rather than in a WeakMap keyed by it: a WeakMap entry per request
 * is an ephemeron the garbage collector must process in every collection while the request lives.
 */
export const bodyScan = Symbol('ingestion body scan');

/** The scan a body carries, if scanIngestionBody made it. */
export function scanOf(body: object): IngestionScan | undefined {
  return (body as { [bodyScan]?: IngestionScan })[bodyScan];
}

const notBlank = /\S/;

/** Thrown inside the scan to give up on the fast path; never escapes scanIngestionBody. */
const notSimple = new Error('not a simple ingestion body');

const quote = 34;
const openBrace = 123;
const closeBrace = 125;
const openBracket = 91;
const closeBracket = 93;
const comma = 44;
const colon = 58;
const minus = 45;
const zero = 48;
const nine = 57;

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const controlCharacter = /[\u0000-\u001f]/g;
const hex4 = /^[0-9a-fA-F]{4}$/;
const jsonNumber = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const shortEscapes = new Set([34, 92, 47, 98, 102, 110, 114, 116]); // " \ / b f n r t

class Scanner {
  at = 0;
  /** A number in the payload being read would change through JSON.parse and JSON.stringify. */
  reshaped = false;
  /** Where the next backslash and the next control character are (Infinity: none), found lazily. */
  #nextBackslash = -1;
  #nextControl = -1;

  constructor(readonly text: string) {}

  #backslashFrom(i: number): number {
    if (this.#nextBackslash < i) {
      const found = this.text.indexOf('\\', i);
      this.#nextBackslash = found < 0 ? Infinity : found;
    }
    return this.#nextBackslash;
  }

  #controlFrom(i: number): number {
    if (this.#nextControl < i) {
      controlCharacter.lastIndex = i;
      const found = controlCharacter.exec(this.text);
      this.#nextControl = found ? found.index : Infinity;
    }
    return this.#nextControl;
  }

  /** The code at the next character that is not JSON whitespace. */
  peek(): number {
    const { text } = this;
    let code = text.charCodeAt(this.at);
    while (code === 32 || code === 10 || code === 13 || code === 9) code = text.charCodeAt(++this.at);
    return code;
  }

  expect(code: number): void {
    if (this.peek() !== code) throw notSimple;
    this.at += 1;
  }

  /** After a member or an element: true for a comma, false for the closing `close`. */
  more(close: number): boolean {
    const code = this.peek();
    this.at += 1;
    if (code === comma) return true;
    if (code === close) return false;
    throw notSimple;
  }

  /** A string with no escape (a key, or a field the scan reads): its content. */
  plainString(): string {
    this.expect(quote);
    const start = this.at;
    const end = this.text.indexOf('"', start);
    if (end < 0 || this.#backslashFrom(start) < end || this.#controlFrom(start) < end) throw notSimple;
    this.at = end + 1;
    return this.text.slice(start, end);
  }

  /** Any JSON string (at its opening quote), checked: escapes valid, none that payloadCheck refuses. */
  skipString(): void {
    const { text } = this;
    let i = this.at + 1;
    for (;;) {
      const end = text.indexOf('"', i);
      if (end < 0 || this.#controlFrom(i) < end) throw notSimple;
      const escape = this.#backslashFrom(i);
      if (escape > end) {
        this.at = end + 1;
        return;
      }
      // An escape before the quote (which it may itself escape): check it, then look again after it.
      const escaped = text.charCodeAt(escape + 1);
      if (escaped === 117 /* u */) {
        const digits = text.slice(escape + 2, escape + 6);
        if (!hex4.test(digits)) throw notSimple;
        const unit = Number.parseInt(digits, 16);
        // NUL and surrogates (paired or not): the general path decides about them.
        if (unit === 0 || (unit >= 0xd800 && unit <= 0xdfff)) throw notSimple;
        i = escape + 6;
      } else if (shortEscapes.has(escaped)) {
        i = escape + 2;
      } else {
        throw notSimple;
      }
    }
  }

  skipNumber(): void {
    const { text } = this;
    const start = this.at;
    let i = start;
    if (text.charCodeAt(i) === minus) i += 1;
    const digitsStart = i;
    let code = text.charCodeAt(i);
    while (code >= zero && code <= nine) code = text.charCodeAt(++i);
    const digits = i - digitsStart;
    // A plain integer of up to 15 digits is what JSON.stringify(JSON.parse(text)) gives back.
    const plain =
      digits > 0 &&
      digits <= 15 &&
      (digits === 1 || text.charCodeAt(digitsStart) !== zero) &&
      code !== 46 /* . */ &&
      code !== 69 /* E */ &&
      code !== 101 /* e */ &&
      !(digits === 1 && text.charCodeAt(digitsStart) === zero && digitsStart > start); // -0
    if (!plain) {
      while (
        (code >= zero && code <= nine) ||
        code === 43 ||
        code === minus ||
        code === 46 ||
        code === 69 ||
        code === 101
      )
        code = text.charCodeAt(++i);
      const token = text.slice(start, i);
      if (!jsonNumber.test(token)) throw notSimple;
      const value = Number(token);
      if (!Number.isFinite(value)) throw notSimple;
      if (String(value) !== token) this.reshaped = true;
    }
    this.at = i;
  }

  skipLiteral(literal: string): void {
    if (!this.text.startsWith(literal, this.at)) throw notSimple;
    this.at += literal.length;
  }

  /** Any JSON value, checked; `depth` counts the objects and arrays around it within a payload. */
  skipValue(depth: number): void {
    const code = this.peek();
    if (code === quote) return this.skipString();
    if (code === openBrace || code === openBracket) {
      if (depth >= maxPayloadDepth) throw notSimple;
      const close = code === openBrace ? closeBrace : closeBracket;
      this.at += 1;
      if (this.peek() === close) {
        this.at += 1;
        return;
      }
      do {
        if (close === closeBrace) {
          if (this.peek() !== quote) throw notSimple;
          this.skipString();
          this.expect(colon);
        }
        this.skipValue(depth + 1);
      } while (this.more(close));
      return;
    }
    if (code === 116) return this.skipLiteral('true');
    if (code === 102) return this.skipLiteral('false');
    if (code === 110) return this.skipLiteral('null');
    this.skipNumber();
  }

  /** At `{`: true if the object has a first member (then at its key), false if it is empty. */
  openObject(): boolean {
    this.expect(openBrace);
    if (this.peek() !== closeBrace) return true;
    this.at += 1;
    return false;
  }
}

/** One event (at its `{`), checked as the schema would: its element of the events' JSON. */
function scanEvent(scanner: Scanner, maxPayloadBytes: number): string {
  let type: string | undefined;
  let timestamp: string | undefined;
  let payload = 'null';
  if (scanner.openObject()) {
    do {
      const key = scanner.plainString();
      scanner.expect(colon);
      if (key === 'type') type = scanner.plainString();
      else if (key === 'timestamp') timestamp = scanner.plainString();
      else if (key === 'payload') {
        const start = scanner.at;
        scanner.reshaped = false;
        scanner.skipValue(0);
        payload = scanner.text.slice(start, scanner.at).trim();
        // As the general path stores it: parsed, then serialized.
        if (scanner.reshaped) payload = JSON.stringify(JSON.parse(payload));
        // A UTF-16 unit of JSON text is at most 3 bytes of UTF-8: a payload near the limit is left to
        // the general path, which measures it exactly.
        if (payload.length * 3 > maxPayloadBytes) throw notSimple;
      } else scanner.skipValue(0);
    } while (scanner.more(closeBrace));
  }
  // What the schema checks of an event (its length counts code points: up to 128 UTF-16 units is
  // certainly within it, more is left to the schema); anything else is the general path's to answer.
  if (type === undefined || type.length === 0 || type.length > 128 || !notBlank.test(type)) throw notSimple;
  if (timestamp === undefined || !isRfc3339DateTime(timestamp)) throw notSimple;
  // Neither has an escape, a quote or a control character, so each is its own JSON text between quotes.
  return `{"t":"${type}","k":${JSON.stringify(eventTypeKey(type))},"ts":"${storableTimestamp(timestamp)}","p":${payload}}`;
}

/**
 * Reads a body of the common shape in one pass: `{"tenantId": …, "events": [{"type", "timestamp",
 * "payload"}, …]}` with any other members ignored, as the general path ignores them. Returns undefined
 * for anything else (malformed JSON, another shape, an escape in a field it reads, a type or timestamp
 * the schema refuses, a problem payloadCheck would name, more than `maxEvents` events), which the
 * general path then answers exactly.
 */
export function scanIngestionBody(
  text: string,
  maxEvents: number,
  maxPayloadBytes: number,
): IngestionScan | undefined {
  const scanner = new Scanner(text);
  let tenantId: string | undefined;
  let events = -1;
  let eventsJson = '';
  try {
    if (scanner.openObject()) {
      do {
        const key = scanner.plainString();
        scanner.expect(colon);
        if (key === 'tenantId') tenantId = scanner.plainString();
        else if (key === 'events') {
          // The last one counts when a key repeats, as with JSON.parse.
          events = 0;
          eventsJson = '[';
          scanner.expect(openBracket);
          do {
            if (events === maxEvents) throw notSimple;
            const json = scanEvent(scanner, maxPayloadBytes);
            events += 1;
            eventsJson += events === 1 ? json : `,${json}`;
          } while (scanner.more(closeBracket));
          eventsJson += ']';
        } else scanner.skipValue(0);
      } while (scanner.more(closeBrace));
    }
    scanner.peek();
    if (scanner.at !== text.length || tenantId === undefined || events < 0) return undefined;
  } catch (error) {
    if (error === notSimple) return undefined;
    throw error;
  }
  // As bytes: the text and the slices of the body it is made of die young, and what waits for the insert
  // statement is outside the V8 heap, which the scavenger would otherwise copy from space to space.
  const body: ScannedIngestion & { [bodyScan]?: IngestionScan } = { tenantId, events: [checkedEvent] };
  const scan: IngestionScan = { body, eventCount: events, eventsJson: Buffer.from(eventsJson) };
  body[bodyScan] = scan;
  return scan;
}
