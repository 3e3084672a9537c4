// The figures as Markdown: printed by the bench and written between the markers in docs/performance.md,
// leaving the hand-written rest of that file alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type pg from 'pg';
import type { DrainRow } from './workloads/drain.js';
import type { FairnessFigures } from './workloads/fairness.js';
import { workerSettings } from './workloads/drain.js';
import type { IngestFigures } from './workloads/ingest.js';
import { latencySummary, type LatencyFigures } from './workloads/latency.js';
import {
  churnSimpleSection,
  latencySection,
  overloadSection,
  rlsReadSection,
  scaleOutSection,
  speedTargets,
} from './reportSpeed.js';
import type { ChurnSimpleFigures } from './workloads/churnSimple.js';
import type { RunFigures as OverloadFigures } from './workloads/overload.js';
import type { RlsReadFigures } from './workloads/rlsRead.js';
import type { ScaleOutFigures } from './workloads/scaleOut.js';
import { adminIndexCostSummary, type AdminIndexFigures } from './workloads/adminIndexCost.js';
import type { MetricsCostFigures } from './workloads/metricsCost.js';
import type { StorageCpuFigures } from './workloads/storageCpu.js';
import { churnSection, metricsCostSection, storageCpuSection } from './reportSections.js';
import { compressedIngestLines, type CompressedIngestFigures } from './workloads/compressedIngest.js';
import type { SustainedFigures } from './workloads/sustained.js';
import type { ChurnFigures } from './workloads/churn.js';

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
  rlsRead?: RlsReadFigures;
  overload?: OverloadFigures;
  scaleOut?: ScaleOutFigures;
  churnSimple?: ChurnSimpleFigures;
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
    latencySection(f.latency, lines);
    const l = latencySummary(f.latency).ours;
    targets.push(
      `| idle p50 ≤ 2 ms, p99 ≤ 5 ms | ${ms(l.p50Ms)} / ${ms(l.p99Ms)} | ${mark(l.p50Ms <= 2 && l.p99Ms <= 5)} |`,
    );
  }
  if (f.drain) {
    const { rows, graphilePerSec } = f.drain;
    const graphile = typeof graphilePerSec === 'number' ? graphilePerSec : NaN;
    lines.push('### 3. Drain (20,000 pending one-event jobs, aggregated with results stored)', '');
    lines.push(
      '| worker processes | jobs/s | vs graphile-worker | bare loop LIMIT 1 | bare loop LIMIT batch | vs bare LIMIT batch | worker peak RSS | worker CPU µs per job | database CPU µs per job |',
    );
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      const vsGraphile =
        r.graphileRatio === undefined
          ? `${n(r.jobsPerSec / graphile, 2)}×`
          : `${n(r.jobsPerSec / graphile, 2)}× (pairs: ${n(r.graphileRatio, 2)}×)`;
      lines.push(
        `| ${r.processes} | ${n(r.jobsPerSec)} | ${vsGraphile} | ${Number.isNaN(r.bareLimit1PerSec) ? '— (full run only)' : n(r.bareLimit1PerSec)} | ${n(r.bareBatchPerSec)} | ${n(r.jobsPerSec / r.bareBatchPerSec, 2)}× | ${n(r.workerPeakRssMb)} MB | ${n(r.workerCpuUsPerJob, 1)} | ${n(r.databaseCpuUsPerJob, 1)} |`,
      );
    }
    lines.push('');
    lines.push(
      typeof graphilePerSec === 'number'
        ? `graphile-worker 0.17.3 no-op drain (one process, concurrency 10, same 20,000 jobs, alternating with the one-process drains): ${n(graphilePerSec)} jobs/s (median)`
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
  if (f.metricsCost) metricsCostSection(f.metricsCost, lines, targets);
  if (f.adminIndexCost) {
    const a = adminIndexCostSummary(f.adminIndexCost);
    const rounds = f.adminIndexCost.runs.length / 2;
    lines.push(
      `### 6. Cost of the admin indexes (what migration 017 left of them on finished jobs: (status, created_at, tenant_id, id), (tenant_id, status, created_at, id) and a BRIN index on processed_at; in place vs dropped; median of ${rounds} alternating round${rounds === 1 ? '' : 's'})`,
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
  if (f.churn) churnSection(f.churn, lines, targets);
  if (f.rlsRead) rlsReadSection(f.rlsRead, lines);
  if (f.overload) overloadSection(f.overload, lines);
  if (f.scaleOut) scaleOutSection(f.scaleOut, lines);
  if (f.churnSimple) churnSimpleSection(f.churnSimple, lines);
  lines.push('### Targets', '', '| target | this run | |', '| --- | --- | --- |', ...targets, '');
  lines.push(
    "### Targets: half of graphile-worker's latency, API CPU and memory per event, reads under row-level security",
    '',
    '| target | this run | |',
    '| --- | --- | --- |',
    ...speedTargets(f),
  );
  return lines.join('\n');
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
