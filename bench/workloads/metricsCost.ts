// What the Prometheus metrics cost: the ingest workload (100-event batches, 32 connections) and the
// drain (20,000 one-event jobs, one worker process), each run with METRICS_ENABLED=false and with
// metrics on and scraped every second (harsher than the usual 15 s), in alternating pairs so drift on a
// shared machine hits both sides alike. Throughput and the service process's CPU time per unit of work
// are reported; CPU per unit is the steadier figure on a shared machine.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { freePort } from '../../src/embedded/freePort.js';
import { backlog, insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad } from '../loadGenerator.js';
import { startApi, startWorker } from '../serviceProcesses.js';

/**
 * Metrics off; on but never scraped (recording alone); on and scraped every 15 s (a common Prometheus
 * interval) or every second (a harsh one).
 */
export type MetricsMode = 'off' | 'unscraped' | 'scrape15s' | 'scrape1s';

export interface MetricsCostRun {
  mode: MetricsMode;
  /** Events/s (ingest) or jobs/s (drain). */
  perSec: number;
  /** CPU milliseconds of the service process per 1,000 events (ingest) or jobs (drain). */
  cpuMsPerThousand: number;
  scrapes: number;
}

export interface MetricsCostFigures {
  ingest: MetricsCostRun[];
  drain: MetricsCostRun[];
  drainJobs: number;
}

const ticksPerSecond = 100; // getconf CLK_TCK on Linux

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const scrapeIntervalMs: Record<MetricsMode, number | undefined> = {
  off: undefined,
  unscraped: undefined,
  scrape15s: 15_000,
  scrape1s: 1000,
};

/** Scrapes `url` every `intervalMs`, as a Prometheus with that interval would, until stopped. */
function scrapeEvery(url: string | undefined, intervalMs: number | undefined) {
  let scrapes = 0;
  const timer =
    url && intervalMs
      ? setInterval(() => {
          fetch(url)
            .then((response) => response.text())
            .then(
              () => (scrapes += 1),
              () => undefined,
            );
        }, intervalMs)
      : undefined;
  return {
    stop() {
      clearInterval(timer);
      return scrapes;
    },
  };
}

/** One scrape, before measuring: its first run compiles prom-client's exposition and reads /proc once. */
async function warmUpScrape(url: string | undefined): Promise<void> {
  if (url) await (await fetch(url)).text();
}

async function ingestOnce(databaseUrl: string, client: pg.Client, mode: MetricsMode, seconds: number) {
  await resetTables(client);
  const api = await startApi(databaseUrl, { METRICS_ENABLED: String(mode !== 'off') });
  try {
    const body = batchBody(100);
    const metricsUrl = scrapeIntervalMs[mode] ? `${api.url}/metrics` : undefined;
    // Warm-up: JIT, pool, prepared statements, and the metrics' own first scrape.
    await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds: 2 });
    await warmUpScrape(metricsUrl);
    await resetTables(client);
    const scraper = scrapeEvery(metricsUrl, scrapeIntervalMs[mode]);
    const cpuBefore = cpuSeconds(api.pid);
    const result = await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds });
    const cpu = cpuSeconds(api.pid) - cpuBefore;
    const scrapes = scraper.stop();
    const events = result.accepted * 100;
    return { mode, perSec: events / result.seconds, cpuMsPerThousand: (cpu * 1e6) / events, scrapes };
  } finally {
    await api.stop();
  }
}

/**
 * One drain of `jobs` one-event jobs by one worker process in `mode`. The worker first drains a small
 * batch (JIT, pool, the first scrape), so what is measured is the steady state a long-running worker
 * lives in; the main backlog is inserted in one statement while the worker waits for it.
 */
export async function drainProbe(databaseUrl: string, client: pg.Client, mode: MetricsMode, jobs: number) {
  await resetTables(client);
  const port = await freePort();
  const worker = await startWorker(databaseUrl, {
    METRICS_ENABLED: String(mode !== 'off'),
    METRICS_PORT: String(port),
  });
  const metricsUrl = scrapeIntervalMs[mode] ? `http://127.0.0.1:${port}/metrics` : undefined;
  let scraper = scrapeEvery(undefined, undefined);
  try {
    await insertOneEventJobs(client, 2000);
    while ((await backlog(client)) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await warmUpScrape(metricsUrl);
    const cpuBefore = cpuSeconds(worker.pid);
    const started = performance.now();
    scraper = scrapeEvery(metricsUrl, scrapeIntervalMs[mode]);
    await insertOneEventJobs(client, jobs);
    while ((await backlog(client)) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(worker.pid) - cpuBefore;
    return { mode, perSec: jobs / seconds, cpuMsPerThousand: (cpu * 1e6) / jobs, scrapes: scraper.stop() };
  } finally {
    scraper.stop();
    await worker.stop();
  }
}

/**
 * Ingest and drain in each mode, `rounds` times, the order of the modes rotating from round to round so
 * drift on a shared machine hits every mode alike.
 */
export async function metricsCostWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { rounds: number; ingestSeconds: number; drainJobs: number },
): Promise<MetricsCostFigures> {
  const figures: MetricsCostFigures = { ingest: [], drain: [], drainJobs: options.drainJobs };
  const modes: MetricsMode[] = ['off', 'scrape15s', 'scrape1s'];
  for (let round = 0; round < options.rounds; round += 1) {
    const order = [...modes.slice(round % 3), ...modes.slice(0, round % 3)];
    for (const mode of order)
      figures.ingest.push(await ingestOnce(databaseUrl, client, mode, options.ingestSeconds));
    for (const mode of order)
      figures.drain.push(await drainProbe(databaseUrl, client, mode, options.drainJobs));
  }
  return figures;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Medians of the runs with metrics off and in `mode`, and mode/off ratios. */
export function metricsCostSummary(runs: MetricsCostRun[], mode: Exclude<MetricsMode, 'off'>) {
  const side = (wanted: MetricsMode) => {
    const chosen = runs.filter((run) => run.mode === wanted);
    return {
      perSec: median(chosen.map((r) => r.perSec)),
      cpu: median(chosen.map((r) => r.cpuMsPerThousand)),
    };
  };
  const off = side('off');
  const on = side(mode);
  return { off, on, throughputRatio: on.perSec / off.perSec, cpuRatio: on.cpu / off.cpu };
}
