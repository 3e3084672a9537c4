// What the admin API's indexes (migration 003, reshaped by 011 and 017) cost: the main ingest (100-event batches, 32
// connections) and a one-worker drain, each with the indexes in place and with them dropped, in rotating
// order so drift on a shared machine hits both alike. The definitions are read from the database and
// replayed, so the bench always measures the indexes the migration made.
import type pg from 'pg';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad } from '../loadGenerator.js';
import { startApi, startWorker } from '../serviceProcesses.js';
import { median } from './metricsCost.js';

// What is left of the admin indexes since migration 017: on finished jobs, the status list's B-tree, the
// tenant list's B-tree (which a tenant's own GET /v1/ingestions reads too) and a BRIN index; the
// unfinished partition has none.
const adminIndexes = [
  'ingestion_jobs_finished_status_created_tenant_idx',
  'ingestion_jobs_finished_tenant_status_created_idx',
  'ingestion_jobs_finished_processed_brin',
];

export interface AdminIndexRun {
  indexes: boolean;
  /** Events/s stored by the API. */
  ingestPerSec: number;
  /** Jobs/s drained by one worker. */
  drainPerSec: number;
}

export interface AdminIndexFigures {
  runs: AdminIndexRun[];
  drainJobs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ingest(databaseUrl: string, client: pg.Client, seconds: number): Promise<number> {
  await resetTables(client);
  const api = await startApi(databaseUrl);
  try {
    const body = batchBody(100);
    await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds: 2 });
    await resetTables(client);
    const result = await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds });
    return (result.accepted * 100) / result.seconds;
  } finally {
    await api.stop();
  }
}

async function drain(databaseUrl: string, client: pg.Client, jobs: number): Promise<number> {
  await resetTables(client);
  await insertOneEventJobs(client, jobs);
  const worker = await startWorker(databaseUrl);
  const started = performance.now();
  try {
    while ((await backlog(client)) > 0) await sleep(20);
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await worker.stop();
  }
}

export async function adminIndexCostWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { rounds: number; ingestSeconds: number; drainJobs: number },
): Promise<AdminIndexFigures> {
  const { rows } = await client.query<{ indexdef: string }>(
    'SELECT indexdef FROM pg_indexes WHERE indexname = ANY ($1)',
    [adminIndexes],
  );
  if (rows.length !== adminIndexes.length) throw new Error(`expected the indexes ${adminIndexes.join(', ')}`);
  const setIndexes = async (present: boolean) => {
    for (const name of adminIndexes) await client.query(`DROP INDEX IF EXISTS ${name}`);
    if (present) for (const { indexdef } of rows) await client.query(indexdef);
  };
  const runs: AdminIndexRun[] = [];
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      for (const indexes of round % 2 === 0 ? [true, false] : [false, true]) {
        await resetTables(client);
        await setIndexes(indexes);
        runs.push({
          indexes,
          ingestPerSec: await ingest(databaseUrl, client, options.ingestSeconds),
          drainPerSec: await drain(databaseUrl, client, options.drainJobs),
        });
      }
    }
  } finally {
    await resetTables(client);
    await setIndexes(true);
  }
  return { runs, drainJobs: options.drainJobs };
}

/** Medians with and without the indexes, and with/without ratios (below 1: the indexes cost that much). */
export function adminIndexCostSummary(figures: AdminIndexFigures) {
  const side = (indexes: boolean) => {
    const chosen = figures.runs.filter((run) => run.indexes === indexes);
    return {
      ingest: median(chosen.map((run) => run.ingestPerSec)),
      drain: median(chosen.map((run) => run.drainPerSec)),
    };
  };
  const withIndexes = side(true);
  const without = side(false);
  return {
    withIndexes,
    without,
    ingestRatio: withIndexes.ingest / without.ingest,
    drainRatio: withIndexes.drain / without.drain,
  };
}
