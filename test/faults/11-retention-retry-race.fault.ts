// Retention passes racing operators' retries. Each round, Failed jobs sit in a partition a pass is about
// to drop; retries come over HTTP through a real API process while the pass runs (at random moments,
// some exactly as it detaches; every fourth round all before it), and real worker processes take every retried
// job at once. Some rounds a reader's open transaction holds the detach past its lock timeout, leaving
// the partition half-detached for the next pass. Every retried job must end with its full results, or
// Failed saying why; a refused retry must leave the job Failed with its events gone. Never Succeeded on
// fewer events than it was accepted with.
import { describe, expect, it } from 'vitest';
import { dailyPartitionName, utcDayStart } from '../../src/domain/partitionPlan.js';
import {
  maintenanceDefaults,
  runMaintenancePass,
  type MaintenanceSettings,
} from '../../src/maintenance/maintenancePass.js';
import { noonOfDay, simulatedJob, writeSimulatedJobs } from '../support/simulatedJobs.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { recordFigures } from './support/figures.js';
import { request, sleep } from './support/services.js';

const { db, pool, services } = useFaultDatabase(4);
const rounds = 10;
const jobsPerRound = 24;
const dayMs = 86_400_000;
const adminToken = 'fault-scenario-admin-token-11';
const settings: MaintenanceSettings = {
  ...maintenanceDefaults,
  rawEventRetentionDays: 30,
  jobRetentionDays: 0,
};
const today = utcDayStart(new Date());
const noon = noonOfDay;

interface JobState {
  status: string;
  event_count: number;
  error: string | null;
  events: number;
  results: number;
}

async function statesOf(ids: readonly string[]): Promise<Map<string, JobState>> {
  const { rows } = await pool.query<JobState & { id: string }>(
    `SELECT j.id, j.status, j.event_count, j.error,
            (SELECT count(*)::int FROM raw_events AS e WHERE e.job_id = j.id) AS events,
            (SELECT coalesce(sum(r.count), 0)::int FROM ingestion_results AS r WHERE r.job_id = j.id) AS results
     FROM ingestion_jobs AS j WHERE j.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map(({ id, ...state }) => [id, state]));
}

describe('retention passes racing retries', () => {
  it('ends every retried job with its full results or Failed saying why', async () => {
    const passPool = db.createPool(2, { applicationName: 'maintenance-scenario' });
    try {
      await race(passPool);
    } finally {
      await passPool.end();
    }
  });
});

async function race(passPool: ReturnType<typeof db.createPool>): Promise<void> {
  {
    // Partitions for every day the rounds use, made ahead as a pass would.
    await runMaintenancePass(passPool, { ...settings, daysAhead: rounds + 2 }, { now: noon(0) });
    const { base } = await services.api({ ADMIN_TOKEN: adminToken });
    await Promise.all(
      [0, 1].map(() =>
        services.worker({
          MAINTENANCE_INTERVAL_SECONDS: '0',
          WORKER_CONCURRENCY: '2',
          POLL_INTERVAL_MS: '100',
        }),
      ),
    );
    const retry = (id: string) =>
      request(`${base}/admin/jobs/${id}/retry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
        timeoutMs: 30_000,
      });

    const answers: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const wrong: string[] = [];
    const passes = { dropped: 0, kept: 0, deferred: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const day = round + 1;
      const partition = dailyPartitionName(new Date(today.getTime() + day * dayMs));
      const jobs = Array.from({ length: jobsPerRound }, () =>
        simulatedJob('Failed', noon(day), new Date(noon(day).getTime() + 60_000)),
      );
      await writeSimulatedJobs(pool, jobs);
      const ids = jobs.map((job) => job.id);
      await pool.query(
        "UPDATE ingestion_jobs SET error = 'failed before the race' WHERE id = ANY($1::uuid[])",
        [ids],
      );
      // Every third round a reader holds the detach past its lock timeout: a half-detached partition.
      const reader = round % 3 === 2 ? await pool.connect() : undefined;
      if (reader) await reader.query('BEGIN; SELECT count(*) FROM raw_events');
      const sent: Array<Promise<{ id: string; status: number }>> = [];
      const unsent = new Set<string>(ids);
      const volley = (some: readonly string[]) => {
        for (const id of some) {
          if (!unsent.delete(id)) continue;
          sent.push(retry(id).then((answer) => ({ id, status: answer.status })));
        }
      };
      // Every fourth round the retries all come first (the pass keeps the partition). Otherwise they
      // come as the pass is about to detach the partition, each at a random moment in the next 100 ms;
      // any not sent by the end of the pass (it stopped before that partition) are sent then.
      if (round % 4 === 3) volley(ids);
      const timers: Array<Promise<void>> = [];
      const report = await runMaintenancePass(
        passPool,
        reader ? { ...settings, lockTimeoutMs: 300 } : settings,
        {
          now: new Date(noon(day).getTime() + 31 * dayMs),
          beforeDetach: async (name) => {
            if (name !== partition) return;
            for (const id of unsent) timers.push(sleep(Math.random() * 100).then(() => volley([id])));
            await sleep(50);
          },
        },
      );
      if (reader) {
        await reader.query('COMMIT');
        reader.release();
      }
      passes.dropped += report.dropped.length;
      passes.kept += report.kept.length;
      passes.deferred += report.deferred.length;
      await Promise.all(timers);
      volley([...unsent]);
      const settled = await Promise.all(sent);
      for (const { status } of settled) answers[status] = (answers[status] ?? 0) + 1;
      const retried = new Set(settled.filter((a) => a.status === 200).map((a) => a.id));

      // Every job comes to rest: retried ones are run by the workers.
      let states = await statesOf(ids);
      for (let waited = 0; waited < 60_000; waited += 200) {
        if ([...states.values()].every((s) => s.status === 'Succeeded' || s.status === 'Failed')) break;
        await sleep(200);
        states = await statesOf(ids);
      }
      for (const [id, state] of states) {
        const kind =
          state.status === 'Succeeded'
            ? state.results === state.event_count
              ? 'succeeded with all results'
              : 'SUCCEEDED SHORT'
            : state.status === 'Failed'
              ? retried.has(id)
                ? /events/.test(state.error ?? '')
                  ? 'retried, then failed saying its events are missing'
                  : 'retried, then FAILED WITHOUT SAYING WHY'
                : state.events === 0
                  ? 'refused, events gone'
                  : 'refused, events kept'
              : `STILL ${state.status}`;
        outcomes[kind] = (outcomes[kind] ?? 0) + 1;
        if (/[A-Z]{4}/.test(kind)) wrong.push(`${id}: ${kind} ${JSON.stringify(state)}`);
      }
    }
    // One pass more finishes what the last round's may have left half-detached.
    const last = await runMaintenancePass(passPool, settings, { now: noon(rounds + 40) });

    recordFigures('11. retention passes racing retries', {
      rounds,
      jobs: rounds * jobsPerRound,
      retryAnswers: JSON.stringify(answers),
      outcomes: JSON.stringify(outcomes),
      partitionsDropped: passes.dropped + last.dropped.length,
      partitionsKept: passes.kept,
      stepsDeferred: passes.deferred,
      succeededShort: outcomes['SUCCEEDED SHORT'] ?? 0,
    });
    expect(wrong).toEqual([]);
    // Only 200 (retried), 409 (its events are gone) and 503 (waited too long for a pass) are answers.
    expect(Object.keys(answers).every((status) => ['200', '409', '503'].includes(status))).toBe(true);
    expect(answers['200'] ?? 0).toBeGreaterThan(0);
    expect(answers['409'] ?? 0).toBeGreaterThan(0);
  }
}
