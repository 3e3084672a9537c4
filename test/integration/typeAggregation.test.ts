// The template's aggregation exists twice: as one GROUP BY inside the completion statement (the default,
// jobsSucceed.sql) and in TypeScript as the processing seam's worked example (src/processing/
// typeAggregation.ts). On any job, both must give the same results.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { jobEventsRead } from '../../src/data/jobEvents.js';
import { resultsFind } from '../../src/data/ingestionStore.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { instantText } from '../../src/domain/timestamp.js';
import { typeAggregation } from '../../src/processing/typeAggregation.js';
import { insertJob, type TestEvent } from '../support/jobs.js';
import { processStoredJob } from '../support/processing.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(2);
afterAll(() => pool.end());

/** Aggregates the job both ways (TypeScript first, since SQL completes the job) and returns both. */
async function bothWays(events: readonly TestEvent[], pageSize?: number) {
  const id = await insertJob(pool, events);
  const [claimed] = await jobsClaim(pool, 'property-test', 1, 60);
  expect(claimed?.id).toBe(id);
  const typescript = await processStoredJob(pool, typeAggregation, id, pageSize ? { pageSize } : {});
  expect((await jobsSucceed(pool, 'property-test', [id])).succeeded).toEqual(new Set([id]));
  const stored = await resultsFind(pool, id);
  const sql = stored!.results.map((r) => ({
    eventType: r.eventType,
    count: r.count,
    firstTimestamp: instantText(r.firstMicros),
    lastTimestamp: instantText(r.lastMicros),
  }));
  return { typescript, sql };
}

// Few types, differing in case (and in scripts whose case rules differ), few instants down to the
// microsecond: groups merge, first casings compete, and timestamps are often equal.
const type = fc.constantFrom(
  'clicked',
  'Clicked',
  'CLICKED',
  'viewed',
  'VIEWED',
  'ΟΔΟΣ',
  'οδος',
  'ǅ',
  'ǆ',
  '😀a',
  'ｂ',
);
const timestamp = fc
  .record({
    second: fc.integer({ min: 0, max: 2 }),
    fraction: fc.constantFrom('', '.5', '.000001', '.123456', '.999999', '.123'),
    year: fc.constantFrom('2024', '1999'),
  })
  .map(({ second, fraction, year }) => `${year}-05-01T12:00:0${second}${fraction}Z`);
const events = fc.array(fc.record({ type, timestamp }), { minLength: 1, maxLength: 80 });

describe('the aggregation in TypeScript', () => {
  it('gives the results of the aggregation in SQL on random jobs', async () => {
    await fc.assert(
      fc.asyncProperty(events, fc.integer({ min: 1, max: 20 }), async (jobEvents, pageSize) => {
        const { typescript, sql } = await bothWays(jobEvents, pageSize);
        expect(typescript).toEqual(sql);
      }),
      { numRuns: 40 },
    );
  });

  it('gives the results of the aggregation in SQL on a job of many events, read over several pages', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      type: ['a', 'A', 'b', 'B', 'c'][(i * 7) % 5]!,
      timestamp: `2024-05-01T12:${String(i % 60).padStart(2, '0')}:00.${String((i * 37) % 1_000_000).padStart(6, '0')}Z`,
    }));
    const { typescript, sql } = await bothWays(many);
    expect(sql).toHaveLength(3);
    expect(typescript).toEqual(sql);
  });

  it('reads the events in submission order, one page at a time', async () => {
    const id = await insertJob(
      pool,
      Array.from({ length: 2500 }, (_, i) => ({ type: `t${i}`, timestamp: '2024-05-01T12:00:00Z' })),
    );
    const seqs: number[] = [];
    for await (const event of jobEventsRead(pool, id, { pageSize: 1000 })) {
      expect(event.type).toBe(`t${event.seq - 1}`);
      seqs.push(event.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    await pool.query("UPDATE ingestion_jobs SET status = 'Failed', processed_at = now() WHERE id = $1", [id]);
  });
});
