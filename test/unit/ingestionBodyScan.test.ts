// The one-pass reading of ingestion bodies must store exactly what the general path (JSON.parse, then
// JSON.stringify of each event) stores, and must give up on anything the general path would refuse or
// read differently.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanIngestionBody } from '../../src/api/ingestionBodyScan.js';
import { eventTypeKey } from '../../src/domain/eventTypeKey.js';
import { findPayloadProblem, maxPayloadDepth } from '../../src/domain/payloadCheck.js';
import { isRfc3339DateTime, storableTimestamp } from '../../src/domain/timestamp.js';

const maxEvents = 1000;
const maxPayloadBytes = 32_768;

interface Parsed {
  tenantId: string;
  events: Array<{ type: string; timestamp: string; payload?: unknown }>;
}

/** What the general path stores for a body JSON.parse read: the events' JSON as jobInsertMany gets it. */
function generalEventsJson(parsed: Parsed): string {
  return JSON.stringify(
    parsed.events.map((event) => ({
      t: event.type,
      k: eventTypeKey(event.type),
      ts: storableTimestamp(event.timestamp),
      p: event.payload ?? null,
    })),
  );
}

/** The scan agrees with JSON.parse and the general path, or gave up. */
function expectAgreement(text: string): boolean {
  const scan = scanIngestionBody(text, maxEvents, maxPayloadBytes);
  if (!scan) return false;
  const parsed = JSON.parse(text) as Parsed;
  expect(scan.body.tenantId).toBe(parsed.tenantId);
  expect(scan.eventCount).toBe(parsed.events.length);
  for (const event of parsed.events) {
    expect(findPayloadProblem(event.payload)).toBeUndefined();
    // What the schema checks of an event, the scan checked.
    expect(event.type.length >= 1 && event.type.length <= 128 && /\S/.test(event.type)).toBe(true);
    expect(isRfc3339DateTime(event.timestamp)).toBe(true);
  }
  // Compared as text after one more parse and serialization: both are then JSON.stringify's output of
  // equal values, and a difference in a number (1.0 against 1) would show.
  const eventsJson = scan.eventsJson.toString('utf8');
  expect(JSON.stringify(JSON.parse(eventsJson))).toBe(generalEventsJson(parsed));
  expect(JSON.parse(eventsJson)).toEqual(JSON.parse(generalEventsJson(parsed)));
  return true;
}

const body = (events: unknown[], tenantId: unknown = 'acme') => JSON.stringify({ tenantId, events });
const event = (payload?: unknown, type = 'clicked') => ({
  type,
  timestamp: '2024-05-01T12:00:00Z',
  ...(payload === undefined ? {} : { payload }),
});

describe('scanIngestionBody', () => {
  it('reads the common body as the general path does, payload text kept as sent', () => {
    const text = body([event({ page: '/home', n: 1, nested: [true, null, 'x'] }), event(), event(null)]);
    expect(expectAgreement(text)).toBe(true);
    expect(scanIngestionBody(text, maxEvents, maxPayloadBytes)!.eventsJson.toString()).toBe(
      '[{"t":"clicked","k":"CLICKED","ts":"2024-05-01T12:00:00Z","p":{"page":"/home","n":1,"nested":[true,null,"x"]}},' +
        '{"t":"clicked","k":"CLICKED","ts":"2024-05-01T12:00:00Z","p":null},' +
        '{"t":"clicked","k":"CLICKED","ts":"2024-05-01T12:00:00Z","p":null}]',
    );
  });

  it('stores numbers as JSON.parse and JSON.stringify leave them', () => {
    for (const number of ['1.0', '1e3', '1E+2', '-0', '0.10', '12345678901234567890', '1.5', '-12', '0'])
      expect(
        expectAgreement(
          `{"tenantId":"a","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z","payload":{"n":${number}}}]}`,
        ),
      ).toBe(true);
  });

  it('keeps whitespace, escapes in payloads, unknown members and the last of repeated keys as JSON.parse does', () => {
    const text =
      ' {\n "tenantId" : "x", "extra": {"a": [1, {"b": "\\u00e9\\n\\"q\\""}]},\t"events" : [ { "type" : "a", ' +
      '"payload": 1, "timestamp": "2024-05-01T12:00:00.123456789123+02:00", "type": "b", "payload" : "\\ud83d\\ude00" } ],' +
      ' "tenantId": "y" }\r\n';
    // The surrogate pair escape is left to the general path, which checks pairing.
    expect(scanIngestionBody(text, maxEvents, maxPayloadBytes)).toBeUndefined();
    expect(expectAgreement(text.replace('"\\ud83d\\ude00"', '"\\u00e9 \\/ \\t"'))).toBe(true);
  });

  it('gives up on what the general path refuses or reads differently', () => {
    const refused = [
      '',
      '\ufeff' + body([event()]),
      body([]),
      body([event()], 7),
      body(['not an object']),
      body([{ type: 'a' }]),
      body([{ timestamp: '2024-05-01T12:00:00Z' }]),
      body([event(undefined, 'a\\u0041')]).replace('a\\\\u0041', 'a\\u0041'),
      body([event({ s: 'nul' })]).replace('nul', '\\u0000'),
      body([event({ s: 'lone' })]).replace('lone', '\\udc00'),
      body([event({ n: 'BIG' })]).replace('"BIG"', '1e400'),
      body([event(1)]).replace('"payload":1', '"payload":01'),
      body([event('x'.repeat(maxPayloadBytes))]),
      body([event({ s: 'a\tb' })]).replace('\\t', '\t'),
      body([event(undefined, ' ')]),
      body([event(undefined, '')]),
      body([event(undefined, 'x'.repeat(129))]),
      body([{ type: 'a', timestamp: '2024-05-01T12:00:00' }]),
      body([{ type: 'a', timestamp: '2024-02-30T12:00:00Z' }]),
      body([event()]) + 'x',
      body([event()]).slice(0, -1),
      JSON.stringify({ events: [event()] }),
      JSON.stringify({ tenantId: 'a', events: {} }),
      '{"tenant\\u0049d":"a","events":[]}',
    ];
    for (const text of refused)
      expect(scanIngestionBody(text, maxEvents, maxPayloadBytes), text).toBeUndefined();
    expect(scanIngestionBody(body([event(), event()]), 1, maxPayloadBytes)).toBeUndefined();
  });

  it('accepts nesting up to the limit payloadCheck allows, and gives up one level deeper', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const at = (depth: number) => body([event('PAYLOAD')]).replace('"PAYLOAD"', nested(depth));
    expect(expectAgreement(at(maxPayloadDepth))).toBe(true);
    expect(scanIngestionBody(at(maxPayloadDepth + 1), maxEvents, maxPayloadBytes)).toBeUndefined();
  });

  it('agrees with the general path on generated bodies, formatted or not', () => {
    const type = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
    const payload = fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 10 }),
        fc.array(fc.record({ type, payload }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(undefined, 2, '\t'),
        (tenantId, events, indent) => {
          const text = JSON.stringify(
            { tenantId, events: events.map((e) => event(e.payload, e.type)) },
            undefined,
            indent,
          );
          const scanned = expectAgreement(text);
          // Only an escape somewhere, a type the schema refuses, or a payload the general path checks
          // further sends a body there.
          const typesValid = events.every((e) => /\S/.test(e.type) && e.type.length <= 128);
          if (!scanned) expect(/\\/.test(text) || !typesValid || text.length > 1000).toBe(true);
        },
      ),
    );
  });

  it('never accepts text JSON.parse refuses, and agrees whenever it accepts', () => {
    const valid = body([event({ page: '/a', n: [1, 2.5, -3], ok: true }), event('s', 'viewed')]);
    fc.assert(
      fc.property(
        fc.nat(valid.length),
        fc.nat(valid.length),
        fc.string({ maxLength: 3, unit: 'binary' }),
        (start, length, insert) => {
          const text = valid.slice(0, start) + insert + valid.slice(start + (length % 4));
          let parses = true;
          try {
            JSON.parse(text);
          } catch {
            parses = false;
          }
          if (!parses) expect(scanIngestionBody(text, maxEvents, maxPayloadBytes)).toBeUndefined();
          else if (scanIngestionBody(text, maxEvents, maxPayloadBytes)) expectAgreement(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
