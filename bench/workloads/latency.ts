// Workload 2: on an idle system, one-event jobs submitted one after another; acceptance → Succeeded
// (processed_at − created_at, both from the database clock).
import type pg from 'pg';
import { backlog, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { startApi, startWorker } from '../serviceProcesses.js';

export interface LatencyFigures {
  jobs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function latencyWorkload(databaseUrl: string, client: pg.Client, jobs: number) {
  await resetTables(client);
  const api = await startApi(databaseUrl);
  const worker = await startWorker(databaseUrl);
  try {
    const body = batchBody(1);
    // A few jobs first so both processes have connected and prepared their statements.
    for (let i = 0; i < jobs + 20; i += 1) {
      if (i === 20) {
        while ((await backlog(client)) > 0) await sleep(10);
        await resetTables(client);
      }
      const response = await fetch(`${api.url}/v1/ingestions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      await response.arrayBuffer();
      // Idle between jobs: each one finds the worker waiting.
      await sleep(20);
    }
    while ((await backlog(client)) > 0) await sleep(10);
    const { rows } = await client.query<LatencyFigures & { n: number; succeeded: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE status = 'Succeeded')::int AS succeeded,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS "p50Ms",
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS "p95Ms",
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS "p99Ms",
              max(ms)::float8 AS "maxMs"
       FROM (SELECT status, (extract(epoch FROM processed_at - created_at) * 1000)::float8 AS ms
             FROM ingestion_jobs) AS t`,
    );
    const row = rows[0]!;
    if (row.succeeded !== jobs) throw new Error(`${row.succeeded} of ${jobs} jobs succeeded`);
    return { jobs, p50Ms: row.p50Ms, p95Ms: row.p95Ms, p99Ms: row.p99Ms, maxMs: row.maxMs };
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}
