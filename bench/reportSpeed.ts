// The report's sections for the second round of speed work: latency against graphile-worker, reads
// under row-level security, overload memory, scale-out, churn filled then drained, and the targets.
import { adminIndexCostSummary, type AdminIndexFigures } from './workloads/adminIndexCost.js';
import { churnSummary, type ChurnFigures } from './workloads/churn.js';
import { churnSimpleSummary, type ChurnSimpleFigures } from './workloads/churnSimple.js';
import type { DrainRow } from './workloads/drain.js';
import { latencySummary, type LatencyFigures } from './workloads/latency.js';
import type { RunFigures as OverloadFigures } from './workloads/overload.js';
import { rlsReadSummary, type RlsReadFigures } from './workloads/rlsRead.js';
import type { ScaleOutFigures } from './workloads/scaleOut.js';
import { storageCpuSummary, type StorageCpuFigures } from './workloads/storageCpu.js';
import type { SustainedFigures } from './workloads/sustained.js';
import type { IngestFigures } from './workloads/ingest.js';

/** What the speed targets are read from (each part may be absent in a partial run). */
export interface SpeedFigures {
  ingest?: IngestFigures;
  latency?: LatencyFigures;
  drain?: { rows: DrainRow[]; graphilePerSec: number | string };
  sustained?: SustainedFigures;
  adminIndexCost?: AdminIndexFigures;
  storageCpu?: StorageCpuFigures;
  rlsRead?: RlsReadFigures;
  overload?: OverloadFigures;
  scaleOut?: ScaleOutFigures;
  churn?: ChurnFigures;
  churnSimple?: ChurnSimpleFigures;
}

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number) => `${n(value, 1)} ms`;
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
const ratios = (values: number[]) => values.map((v) => `${n(v, 2)}×`).join(', ');

export function latencySection(l: LatencyFigures, lines: string[]): void {
  const s = latencySummary(l);
  lines.push(
    `### 2. Latency on an idle system (${l.jobs} one-event jobs, ${l.gapMs} ms apart; ${l.rounds.length} alternating round${l.rounds.length === 1 ? '' : 's'})`,
    '',
    "Ours: acceptance → Succeeded (`processed_at − created_at`, database clock). graphile-worker 0.17.3: a job's `created_at` (database clock) → its task starting (the worker's clock, same machine), concurrency as the service's worker.",
    '',
    '| round | load (1 min) | ours p50 | p95 | p99 | max | accepted → claimed, p50 | claimed → completion, p50 | graphile-worker p50 | p95 | p99 | max |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...l.rounds.map((r, i) => {
      const g = r.graphile;
      const theirs =
        typeof g === 'string'
          ? `${g} | | | `
          : `${ms(g.p50Ms)} | ${ms(g.p95Ms)} | ${ms(g.p99Ms)} | ${ms(g.maxMs)}`;
      return `| ${i + 1} | ${n(r.load1, 2)} | ${ms(r.ours.p50Ms)} | ${ms(r.ours.p95Ms)} | ${ms(r.ours.p99Ms)} | ${ms(r.ours.maxMs)} | ${ms(r.ours.toClaimP50Ms)} | ${ms(r.ours.claimToDoneP50Ms)} | ${theirs} |`;
    }),
    '',
    `Medians: ours p50 ${ms(s.ours.p50Ms)}, p99 ${ms(s.ours.p99Ms)}; graphile-worker p50 ${ms(s.graphile.p50Ms)}, p99 ${ms(s.graphile.p99Ms)}. Per round, ours / graphile-worker: p50 **${n(s.p50Ratio, 2)}×**, p99 **${n(s.p99Ratio, 2)}×**.`,
    '',
  );
}

export function rlsReadSection(r: RlsReadFigures, lines: string[]): void {
  const s = rlsReadSummary(r);
  const rounds = r.runs.length / 3;
  const row = (label: string, side: ReturnType<typeof rlsReadSummary>['plain']) =>
    `| ${label} | ${n(side.requestsPerSec)} | ${ms(side.p99Ms)} | ${n(side.apiCpuUs, 1)} | ${n(side.databaseCpuUs, 1)} |`;
  lines.push(
    `### 10. Reads under row-level security (GET /v1/ingestions/{id}, 32 connections, ${n(r.seconds)} s each; median of ${rounds} rotating round${rounds === 1 ? '' : 's'})`,
    '',
    '| read | requests/s | p99 | API CPU µs per request | database CPU µs per request |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('`AUTH_MODE=none` (plain read)', s.plain),
    row('`AUTH_MODE=keys`, admin key (plain read behind the key check)', s.adminKey),
    row("`AUTH_MODE=keys`, the tenant's read key (under row-level security)", s.readKey),
    '',
    `Read key / admin key, per round: **${n(s.ratio, 2)}×** (against \`AUTH_MODE=none\`: ${n(s.ratioToPlain, 2)}×).`,
    '',
  );
}

export function overloadSection(o: OverloadFigures, lines: string[]): void {
  lines.push(
    '### 11. Overload (256 clients posting ~870 KB batches, each insert statement slowed by 1 s, default API_MAX_INFLIGHT_BYTES)',
    '',
    '| API peak RSS | accepted | accepted/s | p50 / max of the 202s | 503 | network errors | 202s missing from the database | at the peak |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${n(o.peakRssMb)} MB | ${n(o.accepted)} | ${n(o.acceptedPerSec, 1)} | ${ms(o.acceptedP50Ms)} / ${ms(o.acceptedMaxMs)} | ${n(o.refused503)} | ${n(o.networkErrors)} | ${n(o.acceptedJobsMissing)} | ${o.atPeak} |`,
    '',
  );
}

export function scaleOutSection(s: ScaleOutFigures, lines: string[]): void {
  lines.push(
    '### 12. Scale-out against one PostgreSQL (on this machine every process shares the same cores: this shows contention, not capacity)',
    '',
    ...(s.pgbouncer ? [`PgBouncer not measured: ${s.pgbouncer}`, ''] : []),
    `Ingest: 100-event requests, 32 connections spread over the API processes, ${n(s.seconds)} s.`,
    '',
    '| route | API processes | events/s | worst p99 | failed | load (1 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...s.ingest.map(
      (r) =>
        `| ${r.route} | ${r.apis} | ${n(r.eventsPerSec)} | ${ms(r.p99Ms)} | ${r.failed} | ${n(r.load1, 2)} |`,
    ),
    '',
    `Drain: ${n(s.drainJobs)} pending one-event jobs. Claims and short claims from the jobs' attempt history (a short claim took fewer jobs than a batch while more were left: SKIP LOCKED passed over rows another claim held); lock waits: samples every 100 ms in which a backend of the database waited for a lock.`,
    '',
    '| route | worker processes | jobs/s | claims | short claims | deadlocks | lock-wait samples | jobs claimed twice | p99 claim → completion | load (1 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...s.drain.map(
      (r) =>
        `| ${r.route} | ${r.workers} | ${n(r.jobsPerSec)} | ${n(r.claims)} | ${n(r.shortClaims)} | ${r.deadlocks} | ${r.lockWaitSamples} of ${r.samples}${
          Object.keys(r.lockTypes).length > 0
            ? ` (${Object.entries(r.lockTypes)
                .map(([type, count]) => `${type} ${count}`)
                .join(', ')})`
            : ''
        } | ${r.claimedTwice} | ${ms(r.p99Ms)} | ${n(r.load1, 2)} |`,
    ),
    '',
  );
}

export function churnSimpleSection(c: ChurnSimpleFigures, lines: string[]): void {
  lines.push(
    `### 13. Churn the simple way (a fresh database per round: empty, or filled with the history and vacuumed; then ${n(c.drainJobs)} new one-event jobs drained once by one worker)`,
    '',
    '| history | round | tables | jobs/s | database CPU µs per job | worker CPU µs per job | load (1 min) |',
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...c.runs.map(
      (r) =>
        `| ${n(r.historyJobs)} | ${r.round + 1} | ${r.tables} | ${n(r.jobsPerSec)} | ${n(r.databaseCpuUsPerJob, 1)} | ${n(r.workerCpuUsPerJob, 1)} | ${n(r.load1, 2)} |`,
    ),
    '',
    ...churnSimpleSummary(c).map(
      (s) =>
        `${n(s.historyJobs)} finished jobs: full / empty per round ${ratios(s.ratios)}: **${n(s.ratio, 2)}×**; database CPU per job ${n(s.databaseCpuRatio, 2)}×.`,
    ),
    '',
  );
}

/** The targets of this round of speed work, each a ratio in this run. */
export function speedTargets(f: SpeedFigures): string[] {
  const targets: string[] = [];
  if (f.latency) {
    const s = latencySummary(f.latency);
    targets.push(
      `| idle latency p50 and p99 ≤ 0.5× graphile-worker's | p50 ${n(s.p50Ratio, 2)}×, p99 ${n(s.p99Ratio, 2)}× (${ms(s.ours.p50Ms)} / ${ms(s.ours.p99Ms)} against ${ms(s.graphile.p50Ms)} / ${ms(s.graphile.p99Ms)}) | ${mark(s.p50Ratio <= 0.5 && s.p99Ratio <= 0.5)} |`,
    );
  }
  if (f.storageCpu) {
    const s = storageCpuSummary(f.storageCpu);
    targets.push(
      `| ingest ≥ 0.5× psql \\copy of the same rows | ${n(s.ingestRatio, 2)}× (per round ${ratios(s.ingestRatios)}; ${n(s.apiAcceptedPerSec)} events/s against ${n(s.copyRowsPerSec)} rows/s) | ${mark(s.ingestRatio >= 0.5)} |`,
      `| API CPU ≤ 2.5 µs per event of 100-event requests | ${n(s.apiProcessUs, 2)} µs | ${mark(s.apiProcessUs <= 2.5)} |`,
      `| PostgreSQL backend CPU per event against psql \\copy (reported) | ${n(s.ratio, 2)}× | — |`,
    );
  }
  if (f.drain) {
    const one = f.drain.rows[0]?.graphileRatio;
    if (one !== undefined)
      targets.push(
        `| drain ≥ 8× graphile-worker's no-op drain | ${n(one, 2)}× (median of alternating pairs) | ${mark(one >= 8)} |`,
      );
  }
  const ingestRss = Math.max(f.ingest?.apiPeakRssMb ?? 0, f.storageCpu?.apiPeakRssMb ?? 0);
  if (ingestRss > 0)
    targets.push(`| API peak RSS ≤ 100 MB under ingest | ${n(ingestRss)} MB | ${mark(ingestRss <= 100)} |`);
  if (f.overload)
    targets.push(
      `| API peak RSS ≤ 300 MB under overload | ${n(f.overload.peakRssMb)} MB | ${mark(f.overload.peakRssMb <= 300)} |`,
    );
  const workerRss = Math.max(
    ...(f.drain?.rows.map((r) => r.workerPeakRssMb) ?? []),
    f.sustained?.workerPeakRssMb ?? 0,
  );
  if (workerRss > 0)
    targets.push(`| worker peak RSS ≤ 60 MB | ${n(workerRss)} MB | ${mark(workerRss <= 60)} |`);
  if (f.rlsRead) {
    const s = rlsReadSummary(f.rlsRead);
    targets.push(
      `| a read under row-level security ≥ 0.8× a plain read | ${n(s.ratio, 2)}× | ${mark(s.ratio >= 0.8)} |`,
    );
  }
  if (f.adminIndexCost) {
    const a = adminIndexCostSummary(f.adminIndexCost);
    targets.push(
      `| the admin indexes ≤ 5 % of drain | drain with/without ${n(a.drainRatio, 3)} (ingest ${n(a.ingestRatio, 3)}) | ${mark(a.drainRatio >= 0.95)} |`,
    );
  }
  if (f.churn) {
    const s = churnSummary(f.churn);
    targets.push(
      `| churn beside ${n(f.churn.historyJobs)} finished jobs ≥ 0.9× empty, alternating rounds | ${n(s.ratio, 2)}× | ${mark(s.ratio >= 0.9)} |`,
    );
  }
  if (f.churnSimple) {
    for (const s of churnSimpleSummary(f.churnSimple))
      targets.push(
        `| churn beside ${n(s.historyJobs)} finished jobs ≥ 0.9× empty, filled then drained once | ${n(s.ratio, 2)}× | ${mark(s.ratio >= 0.9)} |`,
      );
  }
  return targets;
}
