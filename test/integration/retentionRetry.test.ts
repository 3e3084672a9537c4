// An operator's retry of a Failed job against a retention pass dropping that job's partition: the two
// exclude each other, so a retried job either keeps its events or is not retried at all, and a
// partition left half-detached or detached-but-not-dropped with an unfinished job's events in it is put
// back rather than left out of sight or dropped. On a sped-up clock, as in maintenance.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJobRetry } from '../../src/data/adminJobActions.js';
import {
  EventsBeingDroppedError,
  eventsDropLockRelease,
  eventsDropLockTake,
  queryUnderEventsDropLock,
} from '../../src/data/eventsDropLock.js';
import { sqlStatement } from '../../src/data/sql.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { droppingComment } from '../../src/data/partitionStore.js';
import { dailyPartitionName, utcDayStart } from '../../src/domain/partitionPlan.js';
import {
  maintenanceDefaults,
  runMaintenancePass,
  type MaintenanceSettings,
} from '../../src/maintenance/maintenancePass.js';
import { eventually, jobRows } from '../support/jobs.js';
import { noonOfDay, partitionNames, simulatedJob, writeSimulatedJobs } from '../support/simulatedJobs.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(4);
const passPool = db.createPool(2, { applicationName: 'maintenance-race' });
const dayMs = 86_400_000;
const retryStatement = sqlStatement('adminJobRetry').text;
const settings: MaintenanceSettings = {
  ...maintenanceDefaults,
  rawEventRetentionDays: 30,
  jobRetentionDays: 0,
};
const today = utcDayStart(new Date());
const noon = noonOfDay;
/** A time at which day `d`'s partition is past retention. */
const expiredAt = (d: number) => new Date(noon(d).getTime() + 31 * dayMs);

afterAll(async () => {
  await Promise.all([pool.end(), passPool.end()]);
});

/** A Failed job accepted at noon of day `d`, with its two events in that day's partition. */
async function failedJobOn(d: number): Promise<string> {
  const job = simulatedJob('Failed', noon(d), new Date(noon(d).getTime() + 60_000));
  await writeSimulatedJobs(pool, [job]);
  return job.id;
}

async function eventsOf(id: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM raw_events WHERE job_id = $1',
    [id],
  );
  return rows[0]!.n;
}

/** Completes a job as a worker would, and says what the completion did with it. */
async function completeAsWorker(id: string) {
  const claimed = await jobsClaim(pool, 'race-worker', 50, 30);
  expect(claimed.map((job) => job.id)).toContain(id);
  return jobsSucceed(pool, 'race-worker', [id]);
}

beforeAll(async () => {
  // The partitions from today on, so that every day the tests use has one.
  expect(await partitionNames(pool)).toContain(dailyPartitionName(new Date(today.getTime() + 7 * dayMs)));
});

describe('a retry racing a retention pass', () => {
  it('waits while the pass detaches the partition, then finds the events gone and is refused', async () => {
    const id = await failedJobOn(1);
    let retry: Promise<boolean> | undefined;
    let waited = false;
    const report = await runMaintenancePass(passPool, settings, {
      now: expiredAt(1),
      beforeDetach: async (partition) => {
        if (partition !== dailyPartitionName(new Date(today.getTime() + dayMs))) return;
        retry = adminJobRetry(pool, id);
        // The retry waits for the pass to be done with the partition.
        waited = await eventually(async () => {
          const { rows } = await pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
          );
          return rows[0]!.n > 0;
        }, 2000);
      },
    });
    expect(waited).toBe(true);
    expect(await retry).toBe(false);
    expect(report.dropped).toContain(dailyPartitionName(new Date(today.getTime() + dayMs)));
    expect((await jobRows(pool, [id]))[0]!.status).toBe('Failed');
  });

  it('keeps the partition of a job retried before the pass looked', async () => {
    const id = await failedJobOn(2);
    expect(await adminJobRetry(pool, id)).toBe(true);
    const report = await runMaintenancePass(passPool, settings, { now: expiredAt(2) });
    expect(report.kept).toContain(dailyPartitionName(new Date(today.getTime() + 2 * dayMs)));
    expect(await completeAsWorker(id)).toEqual({ succeeded: new Set([id]), incomplete: [] });
    expect(await runMaintenancePass(passPool, settings, { now: expiredAt(2) })).toMatchObject({ kept: [] });
  });
});

describe('the lock retries share', () => {
  it('refuses a retry that waited too long for a pass, retrying nothing', async () => {
    const id = await failedJobOn(5);
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await eventsDropLockTake(holder, 1000);
      await expect(
        queryUnderEventsDropLock(pool, { text: retryStatement, values: [id] }, 200),
      ).rejects.toBeInstanceOf(EventsBeingDroppedError);
      expect((await jobRows(pool, [id]))[0]!.status).toBe('Failed');
      await eventsDropLockRelease(holder);
      // The pass's transaction goes on, lock released: the retry gets through.
      expect(await adminJobRetry(pool, id)).toBe(true);
      await holder.query('ROLLBACK');
    } finally {
      holder.release();
    }
    await pool.query("UPDATE ingestion_jobs SET status = 'Failed', processed_at = now() WHERE id = $1", [id]);
  });
});

describe('partitions an earlier pass left half-way', () => {
  it('puts back a kept partition whose detach was left pending, so its unfinished job reads its events', async () => {
    const id = await failedJobOn(3);
    const name = dailyPartitionName(new Date(today.getTime() + 3 * dayMs));
    // A reader's open transaction holds the detach past its lock timeout: the partition is left
    // "detach pending", out of sight of new queries.
    const reader = await pool.connect();
    await reader.query('BEGIN; SELECT count(*) FROM raw_events');
    const held = await runMaintenancePass(
      passPool,
      { ...settings, lockTimeoutMs: 300 },
      { now: expiredAt(3) },
    );
    await reader.query('COMMIT');
    reader.release();
    expect(held.deferred).toEqual([{ step: 'detach', partition: name }]);
    expect(await eventsOf(id)).toBe(0);
    // The job became unfinished meanwhile, as a retry of a build without the lock could leave it.
    await pool.query(
      "UPDATE ingestion_jobs SET status = 'Pending', processed_at = NULL, available_at = now() WHERE id = $1",
      [id],
    );

    const report = await runMaintenancePass(passPool, settings, { now: expiredAt(3) });
    expect(report).toMatchObject({ restored: [name], kept: [name], dropped: [] });
    expect(await eventsOf(id)).toBe(2);
    expect(await completeAsWorker(id)).toEqual({ succeeded: new Set([id]), incomplete: [] });
    expect((await runMaintenancePass(passPool, settings, { now: expiredAt(3) })).dropped).toEqual([name]);
  });

  it('puts back a detached leftover holding an unfinished job’s events instead of dropping it', async () => {
    const id = await failedJobOn(4);
    const name = dailyPartitionName(new Date(today.getTime() + 4 * dayMs));
    // A pass stopped between its detach and its drop, and the job was made Pending meanwhile.
    await pool.query(`COMMENT ON TABLE ${name} IS '${droppingComment}'`);
    await pool.query(`ALTER TABLE raw_events DETACH PARTITION ${name}`);
    await pool.query(
      "UPDATE ingestion_jobs SET status = 'Pending', processed_at = NULL, available_at = now() WHERE id = $1",
      [id],
    );

    const report = await runMaintenancePass(passPool, settings, { now: expiredAt(4) });
    expect(report.restored).toEqual([name]);
    expect(report.kept).toContain(name);
    expect(report.dropped).not.toContain(name);
    expect(await partitionNames(pool)).toContain(name);
    expect(await eventsOf(id)).toBe(2);
    const { rows } = await pool.query<{ c: string | null }>(
      `SELECT obj_description('${name}'::regclass) AS c`,
    );
    expect(rows[0]!.c).toBeNull();
    expect(await completeAsWorker(id)).toEqual({ succeeded: new Set([id]), incomplete: [] });
  });
});
