// What the Prometheus metrics cost: the ingest workload (100-event batches, 32 connections) and the
// drain (20,000 one-event jobs, one worker process), each run with METRICS_ENABLED=false and with
// metrics on and scraped every second (harsher than the usual 15 s), in alternating pairs so drift on a
// shared machine hits both sides alike. Throughput and the service process's CPU time per unit of work
// are reported; CPU per unit is the steadier figure on a shared machine.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { freePort } from '../../src/embedded/embeddedPostgres.js';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad } from '../loadGenerator.js';
import { startApi, startWorker } from '../serviceProcesses.js';

export interface MetricsCostRun {
  metrics: boolean;
  /** Events/s (ingest) or jobs/s (drain). */
  perSec: number;
  /** CPU milliseconds of the service process per 1,000 events (ingest) or jobs (drain). */
  cpuMsPerThousand: number;
  scrapes: number;
}

export interface MetricsCostFigures {
  ingest: MetricsCostRun[];
  drain: MetricsCostRun[];
}

const ticksPerSecond = 100; // getconf CLK_TCK on Linux

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Scrapes `url` every second, as a Prometheus with a 1 s interval would, until stopped. */
function scrapeEverySecond(url: string | undefined) {
  let scrapes = 0;
  const timer = url
    ? setInterval(() => {
        fetch(url)
          .then((response) => response.text())
          .then(
            () => (scrapes += 1),
            () => undefined,
          );
      }, 1000)
    : undefined;
  return {
    stop() {
      clearInterval(timer);
      return scrapes;
    },
  };
}

async function ingestOnce(databaseUrl: string, client: pg.Client, metrics: boolean, seconds: number) {
  await resetTables(client);
  const api = await startApi(databaseUrl, { METRICS_ENABLED: String(metrics) });
  try {
    const body = batchBody(100);
    // Warm-up: JIT, pool, prepared statements.
    await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds: 2 });
    await resetTables(client);
    const scraper = scrapeEverySecond(metrics ? `${api.url}/metrics` : undefined);
    const cpuBefore = cpuSeconds(api.pid);
    const result = await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds });
    const cpu = cpuSeconds(api.pid) - cpuBefore;
    const scrapes = scraper.stop();
    const events = result.accepted * 100;
    return { metrics, perSec: events / result.seconds, cpuMsPerThousand: (cpu * 1e6) / events, scrapes };
  } finally {
    await api.stop();
  }
}

async function drainOnce(databaseUrl: string, client: pg.Client, metrics: boolean, jobs: number) {
  return { metrics, ...(await drainProbe(databaseUrl, client, metrics ? 'on+scrape' : 'off', jobs)) };
}

/** One drain of `jobs` one-event jobs by one worker: metrics off, on but never scraped, or on and scraped every second. */
export async function drainProbe(
  databaseUrl: string,
  client: pg.Client,
  mode: 'off' | 'on' | 'on+scrape',
  jobs: number,
) {
  await resetTables(client);
  await insertOneEventJobs(client, jobs);
  const port = await freePort();
  const worker = await startWorker(databaseUrl, {
    METRICS_ENABLED: String(mode !== 'off'),
    METRICS_PORT: String(port),
  });
  const started = performance.now();
  const cpuBefore = cpuSeconds(worker.pid);
  const scraper = scrapeEverySecond(mode === 'on+scrape' ? `http://127.0.0.1:${port}/metrics` : undefined);
  try {
    while ((await backlog(client)) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(worker.pid) - cpuBefore;
    return { perSec: jobs / seconds, cpuMsPerThousand: (cpu * 1e6) / jobs, scrapes: scraper.stop() };
  } finally {
    scraper.stop();
    await worker.stop();
  }
}

export async function metricsCostWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { pairs: number; ingestSeconds: number; drainJobs: number },
): Promise<MetricsCostFigures> {
  const figures: MetricsCostFigures = { ingest: [], drain: [] };
  for (let pair = 0; pair < options.pairs; pair += 1) {
    // off, on, then on, off: neither side always runs first.
    const order = pair % 2 === 0 ? [false, true] : [true, false];
    for (const metrics of order)
      figures.ingest.push(await ingestOnce(databaseUrl, client, metrics, options.ingestSeconds));
    for (const metrics of order)
      figures.drain.push(await drainOnce(databaseUrl, client, metrics, options.drainJobs));
  }
  return figures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Medians of the runs with metrics off and on, and on/off ratios. */
export function metricsCostSummary(runs: MetricsCostRun[]) {
  const side = (metrics: boolean) => runs.filter((run) => run.metrics === metrics);
  const off = {
    perSec: median(side(false).map((r) => r.perSec)),
    cpu: median(side(false).map((r) => r.cpuMsPerThousand)),
  };
  const on = {
    perSec: median(side(true).map((r) => r.perSec)),
    cpu: median(side(true).map((r) => r.cpuMsPerThousand)),
  };
  return { off, on, throughputRatio: on.perSec / off.perSec, cpuRatio: on.cpu / off.cpu };
}
