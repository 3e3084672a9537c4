// Workload 13: churn measured the simple way, as a user would try it: a database filled with N finished
// jobs (their events and results, vacuumed and analyzed: bench/churnFill.ts), then new one-event jobs
// stored with the service's own statement and ids (churn.ts's insertNewJobs) and drained once by one
// worker; against an empty database treated the same way. Each round makes its databases afresh: empty,
// full, empty, full, …, empty, so that each full drain is set against the empty drains either side of it
// (drift on a shared machine then hits both alike), and so that no full drain is other than the first
// after its fill.
import { loadavg } from 'node:os';
import pg from 'pg';
import { jobIdCreate } from '../../src/domain/jobId.js';
import { backlog } from '../benchDatabase.js';
import { openChurnDatabase } from '../churnFill.js';
import { cpuSeconds, followBackendCpu } from '../processCpu.js';
import { startApi, startWorker } from '../serviceProcesses.js';
import { insertNewJobs } from './churn.js';
import { median } from './metricsCost.js';

export interface ChurnSimpleRun {
  historyJobs: number;
  round: number;
  tables: 'empty' | 'full';
  jobsPerSec: number;
  /** CPU of the worker's PostgreSQL backends and of the worker process, µs per job. */
  databaseCpuUsPerJob: number;
  workerCpuUsPerJob: number;
  load1: number;
}

export interface ChurnSimpleFigures {
  drainJobs: number;
  runs: ChurnSimpleRun[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stores `jobs` new jobs in the database at `url` and drains them with one worker process, once. */
async function drainOnce(url: string, jobs: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await insertNewJobs(client, jobs, jobIdCreate);
    // As autovacuum would once that many rows arrived: the planner knows the new jobs.
    await client.query('VACUUM ANALYZE ingestion_jobs, raw_events');
    const load1 = loadavg()[0]!;
    const backends = await followBackendCpu(client, 'ingest-worker%', 100);
    const worker = await startWorker(url);
    const started = performance.now();
    const workerBefore = cpuSeconds(worker.pid);
    let seconds: number;
    let workerCpu: number;
    try {
      while ((await backlog(client)) > 0) await sleep(20);
      seconds = (performance.now() - started) / 1000;
      workerCpu = cpuSeconds(worker.pid) - workerBefore;
    } finally {
      await worker.stop();
    }
    const databaseCpu = (await backends.stop()).cpuSeconds;
    return {
      jobsPerSec: jobs / seconds,
      databaseCpuUsPerJob: (databaseCpu * 1e6) / jobs,
      workerCpuUsPerJob: (workerCpu * 1e6) / jobs,
      load1,
    };
  } finally {
    await client.end();
  }
}

/** A new empty database next to `benchUrl`, migrated; dropped by the returned function. */
async function emptyDatabase(benchUrl: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const server = new URL(benchUrl);
  server.pathname = '/postgres';
  const name = `ingest_bench_churn_empty_${process.pid}`;
  const url = new URL(benchUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  await (await startApi(url.toString())).stop();
  return {
    url: url.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function churnSimpleWorkload(
  benchUrl: string,
  options: { sizes: number[]; drainJobs: number; rounds: number; log?: (message: string) => void },
): Promise<ChurnSimpleFigures> {
  const runs: ChurnSimpleRun[] = [];
  const record = (run: ChurnSimpleRun) => {
    runs.push(run);
    options.log?.(
      `churnSimple ${run.historyJobs.toLocaleString('en-US')} round ${run.round + 1} ${run.tables}: ` +
        `${run.jobsPerSec.toFixed(0)} jobs/s, database ${run.databaseCpuUsPerJob.toFixed(1)} µs/job, load ${run.load1.toFixed(2)}`,
    );
  };
  for (const historyJobs of options.sizes) {
    for (let round = 0; round <= options.rounds; round += 1) {
      const empty = await emptyDatabase(benchUrl);
      try {
        record({ historyJobs, round, tables: 'empty', ...(await drainOnce(empty.url, options.drainJobs)) });
      } finally {
        await empty.dispose();
      }
      if (round === options.rounds) break;
      const full = await openChurnDatabase(benchUrl, { jobs: historyJobs, keep: false });
      try {
        record({ historyJobs, round, tables: 'full', ...(await drainOnce(full.url, options.drainJobs)) });
      } finally {
        await full.dispose();
      }
    }
  }
  return { drainJobs: options.drainJobs, runs };
}

/** Per history size: each full drain against the mean of the empty drains either side, and the median. */
export function churnSimpleSummary(figures: ChurnSimpleFigures) {
  const sizes = [...new Set(figures.runs.map((run) => run.historyJobs))];
  return sizes.map((historyJobs) => {
    const runs = figures.runs.filter((run) => run.historyJobs === historyJobs);
    const pairs = runs.flatMap((run, i) => {
      const [before, after] = [runs[i - 1], runs[i + 1]];
      if (run.tables !== 'full' || !before || !after) return [];
      const mean = (pick: (r: ChurnSimpleRun) => number) => (pick(before) + pick(after)) / 2;
      return [
        {
          speed: run.jobsPerSec / mean((r) => r.jobsPerSec),
          databaseCpu: run.databaseCpuUsPerJob / mean((r) => r.databaseCpuUsPerJob),
        },
      ];
    });
    return {
      historyJobs,
      ratios: pairs.map((pair) => pair.speed),
      ratio: median(pairs.map((pair) => pair.speed)),
      databaseCpuRatio: median(pairs.map((pair) => pair.databaseCpu)),
    };
  });
}
