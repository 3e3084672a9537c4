// Workload 3: 20,000 pending one-event jobs, then 1, 2 or 4 worker processes start: jobs/s until the
// queue is empty. Baselines in the same run: a bare SKIP LOCKED loop, graphile-worker's no-op drain (its
// runs alternate with the one-process drains).
import type pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { cpuSeconds, followBackendCpu } from '../processCpu.js';
import { runScript, startWorker, type ServiceProcess } from '../serviceProcesses.js';

export interface DrainRow {
  processes: number;
  jobsPerSec: number;
  workerPeakRssMb: number;
  bareLimit1PerSec: number;
  bareBatchPerSec: number;
  /** CPU of the worker processes and of their PostgreSQL backends, µs per job (median of the runs). */
  workerCpuUsPerJob: number;
  databaseCpuUsPerJob: number;
  /** 1 process only: each run against the graphile-worker drain run right after it (median). */
  graphileRatio?: number;
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
  const backends = await followBackendCpu(client, 'ingest-worker%', 100);
  const workers: ServiceProcess[] = await Promise.all(
    Array.from({ length: processes }, () =>
      startWorker(databaseUrl).then((worker) => {
        started = Math.min(started, performance.now());
        return worker;
      }),
    ),
  );
  const cpuBefore = workers.map((worker) => cpuSeconds(worker.pid));
  try {
    while ((await backlog(client)) > 0) await sleep(20);
    const seconds = (performance.now() - started) / 1000;
    const workerCpu = workers.reduce((sum, worker, i) => sum + cpuSeconds(worker.pid) - cpuBefore[i]!, 0);
    const databaseCpu = (await backends.stop()).cpuSeconds;
    const workerPeakRssMb = Math.max(...workers.map((worker) => worker.peakRssMb()));
    const { rows } = await client.query<{ succeeded: number; results: number }>(
      `SELECT (SELECT count(*) FROM ingestion_jobs WHERE status = 'Succeeded')::int AS succeeded,
              (SELECT count(*) FROM ingestion_results)::int AS results`,
    );
    if (rows[0]!.succeeded !== jobs || rows[0]!.results !== jobs)
      throw new Error(`drain ended with ${JSON.stringify(rows[0])} of ${jobs}`);
    return {
      jobsPerSec: jobs / seconds,
      workerPeakRssMb,
      workerCpuUsPerJob: (workerCpu * 1e6) / jobs,
      databaseCpuUsPerJob: (databaseCpu * 1e6) / jobs,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** graphile-worker 0.17.3's no-op drain of the same number of jobs, one process, concurrency 10. */
async function graphileDrain(databaseUrl: string, client: pg.Client, jobs: number): Promise<number> {
  await resetTables(client);
  const { jobsPerSec } = await runScript<{ jobsPerSec: number }>('baselines/graphileDrain.ts', [
    databaseUrl,
    String(jobs),
    '10',
  ]);
  return jobsPerSec;
}

export async function drainWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { jobs: number; repeats: number; bareLimit1: boolean },
): Promise<{ rows: DrainRow[]; graphilePerSec: number | string }> {
  const { concurrency, batchSize } = workerSettings();
  const rows: DrainRow[] = [];
  const graphile: number[] = [];
  let graphileError: string | undefined;
  for (const processes of [1, 2, 4]) {
    const runs = [];
    const bare1 = [];
    const bareBatch = [];
    const ratios = [];
    for (let i = 0; i < options.repeats; i += 1) {
      runs.push(await drainOnce(databaseUrl, client, processes, options.jobs));
      // The reference, alternating with the service's own one-process drains.
      if (processes === 1 && graphileError === undefined) {
        try {
          graphile.push(await graphileDrain(databaseUrl, client, options.jobs));
          ratios.push(runs.at(-1)!.jobsPerSec / graphile.at(-1)!);
        } catch (error) {
          graphileError = `failed: ${(error as Error).message.split('\n')[0]}`;
        }
      }
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
      workerCpuUsPerJob: median(runs.map((r) => r.workerCpuUsPerJob)),
      databaseCpuUsPerJob: median(runs.map((r) => r.databaseCpuUsPerJob)),
      ...(ratios.length > 0 ? { graphileRatio: median(ratios) } : {}),
    });
  }
  await resetTables(client);
  await client.query('DROP SCHEMA IF EXISTS graphile_worker CASCADE');
  return { rows, graphilePerSec: graphileError ?? median(graphile) };
}
