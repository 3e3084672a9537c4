import { jobEventsRead } from '../data/jobEvents.js';
import { jobsFail, jobsSucceed, jobsSucceedWithOutput, type ClaimedJob } from '../data/jobQueue.js';
import type { Logger } from '../log/logger.js';
import type { WorkerMetrics } from '../metrics/workerMetrics.js';
import type { JobProcessor } from '../processing/processor.js';
import type { Tracing } from '../tracing/tracing.js';
import type { ClaimedBatch } from './claimedBatch.js';
import { isDatabaseAway } from './databaseAway.js';
import { jobFailureOf, missingEventsError, type WorkerJobFailure } from './jobFailure.js';
import { reportMissingOutcomes, type LostJobsContext } from './lostJobs.js';
import { runProcessor } from './processorRun.js';
import type { ProcessorSignals } from './processorSignals.js';
import type { WorkerOptions } from './workerOptions.js';

/** What recording a batch's outcomes needs from its worker. */
export interface BatchOutcomesContext {
  options: WorkerOptions;
  /** The worker's owner name, as written on the jobs it claims. */
  owner: string;
  log: Logger;
  metrics: WorkerMetrics;
  signals: ProcessorSignals;
  tracing: Tracing;
  /** Running jobs whose outcome statement is on its way (a renewal that misses them has not lost them). */
  finishing: Set<string>;
  /** Whether the stopping worker handed its jobs back: then nothing more may be recorded for them. */
  handedBack(): boolean;
  lostJobs: LostJobsContext;
}

/**
 * What a worker does with a claimed batch: aggregates and completes it in SQL, or runs the processor on
 * its one job, and records each job's outcome with a fenced statement: Succeeded, a failed attempt (or a
 * job short of its events, failed saying so), or nothing when the lease was lost or the job cancelled.
 */
export class BatchOutcomes {
  constructor(private readonly context: BatchOutcomesContext) {}

  /** Aggregates and completes a batch in SQL (the default), recording the failures of its jobs. */
  async processBatch(batch: ClaimedBatch): Promise<void> {
    const { config, hooks } = this.context.options;
    const { jobs } = batch;
    const failures: WorkerJobFailure[] = [];
    let ready = jobs;
    if (hooks?.beforeComplete) {
      const passed: ClaimedJob[] = [];
      for (const job of jobs) {
        try {
          await hooks.beforeComplete(job);
          passed.push(job);
        } catch (error) {
          failures.push(jobFailureOf(job, error, config.baseBackoffSeconds));
        }
      }
      ready = passed;
    }
    // Handed back while the hook ran (the grace period ran out): the jobs are no longer ours.
    if (this.context.handedBack()) return;
    for (const job of jobs) this.context.finishing.add(job.id);
    if (ready.length > 0) failures.push(...(await this.complete(batch, ready)));
    await this.recordFailures(batch, failures);
    this.context.log.debug({ jobs: jobs.length, failed: failures.length }, 'batch done');
  }

  /**
   * Runs the processor on one job and records its outcome: the output with Succeeded in one fenced
   * statement, a failed attempt, or nothing when the lease was lost or the worker is handing the job back.
   */
  async processOne(batch: ClaimedBatch, processor: JobProcessor): Promise<void> {
    const { pool, config } = this.context.options;
    const job = batch.jobs[0]!;
    const controller = this.context.signals.start(job.id, batch.claimStartedAt + config.leaseSeconds * 1000);
    let outcome;
    try {
      const events = jobEventsRead(pool, job.id, { signal: controller.signal });
      const span = batch.spanOf(job.id);
      const run = () =>
        runProcessor(processor, job, events, controller, config.jobTimeoutSeconds, span?.traceparent);
      // The job's span is the active one while the processor runs: its own spans are children of it.
      outcome = await (span ? this.context.tracing.withActiveSpan(span, run) : run());
    } finally {
      this.context.signals.finish(job.id);
    }
    // Handed back while the processor ran (the grace period ran out): the job is no longer ours.
    if (this.context.handedBack()) return;
    this.context.finishing.add(job.id);
    if (outcome.kind === 'output') {
      const { outputJson } = outcome;
      const { succeeded, incomplete } = await batch.finish(
        'complete ingestion jobs',
        [job.id],
        (report) => jobsSucceedWithOutput(pool, this.context.owner, job.id, outputJson, report),
        (done) => (done.succeeded ? [job.id] : []),
      );
      if (incomplete) {
        await this.recordFailures(batch, [
          jobFailureOf(job, missingEventsError(incomplete), config.baseBackoffSeconds),
        ]);
      } else {
        this.context.metrics.jobsCompleted('succeeded', succeeded ? 1 : 0);
        await reportMissingOutcomes(this.context.lostJobs, [job.id], new Set(succeeded ? [job.id] : []));
      }
    } else if (outcome.kind === 'failed') {
      await this.recordFailures(batch, [jobFailureOf(job, outcome.error, config.baseBackoffSeconds)]);
    } else if (outcome.reason.kind === 'timeout') {
      await this.recordFailures(batch, [jobFailureOf(job, outcome.reason, config.baseBackoffSeconds)]);
    } else if (outcome.reason.kind === 'lease-lost') {
      this.context.metrics.leasesLost(1);
      this.context.log.warn(
        { jobId: job.id },
        'processor stopped: lease lost; another worker may own the job',
      );
    } else if (outcome.reason.kind === 'cancelled') {
      this.context.log.info({ jobId: job.id }, 'processor stopped: the job was cancelled by an operator');
    }
    // A shutdown abort records nothing: stop() hands the job back without using up its attempt.
    this.context.log.debug({ jobId: job.id, outcome: outcome.kind }, 'job done');
  }

  /** Records failed attempts, fenced; a lease lost meanwhile leaves that job to its new owner. */
  private async recordFailures(batch: ClaimedBatch, failures: readonly WorkerJobFailure[]): Promise<void> {
    if (failures.length > 0) {
      for (const failure of failures) batch.failed(failure.id, failure.error);
      const outcomes = await batch.finish(
        'record failed attempts',
        failures.map((failure) => failure.id),
        (report) => jobsFail(this.context.options.pool, this.context.owner, failures, report),
        (outcomes) => outcomes.flatMap((outcome) => (outcome.status === 'Failed' ? [outcome.id] : [])),
      );
      const failed = outcomes.filter((outcome) => outcome.status === 'Failed').length;
      this.context.metrics.jobsCompleted('failed', failed);
      this.context.metrics.jobsCompleted('retry', outcomes.length - failed);
      await reportMissingOutcomes(
        this.context.lostJobs,
        failures.map((f) => f.id),
        new Set(outcomes.map((outcome) => outcome.id)),
      );
      for (const outcome of outcomes) {
        const failure = failures.find((f) => f.id === outcome.id);
        // The error itself, so the log carries its type and stack (pino's err); error is what the job says.
        this.context.log.warn(
          { jobId: outcome.id, status: outcome.status, error: failure?.error, err: failure?.cause },
          'job attempt failed',
        );
      }
    }
  }

  /**
   * Completes a batch in one statement. When that statement fails for a reason other than the database
   * being away, the jobs are completed one by one, so one bad job fails alone and its batch-mates
   * succeed. Returns the failures to record, with the jobs that found fewer events than they were accepted
   * with.
   */
  private async complete(batch: ClaimedBatch, jobs: readonly ClaimedJob[]): Promise<WorkerJobFailure[]> {
    const { pool, config } = this.context.options;
    const ids = jobs.map((job) => job.id);
    try {
      const { succeeded, incomplete } = await batch.finish(
        'complete ingestion jobs',
        ids,
        (report) => jobsSucceed(pool, this.context.owner, ids, report),
        (done) => [...done.succeeded],
      );
      this.context.metrics.jobsCompleted('succeeded', succeeded.size);
      await reportMissingOutcomes(
        this.context.lostJobs,
        ids,
        new Set([...succeeded, ...incomplete.map((left) => left.id)]),
      );
      return incomplete.map((left) =>
        jobFailureOf(
          jobs.find((job) => job.id === left.id)!,
          missingEventsError(left),
          config.baseBackoffSeconds,
        ),
      );
    } catch (error) {
      // A statement timeout or a limit is this batch's doing: split it, so it fails only the job that
      // causes it, with that job's own error and backoff.
      if (isDatabaseAway(error)) throw error;
      if (jobs.length === 1) return [jobFailureOf(jobs[0]!, error, config.baseBackoffSeconds)];
      this.context.log.warn(
        { err: error, jobs: jobs.length },
        'batch completion failed; completing jobs one by one',
      );
    }
    const failures: WorkerJobFailure[] = [];
    for (const job of jobs) {
      failures.push(...(await this.complete(batch, [job])));
    }
    return failures;
  }
}
