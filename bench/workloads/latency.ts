// Workload 2: latency on an idle system. One-event jobs submitted one after another, a gap between them,
// so each finds the worker waiting: acceptance → Succeeded (processed_at − created_at, both from the
// database clock). Reference in the same run, measured the same way: graphile-worker 0.17.3, a job's
// created_at to the moment its (no-op) task starts (bench/baselines/graphileLatency.ts). Rounds
// alternate ours and graphile-worker's, so drift on a shared machine hits both alike.
import { loadavg } from 'node:os';
import type pg from 'pg';
import { backlog, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { runScript, startApi, startWorker } from '../serviceProcesses.js';
import { workerSettings } from './drain.js';

/** Percentiles of one side's latencies in one round, in ms. */
export interface LatencySide {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LatencyRound {
  ours: LatencySide & {
    /** Medians of the two parts: created_at → the claim's start, the claim's start → processed_at. */
    toClaimP50Ms: number;
    claimToDoneP50Ms: number;
  };
  /** graphile-worker's, or why it could not be measured. */
  graphile: LatencySide | string;
  /** 1-minute load average when the round started. */
  load1: number;
}

export interface LatencyFigures {
  jobs: number;
  gapMs: number;
  rounds: LatencyRound[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const warmUpJobs = 20;

/** percentile_cont's answer (linear between the two nearest values) for sorted `values`. */
export function percentile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function sideOf(latencies: readonly number[]): LatencySide {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1)!,
  };
}

async function ourRound(databaseUrl: string, client: pg.Client, jobs: number, gapMs: number) {
  await resetTables(client);
  const api = await startApi(databaseUrl);
  const worker = await startWorker(databaseUrl);
  try {
    const body = batchBody(1);
    // A few jobs first so both processes have connected and prepared their statements.
    for (let i = 0; i < jobs + warmUpJobs; i += 1) {
      if (i === warmUpJobs) {
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
      await sleep(gapMs);
    }
    while ((await backlog(client)) > 0) await sleep(10);
    const { rows } = await client.query<{ status: string; total: number; to_claim: number; to_done: number }>(
      `SELECT status,
              (extract(epoch FROM processed_at - created_at) * 1000)::float8 AS total,
              (extract(epoch FROM attempted_at - created_at) * 1000)::float8 AS to_claim,
              (extract(epoch FROM processed_at - attempted_at) * 1000)::float8 AS to_done
       FROM ingestion_jobs`,
    );
    const succeeded = rows.filter((row) => row.status === 'Succeeded').length;
    if (succeeded !== jobs) throw new Error(`${succeeded} of ${jobs} jobs succeeded`);
    const sorted = (pick: (row: (typeof rows)[0]) => number) => rows.map(pick).sort((a, b) => a - b);
    return {
      ...sideOf(rows.map((row) => row.total)),
      toClaimP50Ms: percentile(
        sorted((row) => row.to_claim),
        0.5,
      ),
      claimToDoneP50Ms: percentile(
        sorted((row) => row.to_done),
        0.5,
      ),
    };
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}

async function graphileRound(
  databaseUrl: string,
  jobs: number,
  gapMs: number,
): Promise<LatencySide | string> {
  try {
    const { latenciesMs } = await runScript<{ latenciesMs: number[] }>('baselines/graphileLatency.ts', [
      databaseUrl,
      String(jobs + warmUpJobs),
      String(gapMs),
      // As many jobs at once as one of the service's worker processes runs.
      String(workerSettings().concurrency),
    ]);
    return sideOf(latenciesMs.slice(warmUpJobs));
  } catch (error) {
    return `failed: ${(error as Error).message.split('\n')[0]}`;
  }
}

export async function latencyWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { jobs: number; gapMs: number; rounds: number; log?: (message: string) => void },
): Promise<LatencyFigures> {
  const rounds: LatencyRound[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const load1 = loadavg()[0]!;
    // Which goes first alternates too.
    const oursFirst = round % 2 === 0;
    const graphileBefore = oursFirst
      ? undefined
      : await graphileRound(databaseUrl, options.jobs, options.gapMs);
    const ours = await ourRound(databaseUrl, client, options.jobs, options.gapMs);
    const graphile = graphileBefore ?? (await graphileRound(databaseUrl, options.jobs, options.gapMs));
    rounds.push({ ours, graphile, load1 });
    options.log?.(
      `latency round ${round + 1}: ours p50 ${ours.p50Ms.toFixed(2)} / p99 ${ours.p99Ms.toFixed(2)} ms, ` +
        (typeof graphile === 'string'
          ? `graphile-worker ${graphile}`
          : `graphile-worker p50 ${graphile.p50Ms.toFixed(2)} / p99 ${graphile.p99Ms.toFixed(2)} ms`) +
        `, load ${load1.toFixed(2)}`,
    );
  }
  await client.query('DROP SCHEMA IF EXISTS graphile_worker CASCADE');
  return { jobs: options.jobs, gapMs: options.gapMs, rounds };
}

/** Medians over the rounds of each side's percentiles, and of the per-round ratios ours / graphile. */
export function latencySummary(figures: LatencyFigures) {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length === 0 ? NaN : percentile(sorted, 0.5);
  };
  const paired = figures.rounds.filter(
    (r): r is LatencyRound & { graphile: LatencySide } => typeof r.graphile !== 'string',
  );
  return {
    ours: {
      p50Ms: median(figures.rounds.map((r) => r.ours.p50Ms)),
      p95Ms: median(figures.rounds.map((r) => r.ours.p95Ms)),
      p99Ms: median(figures.rounds.map((r) => r.ours.p99Ms)),
      maxMs: median(figures.rounds.map((r) => r.ours.maxMs)),
      toClaimP50Ms: median(figures.rounds.map((r) => r.ours.toClaimP50Ms)),
      claimToDoneP50Ms: median(figures.rounds.map((r) => r.ours.claimToDoneP50Ms)),
    },
    graphile: {
      p50Ms: median(paired.map((r) => r.graphile.p50Ms)),
      p95Ms: median(paired.map((r) => r.graphile.p95Ms)),
      p99Ms: median(paired.map((r) => r.graphile.p99Ms)),
      maxMs: median(paired.map((r) => r.graphile.maxMs)),
    },
    p50Ratio: median(paired.map((r) => r.ours.p50Ms / r.graphile.p50Ms)),
    p99Ratio: median(paired.map((r) => r.ours.p99Ms / r.graphile.p99Ms)),
  };
}
