// Issue 13, part 2: time partitions and retention. A year of days runs through maintenance passes on a
// sped-up clock; two passes at once; `npm run maintenance` and worker processes as an operator runs them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyPartitionName } from '../../src/domain/partitionPlan.js';
import {
  maintenanceDefaults,
  runMaintenancePass,
  type MaintenanceSettings,
} from '../../src/maintenance/maintenancePass.js';
import type { PassReport } from '../../src/maintenance/passReport.js';
import { droppingComment } from '../../src/data/partitionStore.js';
import { startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import {
  finishSimulatedJob,
  partitionNames,
  simulatedJob,
  writeSimulatedJobs,
  type SimulatedJob,
} from '../support/simulatedJobs.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(3);
const started: ServiceProcess[] = [];
const dayMs = 86_400_000;

const settings: MaintenanceSettings = {
  ...maintenanceDefaults,
  rawEventRetentionDays: 30,
  jobRetentionDays: 20,
  // Small, so that deleting a day's jobs takes several statements.
  deleteBatchSize: 3,
};

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await pool.end();
});

/** The first day with a daily partition: the day migration 007 ran (its before_ partition ends there). */
let upgradeDay: Date;
beforeAll(async () => {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'raw_events'::regclass AND c.relname LIKE 'raw_events_before_%'`,
  );
  const [digits] = rows.map((row) => row.name.slice(-8));
  upgradeDay = new Date(`${digits!.slice(0, 4)}-${digits!.slice(4, 6)}-${digits!.slice(6, 8)}T00:00:00Z`);
});

/** Drops the newest daily partition, so that a pass has one to create. */
async function dropNewestPartition(): Promise<string> {
  const newest = (await partitionNames(pool)).filter((name) => /_p\d{8}$/.test(name)).at(-1)!;
  await pool.query(`DROP TABLE ${newest}`);
  return newest;
}

describe('maintenance passes on the real clock', () => {
  it('run one at a time: a pass while another holds the lock skips, the holder does the work', async () => {
    const missing = await dropNewestPartition();
    const first = db.createPool(2, { applicationName: 'maintenance-first' });
    const second = db.createPool(2, { applicationName: 'maintenance-second' });
    let secondReport: PassReport | undefined;
    let holder: { backend_xid: string | null; backend_xmin: string | null } | undefined;
    const firstReport = await runMaintenancePass(first, settings, {
      afterLock: async () => {
        secondReport = await runMaintenancePass(second, settings);
        const { rows } = await pool.query(
          `SELECT backend_xid, backend_xmin FROM pg_stat_activity
           WHERE application_name = 'maintenance-first' AND state = 'idle in transaction'`,
        );
        holder = rows[0];
      },
    });
    expect(secondReport).toMatchObject({ ran: false, created: [] });
    expect(firstReport).toMatchObject({ ran: true, created: [missing], dropped: [], deferred: [] });
    expect(await partitionNames(pool)).toContain(missing);
    // The lock's transaction holds back neither vacuum nor anything else: no xid, no snapshot.
    if (!db.behindPooler) expect(holder).toEqual({ backend_xid: null, backend_xmin: null });
    // Once the first pass is over, the lock is free again.
    expect((await runMaintenancePass(second, settings)).ran).toBe(true);
    await Promise.all([first.end(), second.end()]);
  });

  it('stops at its next step when the process is stopping, and leaves the lock free', async () => {
    const missing = await dropNewestPartition();
    const passPool = db.createPool(2);
    const stopped = await runMaintenancePass(passPool, settings, { shouldStop: () => true });
    expect(stopped).toMatchObject({ ran: true, interrupted: true, created: [] });
    expect(await partitionNames(pool)).not.toContain(missing);
    const next = await runMaintenancePass(passPool, settings);
    expect(next).toMatchObject({ ran: true, interrupted: false, created: [missing] });
    await passPool.end();
  });

  it('npm run maintenance runs one pass and prints what it did', async () => {
    const missing = await dropNewestPartition();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/entry/maintenance.ts'],
      { env: { PATH: process.env.PATH ?? '', ...db.env } },
    );
    expect(stdout).toContain(`created ${missing}`);
    expect(stdout).toContain('dropped nothing');
    expect(stdout).toMatch(/deleted 0 finished jobs/);
    expect(stdout).toMatch(/partitions accept events until \d{4}-\d{2}-\d{2} 00:00 UTC/);
    expect(await partitionNames(pool)).toContain(missing);
  });

  it('runs in worker processes every MAINTENANCE_INTERVAL_SECONDS, one of them doing the work', async () => {
    const missing = await dropNewestPartition();
    const workers = [0, 1].map(() =>
      startProcess('src/entry/worker.ts', { ...db.env, MAINTENANCE_INTERVAL_SECONDS: '1' }),
    );
    started.push(...workers);
    await Promise.all(workers.map((worker) => waitForOutput(worker, /worker started/)));
    await waitForOutput(
      { ...workers[0]!, output: () => workers.map((worker) => worker.output()).join('') },
      new RegExp(`"msg":"maintenance pass".*${missing}|${missing}.*"msg":"maintenance pass"`),
    );
    expect(await partitionNames(pool)).toContain(missing);
    // The next passes find nothing to do; a stop lets a pass under way finish its step and exits 0.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await Promise.all(workers.map((worker) => worker.stop('SIGTERM')))).toEqual([0, 0]);
    const created = workers.filter((worker) => worker.output().includes(`"created":["${missing}"]`));
    expect(created).toHaveLength(1);
  });
});

describe('a year of days on a sped-up clock', () => {
  /** Day `d` counted from the upgrade day; noon, so that the day's jobs are accepted that day. */
  const dayStart = (d: number) => new Date(upgradeDay.getTime() + d * dayMs);
  const noon = (d: number) => new Date(dayStart(d).getTime() + dayMs / 2);
  const hours = (time: Date, h: number) => new Date(time.getTime() + h * 3_600_000);

  it('creates partitions ahead, drops them after retention, and deletes jobs only once their events are gone', async () => {
    const passPool = db.createPool(2, { applicationName: 'maintenance-year' });
    /** Each job with the day it was accepted and when it finished (day number, fractional). */
    const jobs = new Map<string, { day: number; finishedAt: number | null; finishesOn: number | null }>();
    const remember = (job: SimulatedJob, day: number, finishesOn: number | null = null) =>
      jobs.set(job.id, {
        day,
        finishedAt: job.processedAt ? (job.processedAt.getTime() - upgradeDay.getTime()) / dayMs : null,
        finishesOn,
      });
    // Jobs that finish on a later day than they were accepted: id, that day and how they end.
    const finishing: Array<{ id: string; on: number; status: 'Succeeded' | 'Failed' }> = [];

    // A job from before the upgrade, in the before_ partition: nothing may be deleted while it is kept.
    const old = simulatedJob('Succeeded', hours(dayStart(-3), 5), hours(dayStart(-3), 6));
    await writeSimulatedJobs(pool, [old]);
    remember(old, -3);
    // A table that looks like a partition a pass left behind, but has no mark: an operator's; never dropped.
    await pool.query('CREATE TABLE raw_events_p19990101 (LIKE raw_events)');

    const beforeName = (await partitionNames(pool)).find((name) => name.startsWith('raw_events_before_'))!;
    const name = (d: number) => (d < 0 ? beforeName : dailyPartitionName(dayStart(d)));
    /** Days whose partition is gone (−1: the before_ partition). */
    const gone = new Set<number>();
    const reports: PassReport[] = [];
    const failedOn = new Map<number, string>();

    for (let day = 0; day < 365; day += 1) {
      const now = noon(day);
      for (const job of finishing.filter((f) => f.on === day)) {
        await finishSimulatedJob(pool, job.id, job.status, hours(now, -0.5));
        jobs.get(job.id)!.finishedAt = day + 0.5 - 0.5 / 24;
      }
      const today: SimulatedJob[] = [
        simulatedJob('Succeeded', hours(now, -1), now),
        simulatedJob('Failed', hours(now, -2), now),
      ];
      for (const job of today) remember(job, day);
      failedOn.set(day, today[1]!.id);
      const later = (status: 'Pending' | 'Processing', on: number, end: 'Succeeded' | 'Failed') => {
        const job = simulatedJob(status, hours(now, -3));
        today.push(job);
        remember(job, day, on);
        finishing.push({ id: job.id, on, status: end });
      };
      // Every tenth day a job that finishes 25 days later: job retention, not events, decides its end.
      if (day % 10 === 5) later('Pending', day + 25, 'Succeeded');
      // Unfinished for 60 and 50 days: their partitions (and all later ones) must stay until they finish.
      if (day === 40) later('Pending', 100, 'Succeeded');
      if (day === 150) later('Processing', 200, 'Failed');
      await writeSimulatedJobs(pool, today);

      // Day 50: a reader's open transaction holds up the detach past a short lock timeout; the partition
      // is left "detach pending" and the next pass finalizes it.
      const reader = day === 50 ? await pool.connect() : undefined;
      if (reader) await reader.query('BEGIN; SELECT count(*) FROM raw_events');
      // Day 59: a pass that stopped between its detach and its drop left a marked table behind.
      if (day === 59) {
        await pool.query(`COMMENT ON TABLE ${name(28)} IS '${droppingComment}'`);
        await pool.query(`ALTER TABLE raw_events DETACH PARTITION ${name(28)}`);
      }
      const report = await runMaintenancePass(
        passPool,
        reader ? { ...settings, lockTimeoutMs: 300 } : settings,
        {
          now,
        },
      );
      if (reader) {
        await reader.query('COMMIT');
        reader.release();
      }
      reports.push(report);

      // What should be gone now: every partition that ended more than 30 days ago, unless a job that is
      // not finished was accepted before its end; on day 50 the detach was held up.
      const unfinished = [...jobs.values()].filter((job) => job.finishesOn !== null && job.finishesOn > day);
      if (day !== 50) {
        for (let d = -1; d <= day - 31; d += 1) {
          if (!unfinished.some((job) => job.day <= d)) gone.add(d);
        }
      }
      const expectedPartitions = [-1, ...Array.from({ length: day + 8 }, (_, d) => d)]
        .filter((d) => !gone.has(d))
        .map(name)
        .sort();
      expect(await partitionNames(pool), `partitions after day ${day}: ${JSON.stringify(report)}`).toEqual(
        expectedPartitions,
      );

      // Jobs: finished more than 20 days ago, and accepted before the oldest partition left (none while
      // the before_ partition is kept).
      const oldestKept = [-1, ...Array.from({ length: day + 8 }, (_, d) => d)].find((d) => !gone.has(d))!;
      const expectedJobs = [...jobs]
        .filter(([, job]) => {
          const deletable =
            oldestKept >= 0 &&
            job.day < oldestKept &&
            job.finishedAt !== null &&
            (job.finishesOn === null || job.finishesOn <= day) &&
            job.finishedAt < day + 0.5 - 20;
          return !deletable;
        })
        .map(([id]) => id)
        .sort();
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM ingestion_jobs ORDER BY id');
      expect(
        rows.map((row) => row.id),
        `jobs after day ${day}`,
      ).toEqual(expectedJobs);
    }

    // Never a job deleted before its events, nor results or idempotency keys left without their job.
    const orphans = await pool.query(
      `SELECT (SELECT count(*) FROM raw_events e WHERE NOT EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.id = e.job_id))
            + (SELECT count(*) FROM ingestion_results r WHERE NOT EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.id = r.job_id))
            + (SELECT count(*) FROM ingestion_idempotency_keys k
               WHERE NOT EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.id = k.job_id))
            AS orphans`,
    );
    expect(Number(orphans.rows[0].orphans)).toBe(0);
    // What the passes said on the days that mattered.
    expect(reports[30]!.dropped).toEqual([beforeName]);
    expect(reports[50]!.deferred).toEqual([{ step: 'detach', partition: name(19) }]);
    expect(reports[51]).toMatchObject({ finalized: [name(19)], dropped: [name(19), name(20)] });
    expect(reports[59]!.dropped).toEqual([name(28)]);
    expect(reports[71]).toMatchObject({ kept: [name(40)], dropped: [] });
    expect(reports[99]!.kept).toHaveLength(99 - 31 - 40 + 1);
    expect(reports[100]!.dropped).toHaveLength(100 - 31 - 40 + 1);
    expect(reports[181]!.kept).toEqual([name(150)]);
    expect(reports.every((report) => report.ran && report.created.length <= 8)).toBe(true);
    expect(reports.reduce((sum, report) => sum + report.jobsDeleted, 0)).toBeGreaterThan(600);
    // An operator retries a Failed job just as its partition is being detached: the pass looks again
    // once it is detached and puts it back, events and all; it goes once the job has finished.
    const retried = failedOn.get(334)!;
    const racing = await runMaintenancePass(passPool, settings, {
      now: noon(365),
      beforeDetach: async (partition) => {
        if (partition === name(334))
          await pool.query(
            "UPDATE ingestion_jobs SET status = 'Pending', attempt = 0, processed_at = NULL WHERE id = $1",
            [retried],
          );
      },
    });
    expect(racing).toMatchObject({ dropped: [], kept: [name(334)] });
    expect(await partitionNames(pool)).toContain(name(334));
    const events = await pool.query('SELECT count(*)::int AS n FROM raw_events WHERE job_id = $1', [retried]);
    expect(events.rows[0].n).toBe(2);
    expect((await pool.query(`SELECT obj_description('${name(334)}'::regclass) AS c`)).rows[0].c).toBeNull();
    await finishSimulatedJob(pool, retried, 'Succeeded', noon(365));
    expect((await runMaintenancePass(passPool, settings, { now: noon(366) })).dropped).toEqual([
      name(334),
      name(335),
    ]);
    // An unmarked table that merely looks like ours is left alone.
    expect((await pool.query("SELECT to_regclass('raw_events_p19990101') AS t")).rows[0].t).not.toBeNull();
    await passPool.end();
  }, 240_000);
});
