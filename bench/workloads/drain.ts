// Workload 3: 20,000 pending one-event jobs, then 1, 2 or 4 worker processes start: jobs/s until the
// queue is empty. Baselines in the same run: a bare SKIP LOCKED loop, graphile-worker's no-op drain.
import type pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { runScript, startWorker, type ServiceProcess } from '../serviceProcesses.js';

export interface DrainRow {
  processes: number;
  jobsPerSec: number;
  workerPeakRssMb: number;
  bareLimit1PerSec: number;
  bareBatchPerSec: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The worker settings the bench runs with: the service's defaults unless the environment says else. */
export function workerSettings() {
  const { concurrency, batchSize } = loadConfig(process.env).worker;
  return { concurrency, batchSize };
}

async function drainOnce(databaseUrl: string, client: pg.Client, processes: number, jobs: number) {
  await resetTables(client);
  await insertOneEventJobs(client, jobs);
  let started = Infinity;
  const workers: ServiceProcess[] = await Promise.all(
    Array.from({ length: processes }, () =>
      startWorker(databaseUrl).then((worker) => {
        started = Math.min(started, performance.now());
        return worker;
      }),
    ),
  );
  try {
    while ((await backlog(client)) > 0) await sleep(20);
    const seconds = (performance.now() - started) / 1000;
    const workerPeakRssMb = Math.max(...workers.map((worker) => worker.peakRssMb()));
    const { rows } = await client.query<{ succeeded: number; results: number }>(
      `SELECT (SELECT count(*) FROM ingestion_jobs WHERE status = 'Succeeded')::int AS succeeded,
              (SELECT count(*) FROM ingestion_results)::int AS results`,
    );
    if (rows[0]!.succeeded !== jobs || rows[0]!.results !== jobs)
      throw new Error(`drain ended with ${JSON.stringify(rows[0])} of ${jobs}`);
    return { jobsPerSec: jobs / seconds, workerPeakRssMb };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function drainWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { jobs: number; repeats: number; bareLimit1: boolean },
): Promise<{ rows: DrainRow[]; graphilePerSec: number | string }> {
  const { concurrency, batchSize } = workerSettings();
  const rows: DrainRow[] = [];
  for (const processes of [1, 2, 4]) {
    const runs = [];
    const bare1 = [];
    const bareBatch = [];
    for (let i = 0; i < options.repeats; i += 1) {
      runs.push(await drainOnce(databaseUrl, client, processes, options.jobs));
      const bare = (limit: number) =>
        runScript<{ jobsPerSec: number }>('baselines/bareQueueDrain.ts', [
          databaseUrl,
          String(options.jobs),
          String(processes * concurrency),
          String(limit),
        ]).then((r) => r.jobsPerSec);
      bare1.push(options.bareLimit1 ? await bare(1) : NaN);
      bareBatch.push(await bare(Math.max(batchSize, 10)));
    }
    rows.push({
      processes,
      jobsPerSec: median(runs.map((r) => r.jobsPerSec)),
      workerPeakRssMb: Math.max(...runs.map((r) => r.workerPeakRssMb)),
      bareLimit1PerSec: median(bare1),
      bareBatchPerSec: median(bareBatch),
    });
  }
  await resetTables(client);
  let graphilePerSec: number | string;
  try {
    const runs = [];
    for (let i = 0; i < options.repeats; i += 1) {
      runs.push(
        (
          await runScript<{ jobsPerSec: number }>('baselines/graphileDrain.ts', [
            databaseUrl,
            String(options.jobs),
            '10',
          ])
        ).jobsPerSec,
      );
    }
    graphilePerSec = median(runs);
  } catch (error) {
    graphilePerSec = `failed: ${(error as Error).message.split('\n')[0]}`;
  }
  return { rows, graphilePerSec };
}
