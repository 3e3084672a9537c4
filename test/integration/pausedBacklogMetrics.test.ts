// The backlog's age that the alerts read (ingest_oldest_pending_job_timestamp_seconds) counts the jobs
// a worker may claim: a paused tenant's jobs, and every job while processing is paused, wait on purpose,
// and must not make IngestBacklogOld or IngestNoProgress page whoever paused them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsCountByStatus } from '../../src/data/jobCounts.js';
import { processingPause, processingResume, tenantPause, tenantResume } from '../../src/data/pauseStore.js';
import type { Pool } from '../../src/data/pool.js';
import { insertJob } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let pool: Pool;
beforeAll(() => {
  pool = db.createPool(2);
});
afterAll(async () => {
  await pool.end();
});

/** Stores a job of `tenantId` that has been due for `minutes`. */
async function dueFor(tenantId: string, minutes: number): Promise<void> {
  const id = await insertJob(pool, undefined, { tenantId });
  await pool.query(
    `UPDATE ingestion_jobs SET available_at = now() - make_interval(mins => $2) WHERE id = $1`,
    [id, minutes],
  );
}

const ageMinutes = async () => {
  const counts = await jobsCountByStatus(pool);
  return counts.oldestDueAt === undefined ? 0 : Math.round((counts.countedAt - counts.oldestDueAt) / 60);
};

describe('the oldest due job the metrics report', () => {
  it('leaves out the jobs of a paused tenant, and every job while processing is paused', async () => {
    await dueFor('held', 60);
    await dueFor('held', 50);
    await dueFor('flowing', 3);
    expect(await ageMinutes()).toBe(60);

    await tenantPause(pool, 'held');
    expect(await ageMinutes()).toBe(3);
    // The jobs are still counted as Pending: they are, and they wait.
    expect((await jobsCountByStatus(pool)).pending).toBe(3);

    await processingPause(pool);
    expect((await jobsCountByStatus(pool)).oldestDueAt).toBeUndefined();
    await processingResume(pool);
    expect(await ageMinutes()).toBe(3);

    await tenantResume(pool, 'held');
    expect(await ageMinutes()).toBe(60);
  });
});
