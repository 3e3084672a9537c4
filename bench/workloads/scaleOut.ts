// Workload 12: more processes against one PostgreSQL, directly and through PgBouncer (transaction mode,
// as test/support/pgbouncer.ts runs it). Ingest: 1, 2 and 4 API processes sharing 32 connections of
// 100-event requests (one autocannon per API, as a load balancer would spread them): events/s and p99.
// Drain: 1, 2, 4 and 8 worker processes on a backlog of one-event jobs: jobs/s; how the claims went
// (from each job's attempt history: claims = distinct worker and claim start, so short claims are
// SKIP LOCKED passing over rows another claim held); deadlocks (pg_stat_database); lock waits
// (pg_locks sampled every 100 ms); jobs claimed twice (none may be); p99 of a job's claim → completion.
// On a machine of few cores these show contention, not capacity: every process shares the same cores
// with PostgreSQL and the load generator.
import { loadavg } from 'node:os';
import type pg from 'pg';
import { parseConnectionString, type DatabaseConfig } from '../../src/config/connectionString.js';
import { startPgBouncer, type PgBouncer } from '../../test/support/pgbouncer.js';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad } from '../loadGenerator.js';
import { startApi, startWorker, type ServiceProcess } from '../serviceProcesses.js';
import { workerSettings } from './drain.js';

export type Route = 'direct' | 'pgbouncer';

export interface ScaleIngestRow {
  route: Route;
  apis: number;
  eventsPerSec: number;
  /** The worst p99 among the APIs' load generators. */
  p99Ms: number;
  failed: number;
  load1: number;
}

export interface ScaleDrainRow {
  route: Route;
  workers: number;
  jobsPerSec: number;
  claims: number;
  /** Claims that took fewer jobs than a batch while more were left than a batch. */
  shortClaims: number;
  deadlocks: number;
  /** Samples (every 100 ms) in which some backend of the database waited for a lock. */
  lockWaitSamples: number;
  samples: number;
  /** The kinds of lock waited for (pg_locks.locktype), with the samples each appeared in. */
  lockTypes: Record<string, number>;
  claimedTwice: number;
  /** 99th percentile of processed_at − attempted_at. */
  p99Ms: number;
  load1: number;
}

export interface ScaleOutFigures {
  seconds: number;
  drainJobs: number;
  ingest: ScaleIngestRow[];
  drain: ScaleDrainRow[];
  /** Why PgBouncer was not measured, if it was not. */
  pgbouncer?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bench database's URL through PgBouncer, with the service told so (DATABASE_POOL_MODE). */
function throughPooler(databaseUrl: string, bouncer: PgBouncer): string {
  const url = new URL(databaseUrl);
  url.port = String(bouncer.port);
  return url.toString();
}

async function ingestRow(
  databaseUrl: string,
  client: pg.Client,
  route: Route,
  apis: number,
  seconds: number,
  env: Record<string, string>,
): Promise<ScaleIngestRow> {
  await resetTables(client);
  const started: Array<ServiceProcess & { url: string }> = await Promise.all(
    Array.from({ length: apis }, () => startApi(databaseUrl, { RUN_MIGRATIONS_ON_STARTUP: 'false', ...env })),
  );
  try {
    const body = batchBody(100);
    const load = (secondsEach: number) =>
      Promise.all(
        started.map((api) =>
          postLoad({
            url: `${api.url}/v1/ingestions`,
            body,
            connections: Math.max(1, Math.round(32 / apis)),
            seconds: secondsEach,
          }),
        ),
      );
    await load(2);
    await resetTables(client);
    const load1 = loadavg()[0]!;
    const results = await load(seconds);
    return {
      route,
      apis,
      eventsPerSec: results.reduce((sum, r) => sum + r.acceptedPerSec * 100, 0),
      p99Ms: Math.max(...results.map((r) => r.p99Ms)),
      failed: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
      load1,
    };
  } finally {
    await Promise.all(started.map((api) => api.stop()));
  }
}

async function deadlocks(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    'SELECT deadlocks::text AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]!.n);
}

async function drainRow(
  databaseUrl: string,
  client: pg.Client,
  route: Route,
  workers: number,
  jobs: number,
  env: Record<string, string>,
): Promise<ScaleDrainRow> {
  await resetTables(client);
  await insertOneEventJobs(client, jobs);
  const deadlocksBefore = await deadlocks(client);
  const load1 = loadavg()[0]!;
  let samples = 0;
  let lockWaitSamples = 0;
  const lockTypes: Record<string, number> = {};
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await client.query<{ locktype: string }>(
        `SELECT DISTINCT l.locktype FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
         WHERE NOT l.granted AND a.datname = current_database()`,
      );
      samples += 1;
      if (rows.length > 0) lockWaitSamples += 1;
      for (const { locktype } of rows) lockTypes[locktype] = (lockTypes[locktype] ?? 0) + 1;
      await sleep(100);
    }
  })();
  let started = Infinity;
  const running = await Promise.all(
    Array.from({ length: workers }, () =>
      startWorker(databaseUrl, env).then((worker) => {
        started = Math.min(started, performance.now());
        return worker;
      }),
    ),
  );
  let seconds: number;
  try {
    while ((await backlog(client)) > 0) await sleep(20);
    seconds = (performance.now() - started) / 1000;
  } finally {
    sampling = false;
    await sampler;
    await Promise.all(running.map((worker) => worker.stop()));
  }
  const { batchSize } = workerSettings();
  const { rows } = await client.query<{
    claims: number;
    short_claims: number;
    claimed_twice: number;
    p99_ms: number;
  }>(
    `WITH attempt AS (
       SELECT j.id, j.attempt, a->>'worker' AS worker, a->>'startedAt' AS started, j.processed_at, j.attempted_at
       FROM ingestion_jobs AS j, jsonb_array_elements(j.attempts) AS a
     ),
     claim AS (
       SELECT worker, started, count(*) AS jobs FROM attempt GROUP BY worker, started
     ),
     -- Before each claim, how many jobs had not been claimed yet: a claim is short only when it left
     -- out jobs it could have had.
     ranked AS (
       SELECT jobs, $1 - sum(jobs) OVER (ORDER BY started, worker) + jobs AS left_before FROM claim
     )
     SELECT (SELECT count(*)::int FROM claim) AS claims,
            (SELECT count(*)::int FROM ranked WHERE jobs < $2 AND left_before > $2) AS short_claims,
            (SELECT count(*)::int FROM ingestion_jobs WHERE attempt > 1) AS claimed_twice,
            (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - attempted_at) * 1000)
             FROM ingestion_jobs)::float8 AS p99_ms`,
    [jobs, batchSize],
  );
  const row = rows[0]!;
  return {
    route,
    workers,
    jobsPerSec: jobs / seconds,
    claims: row.claims,
    shortClaims: row.short_claims,
    deadlocks: (await deadlocks(client)) - deadlocksBefore,
    lockWaitSamples,
    samples,
    lockTypes,
    claimedTwice: row.claimed_twice,
    p99Ms: row.p99_ms,
    load1,
  };
}

export async function scaleOutWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { seconds: number; drainJobs: number; log?: (message: string) => void },
): Promise<ScaleOutFigures> {
  const figures: ScaleOutFigures = {
    seconds: options.seconds,
    drainJobs: options.drainJobs,
    ingest: [],
    drain: [],
  };
  const server = parseConnectionString(databaseUrl) as DatabaseConfig;
  let bouncer: PgBouncer | undefined;
  try {
    bouncer = await startPgBouncer(server);
  } catch (error) {
    figures.pgbouncer = (error as Error).message.split('\n')[0];
  }
  const routes: Array<{ route: Route; url: string; env: Record<string, string> }> = [
    { route: 'direct', url: databaseUrl, env: {} },
    ...(bouncer
      ? [
          {
            route: 'pgbouncer' as const,
            url: throughPooler(databaseUrl, bouncer),
            // As docs/pgbouncer.md configures it: the workers' LISTEN goes to PostgreSQL directly.
            env: { DATABASE_POOL_MODE: 'transaction', LISTEN_DATABASE_URL: databaseUrl },
          },
        ]
      : []),
  ];
  try {
    for (const { route, url, env } of routes) {
      for (const apis of [1, 2, 4]) {
        figures.ingest.push(await ingestRow(url, client, route, apis, options.seconds, env));
        const row = figures.ingest.at(-1)!;
        options.log?.(
          `scale-out ${route}: ${apis} API(s) ${row.eventsPerSec.toFixed(0)} events/s, p99 ${row.p99Ms} ms`,
        );
      }
      for (const workers of [1, 2, 4, 8]) {
        figures.drain.push(await drainRow(url, client, route, workers, options.drainJobs, env));
        const row = figures.drain.at(-1)!;
        options.log?.(
          `scale-out ${route}: ${workers} worker(s) ${row.jobsPerSec.toFixed(0)} jobs/s, ${row.claims} claims ` +
            `(${row.shortClaims} short), ${row.deadlocks} deadlocks`,
        );
      }
    }
  } finally {
    await bouncer?.stop();
    await resetTables(client);
  }
  return figures;
}
