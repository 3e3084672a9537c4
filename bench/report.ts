// The figures as Markdown: printed by the bench and written between the markers in docs/performance.md,
// leaving the hand-written rest of that file alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type pg from 'pg';
import type { DrainRow } from './workloads/drain.js';
import type { FairnessFigures } from './workloads/fairness.js';
import { workerSettings } from './workloads/drain.js';
import type { IngestFigures } from './workloads/ingest.js';
import type { LatencyFigures } from './workloads/latency.js';
import { adminIndexCostSummary, type AdminIndexFigures } from './workloads/adminIndexCost.js';
import { metricsCostSummary, type MetricsCostFigures } from './workloads/metricsCost.js';
import { compressedIngestLines, type CompressedIngestFigures } from './workloads/compressedIngest.js';
import { storageCpuSummary, type StorageCpuFigures } from './workloads/storageCpu.js';
import type { SustainedFigures } from './workloads/sustained.js';
import { churnSummary, type ChurnFigures } from './workloads/churn.js';

export interface Figures {
  machine: Record<string, string>;
  quick: boolean;
  ingest?: IngestFigures;
  copyEventsPerSec?: number;
  /** Rows the COPY baseline wrote. */
  copyEvents?: number;
  latency?: LatencyFigures;
  drain?: { rows: DrainRow[]; graphilePerSec: number | string };
  sustained?: SustainedFigures;
  metricsCost?: MetricsCostFigures;
  compressedIngest?: CompressedIngestFigures;
  adminIndexCost?: AdminIndexFigures;
  fairness?: FairnessFigures;
  churn?: ChurnFigures;
  storageCpu?: StorageCpuFigures;
}

export async function machineFacts(
  client: pg.Client,
  databaseSource: string,
): Promise<Record<string, string>> {
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  const { concurrency, batchSize } = workerSettings();
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    postgresql: `${rows[0]!.server_version} (${databaseSource})`,
    node: process.version,
    'worker settings': `WORKER_CONCURRENCY=${concurrency}, WORKER_BATCH_SIZE=${batchSize} per process`,
  };
}

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number) => `${n(value, 1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');

export function renderReport(f: Figures): string {
  const lines: string[] = [];
  const command = f.quick ? 'npm run bench -- --quick' : 'npm run bench';
  lines.push(
    `Command: \`${command}\`${f.quick ? ' (quick: shorter runs, one repeat)' : ' (drain: median of 3)'}`,
  );
  lines.push('');
  lines.push('| machine | |', '| --- | --- |');
  for (const [key, value] of Object.entries(f.machine)) lines.push(`| ${key} | ${value} |`);
  lines.push('');
  const targets: string[] = [];

  if (f.ingest) {
    const { main, sweep, apiPeakRssMb } = f.ingest;
    const copy = f.copyEventsPerSec ?? NaN;
    const ratio = main.eventsPerSec / copy;
    lines.push('### 1. Ingest (`POST /v1/ingestions`, 32 connections)', '');
    lines.push('| events/request | requests/s | events/s | p50 | p99 | non-2xx | vs COPY |');
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of [
      { ...main, label: `**${main.batchSize}** (main, ${n(main.seconds)} s)` },
      ...sweep.map((r) => ({ ...r, label: String(r.batchSize) })),
    ]) {
      lines.push(
        `| ${row.label} | ${n(row.acceptedPerSec)} | ${n(row.eventsPerSec)} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${row.non2xx + row.errors} | ${n(row.eventsPerSec / copy, 2)}× |`,
      );
    }
    lines.push(
      `| COPY baseline (one process, ${n(f.copyEvents ?? NaN)} rows) | | ${n(copy)} | | | | 1.00× |`,
      '',
    );
    lines.push(`API peak RSS (VmHWM) during the main run: ${n(apiPeakRssMb)} MB`, '');
    targets.push(`| ingest ≥ 0.8× COPY (events/s) | ${n(ratio, 2)}× | ${mark(ratio >= 0.8)} |`);
    targets.push(`| API peak RSS ≤ 150 MB (ingest) | ${n(apiPeakRssMb)} MB | ${mark(apiPeakRssMb <= 150)} |`);
  }
  if (f.latency) {
    const l = f.latency;
    lines.push('### 2. Latency on an idle system (acceptance → Succeeded, database clock)', '');
    lines.push('| jobs | p50 | p95 | p99 | max |', '| ---: | ---: | ---: | ---: | ---: |');
    lines.push(`| ${l.jobs} | ${ms(l.p50Ms)} | ${ms(l.p95Ms)} | ${ms(l.p99Ms)} | ${ms(l.maxMs)} |`, '');
    targets.push(
      `| idle p50 ≤ 2 ms, p99 ≤ 5 ms | ${ms(l.p50Ms)} / ${ms(l.p99Ms)} | ${mark(l.p50Ms <= 2 && l.p99Ms <= 5)} |`,
    );
  }
  if (f.drain) {
    const { rows, graphilePerSec } = f.drain;
    const graphile = typeof graphilePerSec === 'number' ? graphilePerSec : NaN;
    lines.push('### 3. Drain (20,000 pending one-event jobs, aggregated with results stored)', '');
    lines.push(
      '| worker processes | jobs/s | vs graphile-worker | bare loop LIMIT 1 | bare loop LIMIT batch | vs bare LIMIT batch | worker peak RSS |',
    );
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      lines.push(
        `| ${r.processes} | ${n(r.jobsPerSec)} | ${n(r.jobsPerSec / graphile, 2)}× | ${Number.isNaN(r.bareLimit1PerSec) ? '— (full run only)' : n(r.bareLimit1PerSec)} | ${n(r.bareBatchPerSec)} | ${n(r.jobsPerSec / r.bareBatchPerSec, 2)}× | ${n(r.workerPeakRssMb)} MB |`,
      );
    }
    lines.push('');
    lines.push(
      typeof graphilePerSec === 'number'
        ? `graphile-worker 0.17.3 no-op drain (one process, concurrency 10, same 20,000 jobs): ${n(graphilePerSec)} jobs/s`
        : `graphile-worker: ${graphilePerSec}`,
    );
    lines.push(
      '',
      'The bare loops use the same number of connections as the worker processes have claim loops; "LIMIT batch" claims max(WORKER_BATCH_SIZE, 10) rows per round trip.',
      '',
    );
    const best = Math.max(...rows.map((r) => r.jobsPerSec / graphile));
    const one = rows[0]!.jobsPerSec / graphile;
    targets.push(
      `| drain ≥ 3× graphile-worker | ${n(one, 2)}× with 1 process, best ${n(best, 2)}× | ${mark(one >= 3)} |`,
    );
    const rss = Math.max(...rows.map((r) => r.workerPeakRssMb));
    targets.push(`| worker peak RSS ≤ 100 MB (drain) | ${n(rss)} MB | ${mark(rss <= 100)} |`);
  }
  if (f.sustained) {
    const s = f.sustained;
    lines.push(
      `### 4. Sustained (${n(s.seconds)} s of 100-event batches at 32 connections, API + ${s.workers} worker process)`,
      '',
    );
    lines.push(
      '| accepted jobs/s | completed jobs/s | backlog mid-run | backlog max | backlog at end | API peak RSS | worker peak RSS |',
    );
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    lines.push(
      `| ${n(s.acceptedPerSec)} | ${n(s.completedPerSec)} | ${n(s.backlogMid)} | ${n(s.backlogMax)} | ${n(s.backlogEnd)} | ${n(s.apiPeakRssMb)} MB | ${n(s.workerPeakRssMb)} MB |`,
      '',
    );
    // Keeping up: what is left at the end is less than a second of accepted work.
    const kept = s.backlogEnd <= Math.max(s.acceptedPerSec, 50);
    targets.push(
      `| worker peak RSS ≤ 100 MB (sustained) | ${n(s.workerPeakRssMb)} MB | ${mark(s.workerPeakRssMb <= 100)} |`,
    );
    targets.push(
      `| sustained: no backlog growth | end backlog ${n(s.backlogEnd)} jobs (${n(s.backlogEnd / Math.max(s.acceptedPerSec, 1), 2)} s of intake) | ${mark(kept)} |`,
    );
  }
  if (f.compressedIngest) lines.push(...compressedIngestLines(f.compressedIngest));
  if (f.metricsCost) {
    const rounds = f.metricsCost.ingest.length / 3;
    lines.push(
      `### 5. Cost of the metrics (METRICS_ENABLED=false vs true, scraped every 15 s and every 1 s; median of ${rounds} rotating round${rounds === 1 ? '' : 's'})`,
      '',
    );
    lines.push(
      '| workload | scrape | off: per s | on: per s | throughput on/off | off: CPU ms per 1,000 | on: CPU ms per 1,000 | CPU on/off |',
    );
    lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    const common: Array<{ ratio: number; noise: number }> = [];
    for (const [label, runs] of [
      ['ingest, 100-event batches (events; API process CPU)', f.metricsCost.ingest],
      [`drain, ${n(f.metricsCost.drainJobs)} jobs, 1 worker (jobs; worker process CPU)`, f.metricsCost.drain],
    ] as const) {
      for (const mode of ['scrape15s', 'scrape1s'] as const) {
        const s = metricsCostSummary(runs, mode);
        if (mode === 'scrape15s') common.push({ ratio: s.throughputRatio, noise: offSpread(runs) });
        lines.push(
          `| ${label} | every ${mode === 'scrape15s' ? '15 s' : '1 s'} | ${n(s.off.perSec)} | ${n(s.on.perSec)} | ${n(s.throughputRatio, 3)} | ${n(s.off.cpu, 1)} | ${n(s.on.cpu, 1)} | ${n(s.cpuRatio, 3)} |`,
        );
      }
    }
    lines.push('');
    // The verdict weighs the difference against the run-to-run spread of the metrics-off runs
    // themselves: on a shared machine identical runs differ by more than 3 %, and a difference smaller
    // than that spread is not a measured cost (nor a measured absence of one).
    const worst = common.reduce((a, b) => (b.ratio < a.ratio ? b : a));
    const verdict =
      worst.ratio >= 0.97
        ? mark(true)
        : 1 - worst.ratio < worst.noise
          ? `within noise: metrics-off runs alone spread ${n(worst.noise * 100, 0)} %`
          : mark(false);
    lines.push(
      `Spread of the metrics-off runs ((max − min) / median): ingest ${n(offSpread(f.metricsCost.ingest) * 100, 0)} %, drain ${n(offSpread(f.metricsCost.drain) * 100, 0)} %.`,
      '',
    );
    targets.push(
      `| metrics cost ≤ 3 % of ingest and drain throughput, scraped every 15 s | on/off ${n(worst.ratio, 3)} at worst | ${verdict} |`,
    );
  }
  if (f.adminIndexCost) {
    const a = adminIndexCostSummary(f.adminIndexCost);
    const rounds = f.adminIndexCost.runs.length / 2;
    lines.push(
      `### 6. Cost of the admin indexes (the status and processed_at indexes of migration 003, per partition since 011, in place vs dropped; median of ${rounds} alternating round${rounds === 1 ? '' : 's'})`,
      '',
      '| workload | without: per s | with: per s | with/without |',
      '| --- | ---: | ---: | ---: |',
      `| ingest, 100-event batches (events) | ${n(a.without.ingest)} | ${n(a.withIndexes.ingest)} | ${n(a.ingestRatio, 3)} |`,
      `| drain, ${n(f.adminIndexCost.drainJobs)} jobs, 1 worker (jobs) | ${n(a.without.drain)} | ${n(a.withIndexes.drain)} | ${n(a.drainRatio, 3)} |`,
      '',
    );
  }
  if (f.fairness) {
    const { backlog, bJobs, runs, rows, pairs } = f.fairness;
    const fifo = rows.find((r) => r.claim === 'fifo')!;
    const fair = rows.find((r) => r.claim === 'fair')!;
    lines.push(
      `### 7. Fairness (tenant A: ${n(backlog)} pending one-event jobs; tenant B: ${bJobs} jobs posted 20 ms apart once the worker started; one worker process; median of ${runs} alternating run${runs === 1 ? '' : 's'})`,
      '',
    );
    lines.push(
      "| claim | A's drain, jobs/s | CPU ms per 1,000 jobs (worker + its backends) | B p50 | B p99 | B max | B jobs accepted before A's last finished |",
    );
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [label, r] of [
      ['oldest first (baseline)', fifo],
      ['fair: tenants in turn', fair],
    ] as const) {
      lines.push(
        `| ${label} | ${n(r.drainPerSec)} | ${n(r.cpuMsPerThousand, 1)} | ${ms(r.bP50Ms)} | ${ms(r.bP99Ms)} | ${ms(r.bMaxMs)} | ${r.bDuringBacklog} of ${bJobs} |`,
      );
    }
    const range = (values: number[]) => `${n(Math.min(...values), 2)}–${n(Math.max(...values), 2)}×`;
    const drainRatio = median(pairs.map((p) => p.drain));
    const cpuRatio = median(pairs.map((p) => p.cpu));
    lines.push(
      '',
      `Fair / oldest first, per alternating pair: A's drain rate ${n(drainRatio, 2)}× (median; ${range(pairs.map((p) => p.drain))}), CPU per job ${n(cpuRatio, 2)}× (${range(pairs.map((p) => p.cpu))}).`,
      '',
    );
    targets.push(
      `| fairness: B's p99 ≤ 1 s behind A's backlog | ${ms(fair.bP99Ms)} (oldest first: ${ms(fifo.bP99Ms)}) | ${mark(fair.bP99Ms <= 1000 && fair.bDuringBacklog === bJobs)} |`,
    );
    targets.push(
      `| fairness: A drains at ≥ 0.9× the oldest-first claim | ${n(drainRatio, 2)}× (median of pairs) | ${mark(drainRatio >= 0.9)} |`,
    );
  }
  if (f.storageCpu) storageCpuSection(f.storageCpu, lines, targets);
  if (f.churn) {
    const c = f.churn;
    const summary = churnSummary(c);
    const mb = (bytes: number) => `${n(bytes / 2 ** 20)} MB`;
    lines.push(
      `### 9. Churn (${n(c.drainJobs)} new one-event jobs, one worker; empty tables vs ${n(c.historyJobs)} finished jobs with their events and results; ${c.idVersion} ids; alternating)`,
      '',
      '| round | tables | jobs/s | load average | database CPU ms per 1,000 jobs | worker CPU ms per 1,000 jobs | buffer hits per job | buffer reads per job |',
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...c.runs.map(
        (r, i) =>
          `| ${i + 1} | ${r.tables} | ${n(r.jobsPerSec)} | ${n(r.loadAverage, 2)} | ${n(r.databaseCpuMsPerThousand)} | ${n(r.workerCpuMsPerThousand)} | ${n(r.hitsPerJob, 1)} | ${n(r.readsPerJob, 2)} |`,
      ),
      '',
      `Full / empty, each full round against the empty rounds either side: **${n(summary.ratio, 2)}×** jobs/s ` +
        `(median of ${summary.ratios.map((r) => `${n(r, 2)}×`).join(', ')}; medians ${n(summary.full)} against ${n(summary.empty)} jobs/s); ` +
        `database CPU per job ${n(summary.databaseCpuRatio, 2)}×. ` +
        `Full database ${mb(c.databaseBytes)} (shared_buffers ${c.sharedBuffers})` +
        (c.fillSeconds > 0
          ? `, filled in ${n(c.fillSeconds)} s`
          : ', reused from an earlier `--churn-keep` run') +
        '.',
      '',
      '| table | heap | indexes | storage settings |',
      '| --- | ---: | ---: | --- |',
      ...c.tables.map(
        (t) => `| ${t.table} | ${mb(t.heapBytes)} | ${mb(t.indexBytes)} | ${t.options || 'defaults'} |`,
      ),
      '',
    );
    targets.push(
      `| churn: drain with ${n(c.historyJobs)} finished jobs ≥ 0.9× empty tables | ${n(summary.ratio, 2)}× | ${mark(summary.ratio >= 0.9)} |`,
    );
  }
  lines.push('### Targets', '', '| target | this run | |', '| --- | --- | --- |', ...targets);
  return lines.join('\n');
}

/** Section 8: PostgreSQL CPU per stored event, API against psql's \copy. */
function storageCpuSection(s: StorageCpuFigures, lines: string[], targets: string[]): void {
  const sum = storageCpuSummary(s);
  const rounds = s.rounds.filter((r) => r.side === 'api').length;
  const load = (l: number[]) => l.map((v) => n(v, 2)).join(' / ');
  lines.push(
    `### 8. Storage CPU per event (PostgreSQL backends, from /proc; API: 100-event requests, 32 connections, ${n(s.seconds)} s; baseline: \`${s.via}\` of the rows the API round before stored, into a plain table with one index; ${rounds} alternating round${rounds === 1 ? '' : 's'})`,
    '',
    '| round | side | rows stored | backend CPU s | µs per row | rows/s | load (1 min) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  const perRound = s.rounds.length / rounds;
  s.rounds.forEach((r, i) => {
    const side =
      r.side === 'api'
        ? `API (${r.backends} backends; ${n(r.rows / (r.transactions ?? NaN))} events per transaction; accepted × 100 = ${n(r.acceptedEvents ?? NaN)}${r.failed ? `, ${r.failed} failed` : ''})`
        : r.side === 'copy'
          ? `\`${s.via}\``
          : `diagnosis: \`${s.via}\` of the same jobs and events into ingestion_jobs and raw_events`;
    lines.push(
      `| ${Math.floor(i / perRound) + 1} | ${side} | ${n(r.rows)} | ${n(r.cpuSeconds, 2)} | ${n(r.usPerRow, 2)} | ${n(r.rowsPerSec)} | ${n(r.load1, 2)} |`,
    );
  });
  lines.push(
    '',
    `Medians: API ${n(sum.apiUs, 2)} µs per event, \`${s.via}\` ${n(sum.copyUs, 2)} µs per row: **${n(sum.ratio, 2)}×** (per pair ${sum.pairRatios.map((r) => `${n(r, 2)}×`).join(', ')}). raw_events' columns: ${s.columns.join(', ')}. Load average (1 / 5 / 15 min) ${load(s.loadStart)} at the start, ${load(s.loadEnd)} at the end.`,
    '',
  );
  if (!Number.isNaN(sum.serviceUs))
    lines.push(
      `Where the gap lies: \`${s.via}\` into the service's own tables (the jobs with their indexes, the events into the partitioned raw_events) costs ${n(sum.serviceUs, 2)} µs per event, ${n(sum.serviceUs / sum.copyUs, 2)}× the plain table (the schema's share); the API costs ${n(sum.apiUs / sum.serviceUs, 2)}× that (the statement's share: JSON, INSERT … SELECT, notify, commits).`,
      '',
    );
  targets.push(
    `| storage: database CPU per event ≤ 1.5× psql \\copy | ${n(sum.ratio, 2)}× (${n(sum.apiUs, 2)} against ${n(sum.copyUs, 2)} µs) | ${mark(sum.ratio <= 1.5)} |`,
  );
}

/** (max − min) / median of the throughput of the runs with metrics off: how far identical runs differ. */
function offSpread(runs: readonly { mode: string; perSec: number }[]): number {
  const off = runs
    .filter((run) => run.mode === 'off')
    .map((run) => run.perSec)
    .sort((a, b) => a - b);
  if (off.length < 2) return 0;
  const middle = off[Math.floor(off.length / 2)]!;
  return (off.at(-1)! - off[0]!) / middle;
}

const file = new URL('../docs/performance.md', import.meta.url);
const begin = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';
const end = '<!-- bench:end -->';

export function writeReport(report: string): void {
  const block = `${begin}\n\n${report}\n\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Performance\n\n${begin}\n${end}\n`;
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
