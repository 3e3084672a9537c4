// Workload 8 (issue 13.1): what storing one event costs the database, and (issue 24) how fast the API
// ingests against psql's \copy of the same rows, and what it costs the API process per event. The API (the compiled build, as
// the images run it) takes POST /v1/ingestions of 100-event requests from 32 connections; the CPU of
// every PostgreSQL backend serving it (application_name ingest-api…) is read from /proc over the load
// and divided by the events stored: the job row and its indexes, the events and theirs, the
// notification and the commit, everything the database does for a request. Baseline in the same run:
// the rows the API round just before stored, all of them, written out as CSV and loaded with psql's
// \copy into a plain table of the same columns with one index on (job_id, seq)
// (bench/baselines/psqlCopy.ts): the same values, and as many rows, so both tables grow alike. Rounds
// alternate API, copy, API, copy … so drift on a shared machine hits both sides alike.
// A third side, for diagnosis only, splits the gap: the same jobs and events \copy'd into the service's
// own tables (ingestion_jobs with its indexes, the partitioned raw_events): what the schema costs over
// the plain table, the rest being what the API's statement costs over COPY.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import {
  copyVia,
  createPlainTable,
  dropPlainTable,
  exportTable,
  type CopyFile,
  plainTable,
  psqlCopy,
  rawEventColumns,
  streamCopy,
  type CopyVia,
} from '../baselines/psqlCopy.js';
import { postLoad } from '../loadGenerator.js';
import { cpuSeconds, followBackendCpu } from '../processCpu.js';
import { startApi } from '../serviceProcesses.js';
import { median } from './metricsCost.js';

export interface StorageCpuRound {
  /** API; the baseline (\copy into the plain table); \copy of the jobs and events into the service's tables. */
  side: 'api' | 'copy' | 'copyService';
  /** Rows in the table after the round (API: stored events; copy: rows loaded). */
  rows: number;
  /** CPU seconds of the backends over the round. */
  cpuSeconds: number;
  /** Backend CPU µs per stored row. */
  usPerRow: number;
  rowsPerSec: number;
  /** 1-minute load average when the round started. */
  load1: number;
  /** API only: accepted requests × 100 (a cross-check of `rows`), non-2xx answers and errors. */
  acceptedEvents?: number;
  failed?: number;
  /** API only: backends that served the load. */
  backends?: number;
  /** API only: transactions that stored jobs (distinct xmin of the job rows): the batcher's grouping. */
  transactions?: number;
  /** API only: events accepted (2xx × 100) per second of load, as the clients saw it. */
  acceptedPerSec?: number;
  /** API only: CPU of the API process itself (user + system, from /proc), µs per accepted event. */
  apiProcessUsPerEvent?: number;
  /** API only: the 99th percentile of the requests' latency. */
  p99Ms?: number;
}

export interface StorageCpuFigures {
  rounds: StorageCpuRound[];
  via: CopyVia;
  /** raw_events' columns, as the catalog had them during the run. */
  columns: string[];
  seconds: number;
  /** 1, 5 and 15-minute load averages at the start and at the end of the workload. */
  loadStart: number[];
  loadEnd: number[];
  /** The API process's peak RSS (VmHWM) over all rounds, in MB. */
  apiPeakRssMb: number;
}

const apiPattern = 'ingest-api%';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countRows(client: pg.Client, table: string): Promise<number> {
  return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

/**
 * Waits (at most 3 s) until none of the API's backends is busy: statements autocannon's last requests
 * started are still committing when it exits, and their CPU and rows belong to the round.
 */
async function settle(client: pg.Client): Promise<void> {
  for (let waited = 0; waited < 3000; waited += 50) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name LIKE $1 AND state <> 'idle'`,
      [apiPattern],
    );
    if (rows[0]!.n === 0) return;
    await sleep(50);
  }
}

async function reset(client: pg.Client): Promise<void> {
  await client.query(`TRUNCATE ${plainTable}`);
  await resetTables(client);
}

async function apiRound(
  client: pg.Client,
  api: { url: string; pid: number },
  body: string,
  seconds: number,
): Promise<StorageCpuRound> {
  await reset(client);
  const load1 = loadavg()[0]!;
  const cpu = await followBackendCpu(client, apiPattern);
  const started = performance.now();
  const apiCpuBefore = cpuSeconds(api.pid);
  const result = await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds });
  const apiCpu = cpuSeconds(api.pid) - apiCpuBefore;
  await settle(client);
  const used = await cpu.stop();
  const wall = (performance.now() - started) / 1000;
  const rows = await countRows(client, 'raw_events');
  const { rows: xacts } = await client.query<{ n: number }>(
    'SELECT count(DISTINCT xmin::text)::int AS n FROM ingestion_jobs',
  );
  return {
    side: 'api',
    rows,
    cpuSeconds: used.cpuSeconds,
    usPerRow: (used.cpuSeconds * 1e6) / rows,
    rowsPerSec: rows / wall,
    load1,
    acceptedEvents: result.accepted * 100,
    failed: result.non2xx + result.errors,
    backends: used.backends,
    transactions: xacts[0]!.n,
    acceptedPerSec: (result.accepted * 100) / result.seconds,
    apiProcessUsPerEvent: (apiCpu * 1e6) / (result.accepted * 100),
    p99Ms: result.p99Ms,
  };
}

async function copyRound(
  client: pg.Client,
  databaseUrl: string,
  side: 'copy' | 'copyService',
  files: CopyFile[],
  via: CopyVia,
) {
  await reset(client);
  const load1 = loadavg()[0]!;
  const load = await (via === 'psql \\copy' ? psqlCopy(databaseUrl, files) : streamCopy(databaseUrl, files));
  // Per event: the jobs' rows, when loaded, are part of what an event costs, as on the API side.
  const rows = await countRows(client, files.at(-1)!.table);
  const round: StorageCpuRound = {
    side,
    rows,
    cpuSeconds: load.cpuSeconds,
    usPerRow: (load.cpuSeconds * 1e6) / rows,
    rowsPerSec: rows / load.seconds,
    load1,
  };
  return round;
}

export async function storageCpuWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { rounds: number; seconds: number; log?: (message: string) => void },
): Promise<StorageCpuFigures> {
  const loadStart = loadavg();
  const via = copyVia();
  const columns = await rawEventColumns(client);
  await createPlainTable(client);
  const dir = mkdtempSync(join(tmpdir(), 'storage-cpu-'));
  const events = join(dir, 'events.csv');
  const jobs = join(dir, 'jobs.csv');
  const api = await startApi(databaseUrl);
  const rounds: StorageCpuRound[] = [];
  let apiPeakRssMb = 0;
  try {
    const body = batchBody(100);
    // Warm-up: JIT, the pool's connections, prepared statements.
    await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds: 2 });
    for (let round = 0; round < options.rounds; round += 1) {
      rounds.push(await apiRound(client, api, body, options.seconds));
      options.log?.(`storageCpu: API ${describe(rounds.at(-1)!)}`);
      // The CSV holds exactly what that API round stored: same columns, same values, same count.
      await exportTable(client, 'raw_events', events);
      await exportTable(client, 'ingestion_jobs', jobs);
      rounds.push(await copyRound(client, databaseUrl, 'copy', [{ table: plainTable, file: events }], via));
      options.log?.(`storageCpu: copy ${describe(rounds.at(-1)!)}`);
      const service = [
        { table: 'ingestion_jobs', file: jobs },
        { table: 'raw_events', file: events },
      ];
      rounds.push(await copyRound(client, databaseUrl, 'copyService', service, via));
      options.log?.(`storageCpu: copy into the service's tables ${describe(rounds.at(-1)!)}`);
    }
    apiPeakRssMb = api.peakRssMb();
  } finally {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
    await dropPlainTable(client);
    await resetTables(client);
  }
  return { rounds, via, columns, seconds: options.seconds, loadStart, loadEnd: loadavg(), apiPeakRssMb };
}

function describe(r: StorageCpuRound): string {
  return `${r.rows} rows, ${r.cpuSeconds.toFixed(2)} CPU s, ${r.usPerRow.toFixed(2)} µs/row, load ${r.load1.toFixed(2)}`;
}

/** Medians of each side, their ratio (API / copy) and the ratio of each API round to the copy after it. */
export function storageCpuSummary(figures: StorageCpuFigures) {
  const side = (wanted: StorageCpuRound['side']) => figures.rounds.filter((r) => r.side === wanted);
  const api = side('api');
  const copy = side('copy');
  const apiUs = median(api.map((r) => r.usPerRow));
  const copyUs = median(copy.map((r) => r.usPerRow));
  const serviceUs = median(side('copyService').map((r) => r.usPerRow));
  return {
    apiUs,
    copyUs,
    serviceUs,
    apiRowsPerSec: median(api.map((r) => r.rowsPerSec)),
    copyRowsPerSec: median(copy.map((r) => r.rowsPerSec)),
    ratio: apiUs / copyUs,
    pairRatios: api.map((r, i) => r.usPerRow / copy[i]!.usPerRow),
    /** Events accepted per second through the API against the \copy's rows per second, per round. */
    ingestRatios: api.map((r, i) => (r.acceptedPerSec ?? NaN) / copy[i]!.rowsPerSec),
    ingestRatio: median(api.map((r, i) => (r.acceptedPerSec ?? NaN) / copy[i]!.rowsPerSec)),
    apiAcceptedPerSec: median(api.map((r) => r.acceptedPerSec ?? NaN)),
    apiProcessUs: median(api.map((r) => r.apiProcessUsPerEvent ?? NaN)),
  };
}
