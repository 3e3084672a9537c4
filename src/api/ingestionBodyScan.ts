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
import type { FastifyInstance } from 'fastify';
import { eventTypeKey } from '../domain/eventTypeKey.js';
import { isRfc3339DateTime, storableTimestamp } from '../domain/timestamp.js';
import { closeBrace, closeBracket, colon, notSimple, openBracket, Scanner } from './jsonScanner.js';

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

/**
 * Makes `app` (the ingestion routes' own plugin) read JSON bodies through scanIngestionBody: a POST of
 * the common shape is read in one pass; anything else, and a keyed request (its idempotency fingerprint
 * hashes the parsed body), goes to Fastify's own JSON parser, with its exact answers.
 */
export function useScannedJsonBodies(app: FastifyInstance, maxEvents: number, maxPayloadBytes: number): void {
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if (request.method === 'POST' && request.headers['idempotency-key'] === undefined) {
      const scan = scanIngestionBody(text as string, maxEvents, maxPayloadBytes);
      if (scan) return done(null, scan.body);
    }
    parseJson(request, text as string, done);
  });
}
