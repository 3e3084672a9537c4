import { Gauge, type Registry } from 'prom-client';
import { jobCountExactCap, type JobCounts } from '../data/jobCounts.js';
import { cachedRead } from './cachedRead.js';

/** Where the gauges get their counts, and how long one count is reused. */
export interface JobCountSource {
  count(): Promise<JobCounts>;
  /** A count younger than this is served again instead of asking the database. */
  cacheSeconds: number;
  /** Told when a count fails; the gauges then keep their last values. */
  onError(error: unknown): void;
}

/**
 * `ingest_jobs{status}`, `ingest_jobs_estimated{status}` and `ingest_oldest_pending_job_timestamp_seconds`, from one statement that each
 * process runs at most once per `cacheSeconds`, however often and by however many scrapers it is read:
 * scrapes that arrive while a count runs wait for that count instead of starting another.
 */
export function createJobCountMetrics(registry: Registry, source: JobCountSource): void {
  const current = cachedRead({ ...source, read: () => source.count() });

  new Gauge({
    name: 'ingest_jobs',
    help: `Jobs by status. Pending and Processing are exact. Succeeded and Failed are exact up to ${jobCountExactCap} each and estimated from the table statistics beyond (ingest_jobs_estimated says when; docs/operations.md). Counted by the database at most once per METRICS_JOB_COUNTS_CACHE_SECONDS per process: every process reports the same queue, so aggregate with max, not sum.`,
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await current();
      if (!counts) return;
      this.labels('Pending').set(counts.pending);
      this.labels('Processing').set(counts.processing);
      this.labels('Succeeded').set(counts.succeeded);
      this.labels('Failed').set(counts.failed);
    },
  });
  new Gauge({
    name: 'ingest_jobs_estimated',
    help: `1 where this count of ingest_jobs{status} is an estimate from the table statistics (over ${jobCountExactCap} jobs of the status), 0 where it is exact.`,
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await current();
      if (!counts) return;
      this.labels('Pending').set(0);
      this.labels('Processing').set(0);
      this.labels('Succeeded').set(counts.succeededEstimated ? 1 : 0);
      this.labels('Failed').set(counts.failedEstimated ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ingest_oldest_pending_job_timestamp_seconds',
    help: 'When the oldest due Pending job a worker may claim became due (accepted, or its retry backoff ended), as a Unix time from the database clock; the time of the count when no job is waiting. Jobs held by a pause (a tenant, or all processing) are left out. Backlog age: time() - this.',
    registers: [registry],
    async collect() {
      const counts = await current();
      // NaN until a count succeeds: a 0 would read as a backlog 56 years old and page someone.
      this.set(counts ? (counts.oldestDueAt ?? counts.countedAt) : NaN);
    },
  });
}
