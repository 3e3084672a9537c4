// Sections of the report kept out of report.ts: the metrics' cost, PostgreSQL CPU per stored event
// against psql's \copy, and the drain beside a big history (alternating rounds).
import { churnSummary, type ChurnFigures } from './workloads/churn.js';
import { metricsCostSummary, type MetricsCostFigures } from './workloads/metricsCost.js';
import { storageCpuSummary, type StorageCpuFigures } from './workloads/storageCpu.js';

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');

/** Section 8: PostgreSQL CPU per stored event, API against psql's \copy. */
export function storageCpuSection(s: StorageCpuFigures, lines: string[], targets: string[]): void {
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
        ? `API (${r.backends} backends; ${n(r.rows / (r.transactions ?? NaN))} events per transaction; accepted × 100 = ${n(r.acceptedEvents ?? NaN)}${r.failed ? `, ${r.failed} failed` : ''}; ${n(r.acceptedPerSec ?? NaN)} events/s accepted, p99 ${n(r.p99Ms ?? NaN)} ms, API process ${n(r.apiProcessUsPerEvent ?? NaN, 2)} µs per event)`
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
  lines.push(
    `Ingest against the ceiling: the API accepted ${n(sum.apiAcceptedPerSec)} events/s (median), \`${s.via}\` loaded ${n(sum.copyRowsPerSec)} rows/s: **${n(sum.ingestRatio, 2)}×** (per round ${sum.ingestRatios.map((r) => `${n(r, 2)}×`).join(', ')}). API process CPU ${n(sum.apiProcessUs, 2)} µs per event (median); API peak RSS over the rounds ${n(s.apiPeakRssMb)} MB.`,
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

/** Section 9: the drain beside a big history, alternating rounds. */
export function churnSection(c: ChurnFigures, lines: string[], targets: string[]): void {
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

/** Section 5: what the Prometheus metrics cost. */
export function metricsCostSection(m: MetricsCostFigures, lines: string[], targets: string[]): void {
  const rounds = m.ingest.length / 3;
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
    ['ingest, 100-event batches (events; API process CPU)', m.ingest],
    [`drain, ${n(m.drainJobs)} jobs, 1 worker (jobs; worker process CPU)`, m.drain],
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
    `Spread of the metrics-off runs ((max − min) / median): ingest ${n(offSpread(m.ingest) * 100, 0)} %, drain ${n(offSpread(m.drain) * 100, 0)} %.`,
    '',
  );
  targets.push(
    `| metrics cost ≤ 3 % of ingest and drain throughput, scraped every 15 s | on/off ${n(worst.ratio, 3)} at worst | ${verdict} |`,
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
