import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateEvents } from '../../src/domain/aggregation.js';
import { backoffSeconds } from '../../src/domain/backoff.js';
import { compareEventTypeKeys, eventTypeKey, simpleUpperCodePoint } from '../../src/domain/eventTypeKey.js';
import { canonicalJson, requestFingerprint } from '../../src/domain/fingerprint.js';
import { findPayloadProblem, maxPayloadDepth } from '../../src/domain/payloadCheck.js';
import { parsePayloadCondition } from '../../src/domain/payloadCondition.js';
import { instantText, isRfc3339DateTime, storableTimestamp } from '../../src/domain/timestamp.js';

const at = (iso: string) => new Date(iso);

describe('aggregateEvents', () => {
  it("groups the template's example ignoring case, keeping the first casing", () => {
    const summaries = aggregateEvents([
      { type: 'clicked', timestamp: at('2024-01-01T00:00:02Z') },
      { type: 'viewed', timestamp: at('2024-01-01T00:00:05Z') },
      { type: 'Clicked', timestamp: at('2024-01-01T00:00:01Z') },
    ]);
    expect(summaries.map(({ eventType, count }) => ({ eventType, count }))).toEqual([
      { eventType: 'clicked', count: 2 },
      { eventType: 'viewed', count: 1 },
    ]);
    expect(summaries[0]).toMatchObject({
      firstTimestamp: at('2024-01-01T00:00:01Z'),
      lastTimestamp: at('2024-01-01T00:00:02Z'),
    });
  });

  it('orders groups by type ignoring case and takes the casing of the first in submission order', () => {
    const summaries = aggregateEvents(
      ['b', 'A', 'a', 'C', 'B'].map((type) => ({ type, timestamp: at('2024-01-01T00:00:00Z') })),
    );
    expect(summaries.map((s) => [s.eventType, s.count])).toEqual([
      ['A', 2],
      ['b', 2],
      ['C', 1],
    ]);
  });

  it('returns nothing for no events', () => {
    expect(aggregateEvents([])).toEqual([]);
  });
});

describe('eventTypeKey', () => {
  const groups = (types: string[]) =>
    aggregateEvents(types.map((type) => ({ type, timestamp: at('2024-01-01T00:00:00Z') }))).map((s) => [
      s.eventType,
      s.count,
    ]);

  it('groups Greek sigma in every form together, as .NET ordinal-ignore-case does', () => {
    expect(groups(['ΟΔΟΣ', 'οδοσ', 'Οδος'])).toEqual([['ΟΔΟΣ', 3]]);
  });

  it('maps one character to one, simple mappings only, leaving out what .NET leaves out', () => {
    expect(eventTypeKey('straße')).toBe('STRAßE'); // no full mapping to SS
    expect(groups(['ß', 'SS', 'ẞ'])).toEqual([
      ['SS', 1],
      ['ß', 1],
      ['ẞ', 1],
    ]);
    // The Turkish i's and the long s are not mapped by .NET's invariant casing.
    expect(groups(['ı', 'I', 'i', 'İ', 'ſ', 's'])).toEqual([
      ['I', 2],
      ['s', 1],
      ['İ', 1],
      ['ı', 1],
      ['ſ', 1],
    ]);
    expect(groups(['ǆ', 'ǅ', 'Ǆ'])).toEqual([['ǆ', 3]]); // title case folds with upper and lower
    expect(groups(['ᾳ', 'ᾼ'])).toEqual([['ᾳ', 2]]); // a iota subscript keeps its simple mapping
    expect(groups(['𐐨', '𐐀'])).toEqual([['𐐨', 2]]); // beyond U+FFFF too (Deseret)
  });

  it('takes the short way only where it gives the same key as mapping each code point', () => {
    const differing: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp += 1) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCodePoint(cp);
      // Full upper-casing never shortens a string, so an unchanged length means nothing expanded.
      if (char.toUpperCase().length < char.length) differing.push(`U+${cp.toString(16)} shortens`);
      if (eventTypeKey(char) !== String.fromCodePoint(simpleUpperCodePoint(cp)))
        differing.push(`U+${cp.toString(16)}`);
    }
    expect(differing).toEqual([]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (type) => {
        const slow = [...type].map((c) => String.fromCodePoint(simpleUpperCodePoint(c.codePointAt(0)!)));
        expect(eventTypeKey(type)).toBe(slow.join(''));
      }),
    );
  });

  it('orders keys by code point, as COLLATE "C" does, not by UTF-16 unit', () => {
    expect(groups(['😀', 'ｂ', 'a'])).toEqual([
      ['a', 1],
      ['ｂ', 1],
      ['😀', 1],
    ]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const byCodePoint = (s: string) => [...s].map((c) => c.codePointAt(0)!);
        const [x, y] = [byCodePoint(a), byCodePoint(b)];
        let expected = x.length - y.length;
        for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
          if (x[i] !== y[i]) {
            expected = x[i]! - y[i]!;
            break;
          }
        }
        expect(Math.sign(compareEventTypeKeys(a, b))).toBe(Math.sign(expected));
      }),
    );
  });
});

describe('backoffSeconds', () => {
  it('doubles from the base: 2, 4, 8 seconds with base 2', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(n, 2))).toEqual([2, 4, 8, 16]);
  });

  it('treats attempt 0 as 1 and stops doubling after attempt 10', () => {
    expect(backoffSeconds(0, 0.1)).toBe(0.1);
    expect(backoffSeconds(10, 0.1)).toBeCloseTo(51.2);
    expect(backoffSeconds(11, 0.1)).toBeCloseTo(51.2);
  });

  it('is capped at 300 seconds', () => {
    expect(backoffSeconds(9, 2)).toBe(300);
    expect(backoffSeconds(50, 2)).toBe(300);
  });
});

describe('requestFingerprint', () => {
  it('ignores key order and whitespace', () => {
    const a = {
      tenantId: 't',
      events: [{ type: 'x', timestamp: '2024-01-01T00:00:00Z', payload: { a: 1, b: 2 } }],
    };
    const b = JSON.parse(
      '{ "events": [ { "payload": {"b":2,"a":1}, "timestamp": "2024-01-01T00:00:00Z", "type": "x" } ], "tenantId": "t" }',
    );
    expect(requestFingerprint(a)).toBe(requestFingerprint(b));
    expect(requestFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when any value, array order or type differs', () => {
    const base = { tenantId: 't', events: [{ type: 'x' }, { type: 'y' }] };
    const fingerprint = requestFingerprint(base);
    expect(requestFingerprint({ ...base, tenantId: 'u' })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, events: [{ type: 'y' }, { type: 'x' }] })).not.toBe(fingerprint);
    expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: '1' }));
  });

  it('writes canonical JSON with sorted keys', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe(
      '{"a":true,"b":[1,{"c":"x","d":null}]}',
    );
  });

  it('writes the same text as a recursive canonical form, for any JSON value', () => {
    const recursive = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
      if (Array.isArray(value)) return `[${value.map(recursive).join(',')}]`;
      const keys = Object.keys(value).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${recursive((value as Record<string, unknown>)[k])}`).join(',')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => canonicalJson(value) === recursive(value)),
      { numRuns: 500 },
    );
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('handles nesting deeper than the call stack', () => {
    const deep = JSON.parse('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000)) as unknown;
    expect(canonicalJson(deep)).toHaveLength(200_000 * 6 + 1);
  });
});

describe('isRfc3339DateTime', () => {
  it.each([
    '2024-05-01T12:00:00Z',
    '2024-05-01t12:00:00z',
    '2024-05-01T12:00:00.123456+02:00',
    '2024-02-29T23:59:59-08:00',
    '2016-12-31T23:59:60Z',
    '0001-01-01T00:00:00Z',
    '2024-05-01T12:00:00+14:00',
    '2024-05-01T12:00:00-15:59',
  ])('accepts %s', (text) => expect(isRfc3339DateTime(text)).toBe(true));

  it.each([
    '2024-05-01T12:00:00',
    '2024-05-01',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '0000-01-01T00:00:00Z',
    '2024-05-01T12:00:00+25:00',
    '2024-05-01T12:00:00+16:00',
    '0001-01-01T00:00:00+23:59',
    'yesterday',
    '',
  ])('refuses %s', (text) => expect(isRfc3339DateTime(text)).toBe(false));

  // The definition the hand-written reader replaced, kept as the oracle it must agree with.
  function byRegex(text: string): boolean {
    const match =
      /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/.exec(text);
    if (!match) return false;
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
    const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
    const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month!) ? 30 : 31;
    return (
      year! >= 1 &&
      month! >= 1 &&
      month! <= 12 &&
      day! >= 1 &&
      day! <= days &&
      hour! <= 23 &&
      minute! <= 59 &&
      second! <= 60 &&
      Number(match[9] ?? 0) <= 15 &&
      Number(match[10] ?? 0) <= 59
    );
  }

  it('agrees with the regular-expression definition on near-timestamps and noise', () => {
    const padded = (max: number, width: number) =>
      fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
    const nearTimestamp = fc
      .tuple(
        padded(9999, 4),
        padded(13, 2),
        padded(32, 2),
        fc.constantFrom('T', 't', ' ', 'x'),
        padded(25, 2),
        padded(60, 2),
        padded(61, 2),
        fc.constantFrom('', '', '.', '.5', '.123456789'),
        fc.oneof(
          fc.constantFrom('Z', 'z', '', 'Zz'),
          fc
            .tuple(fc.constantFrom('+', '-'), padded(24, 2), fc.constantFrom(':', ':', ''), padded(60, 2))
            .map((parts) => parts.join('')),
        ),
      )
      .map(([y, mo, d, t, h, mi, s, f, off]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f}${off}`);
    const mutated = fc
      .tuple(nearTimestamp, fc.nat(), fc.string({ maxLength: 2 }))
      .map(
        ([text, at, insert]) =>
          text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + 1),
      );
    fc.assert(
      fc.property(
        fc.oneof(nearTimestamp, mutated, fc.string()),
        (text) => isRfc3339DateTime(text) === byRegex(text),
      ),
      { numRuns: 20_000 },
    );
  });
});

describe('findPayloadProblem', () => {
  it('accepts ordinary JSON', () => {
    expect(findPayloadProblem({ a: [1, 'x', null, { b: true }] })).toBeUndefined();
    expect(findPayloadProblem(null)).toBeUndefined();
  });

  it('finds unpaired surrogates in values and keys, and accepts paired ones', () => {
    expect(findPayloadProblem({ a: ['ok', 'x\ud800'] })).toMatch(/unpaired/);
    expect(findPayloadProblem({ '\udc00k': 1 })).toMatch(/unpaired .* in a key/);
    expect(findPayloadProblem({ smile: '\ud83d\ude00' })).toBeUndefined();
  });

  it('finds NUL characters in values and keys', () => {
    expect(findPayloadProblem({ a: ['ok', 'n\u0000l'] })).toMatch(/NUL/);
    expect(findPayloadProblem({ 'k\u0000': 1 })).toMatch(/NUL/);
  });

  it('finds nesting beyond the limit without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(findPayloadProblem(deep)).toMatch(/deeper than/);
    let allowed: unknown = 1;
    for (let i = 0; i < maxPayloadDepth; i += 1) allowed = { a: allowed };
    expect(findPayloadProblem(allowed)).toBeUndefined();
  });

  it('finds numbers that overflowed to Infinity', () => {
    expect(findPayloadProblem(JSON.parse('{"n": 1e400}'))).toMatch(/too large/);
  });
});

describe('storableTimestamp', () => {
  it('returns an ordinary timestamp itself', () => {
    for (const text of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123456789+02:00'])
      expect(storableTimestamp(text)).toBe(text);
  });

  it('cuts fractions after nine digits and stores leap seconds at the minute’s last microsecond', () => {
    expect(storableTimestamp(`2024-05-01T12:00:00.${'1'.repeat(200)}Z`)).toBe(
      '2024-05-01T12:00:00.111111111Z',
    );
    expect(storableTimestamp('2016-12-31T23:59:60.5Z')).toBe('2016-12-31T23:59:59.999999Z');
    expect(storableTimestamp('2016-12-31T23:59:60-08:00')).toBe('2016-12-31T23:59:59.999999-08:00');
  });
});

describe('instantText', () => {
  const micros = (iso: string, extra = 0n) => BigInt(Date.parse(iso)) * 1000n + extra;

  it('writes UTC with milliseconds, or microseconds when there are any', () => {
    expect(instantText(micros('2024-05-01T12:00:00.120Z'))).toBe('2024-05-01T12:00:00.120Z');
    expect(instantText(micros('2024-05-01T12:00:00.120Z', 7n))).toBe('2024-05-01T12:00:00.120007Z');
    expect(instantText(micros('1969-12-31T23:59:59.999Z', 999n))).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('keeps years 0001–9999 with an offset when UTC would leave them', () => {
    expect(instantText(micros('9999-12-31T23:59:59.999-15:59', 999n))).toBe(
      '9999-12-31T23:59:59.999999-15:59',
    );
    expect(instantText(micros('0001-01-01T00:00:00+15:59'))).toBe('0001-01-01T00:00:00.000+15:59');
  });
});

describe('parsePayloadCondition', () => {
  it.each([
    ['customer.id=42', { customer: { id: 42 } }],
    ['payload.page=/home', { page: '/home' }],
    ['code="42"', { code: '42' }],
    ['flag = true', { flag: true }],
    ['a.b.c={"d":1}', { a: { b: { c: { d: 1 } } } }],
    ['note=a=b', { note: 'a=b' }],
  ])('reads %s', (raw, contains) => {
    expect(parsePayloadCondition(raw)).toEqual({ contains });
  });

  it.each(['', '=1', 'nothing', 'a..b=1'])('refuses %j with the accepted form', (raw) => {
    expect(parsePayloadCondition(raw)).toEqual({ problem: expect.stringMatching(/path/) });
  });
});
