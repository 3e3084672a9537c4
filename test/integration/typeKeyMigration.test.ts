// Migration 002 re-keys the events of jobs accepted before the grouping key changed from lowercase to
// .NET's simple upper case, so they aggregate by the new rule; this holds its SQL equal to the service's
// own eventTypeKey, character for character, on PostgreSQL itself.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobInsert } from '../../src/data/idempotentInsert.js';
import { resultsFind } from '../../src/data/ingestionStore.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { bundledMigrations } from '../../src/data/migrate.js';
import type { Pool } from '../../src/data/pool.js';
import { aggregateEvents } from '../../src/domain/aggregation.js';
import { eventTypeKey } from '../../src/domain/eventTypeKey.js';
import { resultsWithDates } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();

/** Stores a job as the service did before the change: keys by JavaScript's toLowerCase(). */
async function insertLegacyJob(pool: Pool, types: readonly string[]): Promise<string> {
  const outcome = await jobInsert(pool, {
    id: randomUUID(),
    tenantId: 'legacy',
    maxAttempts: 5,
    eventCount: types.length,
    idempotencyKey: undefined,
    requestFingerprint: undefined,
    eventsJson: JSON.stringify(
      types.map((t) => ({ t, k: t.toLowerCase(), ts: '2024-05-01T12:00:00Z', p: null })),
    ),
  });
  return outcome.jobId;
}

const rekey = bundledMigrations().find((m) => m.name === 'type_key_simple_upper')!;

describe('migration 002 (type keys by simple upper case)', () => {
  it('re-keys unfinished jobs exactly as eventTypeKey does, and leaves finished ones alone', async () => {
    const pool = db.createPool(2);
    try {
      const sigma = ['ΟΔΟΣ', 'οδοσ', 'Οδος', 'clicked', 'Clicked'];
      const pending = await insertLegacyJob(pool, sigma);
      const random = fc.sample(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\0')),
        { numRuns: 3000, seed: 9 },
      );
      const randomJob = await insertLegacyJob(pool, random);
      // Every code point the mapping names, once: the two strings of the migration are checked whole.
      const everyMapped: string[] = [];
      for (let cp = 1; cp <= 0x10ffff; cp += 1) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const char = String.fromCodePoint(cp);
        if (eventTypeKey(char) !== char || char.toLowerCase() !== char) everyMapped.push(char);
      }
      const mappedJob = await insertLegacyJob(pool, everyMapped);
      const finished = await insertLegacyJob(pool, ['ΟΔΟΣ', 'οδοσ']);
      await pool.query("UPDATE ingestion_jobs SET status = 'Succeeded', processed_at = now() WHERE id = $1", [
        finished,
      ]);
      await pool.query(
        `INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
         VALUES ($1, 'ΟΔΟΣ', 'οδος', 1, now(), now()), ($1, 'οδοσ', 'οδοσ', 1, now(), now())`,
        [finished],
      );

      await pool.query(rekey.sql);

      const { rows } = await pool.query<{ type: string; type_key: string }>(
        'SELECT type, type_key FROM raw_events WHERE job_id = ANY($1::uuid[])',
        [[pending, randomJob, mappedJob]],
      );
      expect(rows).toHaveLength(sigma.length + random.length + everyMapped.length);
      const wrong = rows.filter((row) => row.type_key !== eventTypeKey(row.type));
      expect(wrong.slice(0, 10)).toEqual([]);

      // The job accepted before the upgrade now aggregates by the new rule.
      expect(await jobsClaim(pool, 'w', 10, 30)).toHaveLength(3);
      expect((await jobsSucceed(pool, 'w', [pending])).succeeded.size).toBe(1);
      expect(await resultsWithDates(pool, pending)).toEqual({
        status: 'Succeeded',
        results: aggregateEvents(
          sigma.map((type) => ({ type, timestamp: new Date('2024-05-01T12:00:00Z') })),
        ),
      });
      expect((await resultsFind(pool, pending))?.results.map((r) => [r.eventType, r.count])).toEqual([
        ['clicked', 2],
        ['ΟΔΟΣ', 3],
      ]);
      const { rows: kept } = await pool.query(
        'SELECT event_type, event_type_key FROM ingestion_results WHERE job_id = $1 ORDER BY event_type COLLATE "C"',
        [finished],
      );
      expect(kept).toEqual([
        { event_type: 'ΟΔΟΣ', event_type_key: 'οδος' },
        { event_type: 'οδοσ', event_type_key: 'οδοσ' },
      ]);
    } finally {
      await pool.end();
    }
  });
});
