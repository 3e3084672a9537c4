// Workload 7 (issue 12, fair queueing): tenant A has 20,000 one-event jobs pending when one worker
// process (default settings) starts; right after, tenant B submits 50 one-event jobs over HTTP, one
// every 20 ms. Measured: B's latency (acceptance → Succeeded, database clock) and how fast A's backlog
// drains. Baseline in the same run: the same, with the worker built with the claim before fair
// queueing (bench/baselines/jobsClaimFifo.sql), alternating runs.
import type pg from 'pg';
import { buildVariant } from '../buildService.js';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { eventAt } from '../batches.js';
import { backendCpuSeconds, cpuSeconds } from '../processCpu.js';
import { startApi, startWorker } from '../serviceProcesses.js';

/** One claim's figures, medians over the runs. */
export interface FairnessRow {
  claim: 'fair' | 'fifo';
  /** A's jobs per second, from the worker's start to A's last completion. */
  drainPerSec: number;
  /** CPU of the worker process and its PostgreSQL backends, per 1,000 jobs (A's and B's). */
  cpuMsPerThousand: number;
  bP50Ms: number;
  bP99Ms: number;
  bMaxMs: number;
  /** B's jobs accepted while A still had jobs to process (all of them, for the figures to mean anything). */
  bDuringBacklog: number;
}

export interface FairnessFigures {
  backlog: number;
  bJobs: number;
  runs: number;
  rows: FairnessRow[];
  /** fair / FIFO for each alternating pair of runs: A's drain rate, and CPU per job. */
  pairs: Array<{ drain: number; cpu: number }>;
}

const tenantA = 'bench';
const tenantB = 'bench-b';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function once(
  databaseUrl: string,
  client: pg.Client,
  apiUrl: string,
  dist: string | undefined,
  options: { backlog: number; bJobs: number },
) {
  await resetTables(client);
  await insertOneEventJobs(client, options.backlog);
  const worker = await startWorker(databaseUrl, {}, dist);
  try {
    const started = (await client.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
    const workerCpuBefore = cpuSeconds(worker.pid);
    const backendsBefore = await backendCpuSeconds(client, 'ingest-worker');
    const body = JSON.stringify({ tenantId: tenantB, events: [eventAt(0)] });
    for (let i = 0; i < options.bJobs; i += 1) {
      const response = await fetch(`${apiUrl}/v1/ingestions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      await response.arrayBuffer();
      await sleep(20);
    }
    while ((await backlog(client)) > 0) await sleep(20);
    // Backends the pool opened meanwhile started from nothing.
    let cpu = cpuSeconds(worker.pid) - workerCpuBefore;
    for (const [pid, seconds] of await backendCpuSeconds(client, 'ingest-worker'))
      cpu += seconds - (backendsBefore.get(pid) ?? 0);
    const { rows } = await client.query<{
      a_done: number;
      a_seconds: number;
      b_done: number;
      b_during: number;
      p50: number;
      p99: number;
      max: number;
    }>(
      `WITH a AS (SELECT count(*) FILTER (WHERE status = 'Succeeded')::int AS done, max(processed_at) AS last
                  FROM ingestion_jobs WHERE tenant_id = $1),
            b AS (SELECT status, created_at,
                         (extract(epoch FROM processed_at - created_at) * 1000)::float8 AS ms
                  FROM ingestion_jobs WHERE tenant_id = $2)
       SELECT a.done AS a_done,
              extract(epoch FROM a.last - $3::timestamptz)::float8 AS a_seconds,
              (SELECT count(*) FILTER (WHERE status = 'Succeeded') FROM b)::int AS b_done,
              (SELECT count(*) FROM b WHERE b.created_at < a.last)::int AS b_during,
              (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM b) AS p50,
              (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM b) AS p99,
              (SELECT max(ms) FROM b) AS max
       FROM a`,
      [tenantA, tenantB, started],
    );
    const r = rows[0]!;
    if (r.a_done !== options.backlog || r.b_done !== options.bJobs)
      throw new Error(`fairness run ended with ${JSON.stringify(r)}`);
    return {
      drainPerSec: options.backlog / r.a_seconds,
      cpuMsPerThousand: (cpu * 1e6) / (options.backlog + options.bJobs),
      bP50Ms: r.p50,
      bP99Ms: r.p99,
      bMaxMs: r.max,
      bDuringBacklog: r.b_during,
    };
  } finally {
    await worker.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function fairnessWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { backlog: number; bJobs: number; runs: number },
): Promise<FairnessFigures> {
  const fifo = buildVariant('fifo-claim', 'jobsClaim', 'jobsClaimFifo.sql');
  const api = await startApi(databaseUrl);
  try {
    const results: Record<FairnessRow['claim'], Array<Awaited<ReturnType<typeof once>>>> = {
      fair: [],
      fifo: [],
    };
    // Alternating, so both claims meet the same load on this shared machine.
    for (let i = 0; i < options.runs; i += 1) {
      results.fifo.push(await once(databaseUrl, client, api.url, fifo, options));
      results.fair.push(await once(databaseUrl, client, api.url, undefined, options));
    }
    const rows = (['fifo', 'fair'] as const).map((claim) => {
      const runs = results[claim];
      return {
        claim,
        drainPerSec: median(runs.map((r) => r.drainPerSec)),
        cpuMsPerThousand: median(runs.map((r) => r.cpuMsPerThousand)),
        bP50Ms: median(runs.map((r) => r.bP50Ms)),
        bP99Ms: median(runs.map((r) => r.bP99Ms)),
        bMaxMs: Math.max(...runs.map((r) => r.bMaxMs)),
        bDuringBacklog: Math.min(...runs.map((r) => r.bDuringBacklog)),
      };
    });
    const pairs = results.fair.map((fair, i) => ({
      drain: fair.drainPerSec / results.fifo[i]!.drainPerSec,
      cpu: fair.cpuMsPerThousand / results.fifo[i]!.cpuMsPerThousand,
    }));
    return { backlog: options.backlog, bJobs: options.bJobs, runs: options.runs, rows, pairs };
  } finally {
    await api.stop();
  }
}
