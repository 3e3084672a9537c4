import { Counter, type Registry } from 'prom-client';
import { processingBuckets, queueWaitBuckets } from './buckets.js';
import { CountedHistogram } from './countedHistogram.js';

/** What a worker records. Calls are per batch, not per job, where the data allows. */
export interface WorkerMetrics {
  /** Jobs were claimed; `firstClaimWaits` holds, for each job claimed for the first time, its seconds from acceptance. */
  jobsClaimed(firstClaimWaits: readonly number[]): void;
  /** A batch of `jobs` was processed, from its claim to its outcomes being recorded, in `seconds`. */
  batchProcessed(jobs: number, seconds: number): void;
  /** Attempts ended: succeeded, failed for good, or failed with attempts left (retry). */
  jobsCompleted(outcome: 'succeeded' | 'failed' | 'retry', jobs: number): void;
  /** Outcomes refused because the job's lease had passed to another worker. */
  leasesLost(jobs: number): void;
  /** Jobs taken back from workers that stopped renewing their leases, by where they went. */
  jobsReclaimed(pending: number, failed: number): void;
}

/** Records nothing: METRICS_ENABLED=false, and workers built without metrics (tests). */
export const noWorkerMetrics: WorkerMetrics = {
  jobsClaimed() {},
  batchProcessed() {},
  jobsCompleted() {},
  leasesLost() {},
  jobsReclaimed() {},
};

/** The worker's metrics on `registry`. */
export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const queueWait = new CountedHistogram(
    'ingest_job_queue_wait_seconds',
    'Time from a job being accepted to its first claim by a worker (database clock).',
    queueWaitBuckets,
    registry,
  );
  const processing = new CountedHistogram(
    'ingest_job_processing_seconds',
    "Time from a job's claim to its outcome being recorded; the jobs of one claimed batch share its time.",
    processingBuckets,
    registry,
  );
  const completed = new Counter({
    name: 'ingest_job_attempts_total',
    help: 'Attempts that ended, by outcome: succeeded (the job is Succeeded), failed (no attempts left: the job is Failed) or retry (the job is Pending again after its backoff). Abandoned attempts taken back by the lease sweep count as failed or retry too. A job counts once under succeeded or failed and once under retry for each attempt it retried: the sum over outcomes counts attempts, not jobs.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const leasesLost = new Counter({
    name: 'ingest_leases_lost_total',
    help: "Attempts whose outcome was refused because the job's lease had expired and passed to another worker.",
    registers: [registry],
  });
  const reclaimed = new Counter({
    name: 'ingest_jobs_reclaimed_total',
    help: 'Jobs taken back by the lease sweep from a worker that stopped renewing its lease (crashed, frozen or cut off).',
    registers: [registry],
  });
  // Pre-bound, so recording an outcome hashes no labels.
  const outcomes = {
    succeeded: completed.labels('succeeded'),
    failed: completed.labels('failed'),
    retry: completed.labels('retry'),
  };
  // Zero from the start: rate() and increase() then see the first increment, and dashboards show 0, not nothing.
  for (const child of Object.values(outcomes)) child.inc(0);

  return {
    jobsClaimed(firstClaimWaits) {
      for (const seconds of firstClaimWaits) queueWait.observe(seconds);
    },
    batchProcessed(jobs, seconds) {
      processing.observe(seconds, jobs);
    },
    jobsCompleted(outcome, jobs) {
      if (jobs > 0) outcomes[outcome].inc(jobs);
    },
    leasesLost(jobs) {
      if (jobs > 0) leasesLost.inc(jobs);
    },
    jobsReclaimed(pending, failed) {
      if (pending + failed === 0) return;
      reclaimed.inc(pending + failed);
      outcomes.retry.inc(pending);
      outcomes.failed.inc(failed);
    },
  };
}
