// Issue 9, item 2: every timestamp the check accepts is one PostgreSQL stores, as the instant it names,
// proven against PostgreSQL itself: each generated string is cast with ::timestamptz in the database,
// exactly as the insert statement casts it.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isRfc3339DateTime, storableTimestamp } from '../../src/domain/timestamp.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();

beforeAll(async () => {
  const pool = db.createPool(1);
  // The instant a string names, in microseconds since the epoch, or the SQLSTATE of its refusal.
  await pool.query(`
    CREATE FUNCTION test_cast_timestamptz(text) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
      RETURN (extract(epoch FROM $1::timestamptz) * 1000000)::bigint::text;
    EXCEPTION WHEN others THEN
      RETURN 'refused ' || SQLSTATE;
    END $$`);
  await pool.end();
});

const padded = (min: number, max: number, width: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));

interface Parts {
  year: string;
  month: string;
  day: string;
  separator: string;
  hour: string;
  minute: string;
  second: string;
  fraction: string;
  offset: string;
}

/** RFC 3339 date-times, edges weighted: first and last years, leap days and seconds, long fractions. */
const parts: fc.Arbitrary<Parts> = fc.record({
  year: fc.oneof(padded(1, 9999, 4), fc.constantFrom('0001', '9999', '2016', '2000', '1900')),
  month: fc.oneof(padded(1, 12, 2), fc.constantFrom('01', '02', '12')),
  day: fc.oneof(padded(1, 31, 2), fc.constantFrom('01', '28', '29', '30', '31')),
  separator: fc.constantFrom('T', 't', ' '),
  hour: fc.oneof(padded(0, 23, 2), fc.constantFrom('00', '23')),
  minute: fc.oneof(padded(0, 59, 2), fc.constantFrom('00', '59')),
  second: fc.oneof(padded(0, 60, 2), fc.constantFrom('00', '59', '60')),
  fraction: fc.oneof(
    fc.constant(''),
    fc.stringMatching(/^[0-9]{1,9}$/),
    fc.stringMatching(/^[0-9]{10,300}$/),
    fc.integer({ min: 1, max: 300 }).map((n) => '9'.repeat(n)),
  ),
  offset: fc.oneof(
    fc.constantFrom('Z', 'z', '+15:59', '-15:59', '+00:00', '-00:00'),
    fc
      .tuple(fc.constantFrom('+', '-'), padded(0, 15, 2), padded(0, 59, 2))
      .map(([sign, h, m]) => `${sign}${h}:${m}`),
  ),
});

function text(p: Parts): string {
  return `${p.year}-${p.month}-${p.day}${p.separator}${p.hour}:${p.minute}:${p.second}${p.fraction ? `.${p.fraction}` : ''}${p.offset}`;
}

/**
 * The instant a string names, in microseconds, computed here independently of PostgreSQL: a leap second
 * is the minute's last microsecond; a fraction is rounded to microseconds (within 1 of PostgreSQL's).
 */
function expectedMicros(p: Parts): bigint {
  const date = new Date(0);
  date.setUTCFullYear(Number(p.year), Number(p.month) - 1, Number(p.day));
  const leap = p.second === '60';
  date.setUTCHours(Number(p.hour), Number(p.minute), leap ? 59 : Number(p.second), 0);
  let micros = BigInt(date.getTime()) * 1000n;
  if (leap) micros += 999_999n;
  else micros += BigInt(Math.round(Number(`0.${(p.fraction || '0').slice(0, 9)}`) * 1e6));
  if (/^[+-]/.test(p.offset)) {
    const minutes = BigInt(Number(p.offset.slice(1, 3)) * 60 + Number(p.offset.slice(4, 6)));
    micros += (p.offset.startsWith('+') ? -1n : 1n) * minutes * 60_000_000n;
  }
  return micros;
}

describe('timestamps the check accepts', () => {
  it('are all stored by PostgreSQL, as the instant they name', async () => {
    const pool = db.createPool(1);
    try {
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(parts, { minLength: 100, maxLength: 100 }), async (samples) => {
          const accepted = samples.filter((p) => isRfc3339DateTime(text(p)));
          const { rows } = await pool.query<{ cast: string }>(
            'SELECT test_cast_timestamptz(s) AS cast FROM unnest($1::text[]) WITH ORDINALITY AS u (s, n) ORDER BY n',
            [accepted.map((p) => storableTimestamp(text(p)))],
          );
          checked += accepted.length;
          accepted.forEach((p, i) => {
            const cast = rows[i]!.cast;
            if (cast.startsWith('refused')) throw new Error(`${text(p)} is accepted but PostgreSQL ${cast}`);
            const off = BigInt(cast) - expectedMicros(p);
            if (off > 1n || off < -1n) throw new Error(`${text(p)} was stored as ${cast} µs, ${off} µs away`);
          });
        }),
        { numRuns: 200 },
      );
      // Most samples are valid dates (the rest are days past their month's end).
      expect(checked).toBeGreaterThan(15_000);
    } finally {
      await pool.end();
    }
  });

  it('reach the database from the API: leap seconds and long fractions are stored, not refused', async () => {
    const app = await buildTestApp(db);
    try {
      const timestamps = [
        `2024-05-01T12:00:00.${'1'.repeat(200)}Z`,
        '2016-12-31T23:59:60.5Z',
        '2016-12-31T23:59:60Z',
        '9999-12-31T23:59:60.999-15:59',
      ];
      const response = await app.inject({
        method: 'POST',
        url: '/v1/ingestions',
        payload: { tenantId: 't', events: timestamps.map((timestamp) => event({ timestamp })) },
      });
      expect(response.statusCode).toBe(202);
      const pool = db.createPool(1);
      const { rows } = await pool.query<{ at: string }>(
        `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at
         FROM raw_events WHERE job_id = $1 ORDER BY seq`,
        [response.json<{ jobId: string }>().jobId],
      );
      await pool.end();
      expect(rows.map((row) => row.at)).toEqual([
        '2024-05-01 12:00:00.111111',
        '2016-12-31 23:59:59.999999',
        '2016-12-31 23:59:59.999999',
        '10000-01-01 15:58:59.999999',
      ]);
    } finally {
      await app.close();
    }
  });

  it('and those it refuses are a 400 naming events[i].timestamp', async () => {
    const app = await buildTestApp(db);
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/ingestions',
        payload: {
          tenantId: 't',
          events: [
            event(),
            event({ timestamp: '0000-01-01T00:00:00Z' }),
            event({ timestamp: '2024-05-01T12:00:00+16:00' }),
          ],
        },
      });
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json<{ errors: object }>().errors).sort()).toEqual([
        'events[1].timestamp',
        'events[2].timestamp',
      ]);
    } finally {
      await app.close();
    }
  });
});
