import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { JobNotifications } from '../data/jobNotifications.js';
import { jobEventsRead } from '../data/jobEvents.js';
import {
  jobsClaim,
  jobsFail,
  jobsHeartbeat,
  jobsRelease,
  jobsSucceed,
  jobsSucceedWithOutput,
  newClaimCursor,
  type ClaimedJob,
} from '../data/jobQueue.js';
import type { Logger } from '../log/logger.js';
import { isDatabaseAway, retryWhileDatabaseAway } from './databaseAway.js';
import { noWorkerMetrics, type WorkerMetrics } from '../metrics/workerMetrics.js';
import { JobAbortReason, type JobProcessor } from '../processing/processor.js';
import { noTracing } from '../tracing/tracing.js';
import { ClaimedBatch, type BatchSurroundings } from './claimedBatch.js';
import { jobFailureOf, missingEventsError, type WorkerJobFailure } from './jobFailure.js';
import { LeaseSweep } from './leaseSweep.js';
import { reportMissingOutcomes, stopMissingProcessors, type LostJobsContext } from './lostJobs.js';
import { runProcessor } from './processorRun.js';
import { ProcessorSignals } from './processorSignals.js';
import { WakeSignal } from './wakeSignal.js';
import type { WorkerOptions, WorkerStopReport } from './workerOptions.js';

export type { WorkerHooks, WorkerOptions, WorkerStopReport } from './workerOptions.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Claims due jobs and completes them: `concurrency` loops each claim up to `batchSize` jobs in one
 * statement, aggregate and complete them in another, and look for more. While jobs run, a heartbeat
 * renews their leases; a sweep takes back jobs of workers that died. No transaction stays open while
 * a job is being worked on.
 */
export class Worker {
  /** The owner name written on claimed jobs: host, process and a random part, unique per start. */
  readonly id = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;

  private readonly running = new Map<string, ClaimedJob>();
  /** Running jobs whose outcome statement is on its way: that statement, fenced, reports a lost lease. */
  private readonly finishing = new Set<string>();
  /** Running processors' signals: aborted when the lease is lost or the grace period ends. */
  private readonly signals = new ProcessorSignals();
  /** Claim statements on their way; a stopping worker waits for them, so nothing it claims is left behind. */
  private readonly claims = new Set<Promise<ClaimedJob[]>>();
  private readonly wakeSignal = new WakeSignal();
  private readonly log: Logger;
  private readonly metrics: WorkerMetrics;
  /** What each claimed batch runs its finishing statements with. */
  private readonly surroundings: BatchSurroundings;
  private readonly notifications: JobNotifications | undefined;
  private loops: Array<Promise<void>> = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The lease renewal on its way, if any: a stopping worker waits for it before it ends the pool. */
  private renewal: Promise<void> | undefined;
  private readonly sweep: LeaseSweep;
  /** Set once a stopping worker handed its running jobs back: nothing may touch them (or the pool) after. */
  private handedBack = false;

  constructor(private readonly options: WorkerOptions) {
    this.log = options.logger.child({ workerId: this.id });
    this.sweep = new LeaseSweep(
      options.pool,
      options.config.leaseSeconds,
      (waitedMs) =>
        this.log.warn(
          { waitedMs: Math.round(waitedMs), graceSeconds: options.config.leaseSeconds },
          'lease sweep waited on the database (a lock?); leases that ran out meanwhile get one more lease',
        ),
      options.onWebhooksWritten,
    );
    this.metrics = options.metrics ?? noWorkerMetrics;
    this.surroundings = {
      tracing: options.tracing ?? noTracing,
      options,
      // A fenced statement is retried for at most one lease length while the database is away.
      whileLeaseHeld: (statement) => retryWhileDatabaseAway(statement, options.config.leaseSeconds * 1000),
    };
    this.notifications =
      options.database &&
      new JobNotifications(options.database, 'ingest-worker', {
        onJob: () => this.wakeSignal.wake(),
        onConnected: () => this.wakeSignal.wake(),
        onError: (error, retryInMs) =>
          this.log.warn(
            { err: error, retryInMs },
            'job notifications unavailable; polling until reconnected',
          ),
      });
  }

  /** Jobs claimed and not yet finished, for the process's announcements. */
  jobsInHand(): number {
    return this.running.size;
  }

  /** Starts listening for jobs and runs the claim loops. */
  async start(): Promise<void> {
    const { config } = this.options;
    await this.notifications?.start();
    const leaseMs = config.leaseSeconds * 1000;
    this.heartbeatTimer = setInterval(() => void this.renewLeases(), leaseMs / 5);
    this.sweepTimer = setInterval(() => void this.rescueExpired(), Math.min(1000, leaseMs / 4));
    this.loops = Array.from({ length: config.concurrency }, () => this.claimLoop());
    this.log.info(
      {
        concurrency: config.concurrency,
        batchSize: this.options.processor ? 1 : config.batchSize,
        leaseSeconds: config.leaseSeconds,
        processor: this.options.processor?.name ?? 'type aggregation in SQL (the default)',
        wakeUp: this.notifications
          ? 'LISTEN/NOTIFY, polling as fallback'
          : `polling every ${config.pollIntervalMs} ms`,
      },
      'worker started',
    );
  }

  /**
   * Stops claiming, lets running jobs finish within the grace period, then hands back whatever is still
   * running as Pending without using up its attempt.
   */
  async stop(): Promise<WorkerStopReport> {
    if (this.stopping) return { drained: true, released: 0 };
    this.stopping = true;
    clearInterval(this.sweepTimer);
    this.wakeSignal.wake();
    const graceMs = this.options.config.shutdownGraceSeconds * 1000;
    let graceTimer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all(this.loops).then(() => true),
      new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(graceTimer);
    // Processors still running are told to stop; their jobs are handed back below with the rest.
    const interrupted = this.signals.jobIds();
    this.signals.abort(interrupted, new JobAbortReason('shutdown', 'the shutdown grace period ran out'));
    // A claim still on its way (waiting on a lock, say) commits whenever the database lets it; its jobs
    // would stay Processing with an attempt used once this process is gone. Wait for it: its jobs join
    // `running` as it resolves, and are handed back with the rest. The heartbeat runs until then.
    await Promise.allSettled([...this.claims]);
    clearInterval(this.heartbeatTimer);
    await this.renewal;
    this.handedBack = true;
    let released = 0;
    const unfinished = new Set([...this.running.keys(), ...interrupted]);
    if (unfinished.size > 0) {
      try {
        released = (await jobsRelease(this.options.pool, this.id, [...unfinished])).length;
      } catch (error) {
        this.log.error({ err: error }, 'could not hand back running jobs; their leases will expire instead');
      }
    }
    await this.notifications?.stop();
    this.log.info({ drained, released }, 'worker stopped');
    return { drained, released };
  }

  private async claimLoop(): Promise<void> {
    const { pool, config } = this.options;
    let failures = 0;
    // Each loop goes round the tenants on its own; loops and processes need not agree on a position.
    const cursor = newClaimCursor();
    while (!this.stopping) {
      let jobs: ClaimedJob[];
      // Claimed jobs are known as running the moment the claim resolves, before anything awaiting it
      // resumes: a stop() waiting on this claim then finds them.
      // A processor works on one job at a time: a batch would hold jobs idle behind a slow one.
      const limit = this.options.processor ? 1 : config.batchSize;
      const claimedAt = performance.now();
      const claim = jobsClaim(pool, this.id, limit, config.leaseSeconds, cursor).then((claimed) => {
        for (const job of claimed) this.running.set(job.id, job);
        return claimed;
      });
      this.claims.add(claim);
      try {
        jobs = await claim;
        failures = 0;
      } catch (error) {
        failures += 1;
        // Capped at 2 s: after an outage, claiming resumes within ~2 s of the database's return.
        const retryInMs = Math.min(100 * 2 ** failures, 2000);
        this.log.warn({ err: error, retryInMs }, 'claim failed');
        await sleep(retryInMs);
        continue;
      } finally {
        this.claims.delete(claim);
      }
      if (jobs.length === 0) {
        await this.wakeSignal.wait(config.pollIntervalMs);
        continue;
      }
      // Claimed after stop() began: not started, so stop() hands them back as they are.
      if (this.stopping) break;
      this.metrics.jobsClaimed(jobs.filter((job) => job.attempt === 1).map((job) => job.waitedSeconds));
      const processedAt = performance.now();
      const batch = new ClaimedBatch(jobs, claimedAt, this.surroundings);
      try {
        const { processor } = this.options;
        if (processor) await this.processOne(batch, processor);
        else await this.processBatch(batch);
        this.metrics.batchProcessed(jobs.length, (performance.now() - processedAt) / 1000);
      } catch (error) {
        // processBatch records failures itself; reaching here means the database was lost for longer than
        // a lease. The jobs stay Processing until their leases expire and the sweep takes them back.
        this.log.error(
          { err: error, jobs: jobs.map((job) => job.id) },
          'could not record the outcome of a batch',
        );
      } finally {
        batch.end();
        for (const job of jobs) {
          this.running.delete(job.id);
          this.finishing.delete(job.id);
        }
      }
    }
  }

  private async processBatch(batch: ClaimedBatch): Promise<void> {
    const { config, hooks } = this.options;
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
    if (this.handedBack) return;
    for (const job of jobs) this.finishing.add(job.id);
    if (ready.length > 0) failures.push(...(await this.complete(batch, ready)));
    await this.recordFailures(batch, failures);
    this.log.debug({ jobs: jobs.length, failed: failures.length }, 'batch done');
  }

  /**
   * Runs the processor on one job and records its outcome: the output with Succeeded in one fenced
   * statement, a failed attempt, or nothing when the lease was lost or the worker is handing the job back.
   */
  private async processOne(batch: ClaimedBatch, processor: JobProcessor): Promise<void> {
    const { pool, config } = this.options;
    const job = batch.jobs[0]!;
    const controller = this.signals.start(job.id, batch.claimStartedAt + config.leaseSeconds * 1000);
    let outcome;
    try {
      const events = jobEventsRead(pool, job.id, { signal: controller.signal });
      const span = batch.spanOf(job.id);
      const run = () =>
        runProcessor(processor, job, events, controller, config.jobTimeoutSeconds, span?.traceparent);
      // The job's span is the active one while the processor runs: its own spans are children of it.
      outcome = await (span ? this.surroundings.tracing.withActiveSpan(span, run) : run());
    } finally {
      this.signals.finish(job.id);
    }
    // Handed back while the processor ran (the grace period ran out): the job is no longer ours.
    if (this.handedBack) return;
    this.finishing.add(job.id);
    if (outcome.kind === 'output') {
      const { outputJson } = outcome;
      const { succeeded, incomplete } = await batch.finish(
        'complete ingestion jobs',
        [job.id],
        (report) => jobsSucceedWithOutput(pool, this.id, job.id, outputJson, report),
        (done) => (done.succeeded ? [job.id] : []),
      );
      if (incomplete) {
        await this.recordFailures(batch, [
          jobFailureOf(job, missingEventsError(incomplete), config.baseBackoffSeconds),
        ]);
      } else {
        this.metrics.jobsCompleted('succeeded', succeeded ? 1 : 0);
        await this.reportMissing([job.id], new Set(succeeded ? [job.id] : []));
      }
    } else if (outcome.kind === 'failed') {
      await this.recordFailures(batch, [jobFailureOf(job, outcome.error, config.baseBackoffSeconds)]);
    } else if (outcome.reason.kind === 'timeout') {
      await this.recordFailures(batch, [jobFailureOf(job, outcome.reason, config.baseBackoffSeconds)]);
    } else if (outcome.reason.kind === 'lease-lost') {
      this.metrics.leasesLost(1);
      this.log.warn({ jobId: job.id }, 'processor stopped: lease lost; another worker may own the job');
    } else if (outcome.reason.kind === 'cancelled') {
      this.log.info({ jobId: job.id }, 'processor stopped: the job was cancelled by an operator');
    }
    // A shutdown abort records nothing: stop() hands the job back without using up its attempt.
    this.log.debug({ jobId: job.id, outcome: outcome.kind }, 'job done');
  }

  /** Records failed attempts, fenced; a lease lost meanwhile leaves that job to its new owner. */
  private async recordFailures(batch: ClaimedBatch, failures: readonly WorkerJobFailure[]): Promise<void> {
    if (failures.length > 0) {
      for (const failure of failures) batch.failed(failure.id, failure.error);
      const outcomes = await batch.finish(
        'record failed attempts',
        failures.map((failure) => failure.id),
        (report) => jobsFail(this.options.pool, this.id, failures, report),
        (outcomes) => outcomes.flatMap((outcome) => (outcome.status === 'Failed' ? [outcome.id] : [])),
      );
      const failed = outcomes.filter((outcome) => outcome.status === 'Failed').length;
      this.metrics.jobsCompleted('failed', failed);
      this.metrics.jobsCompleted('retry', outcomes.length - failed);
      await this.reportMissing(
        failures.map((f) => f.id),
        new Set(outcomes.map((outcome) => outcome.id)),
      );
      for (const outcome of outcomes) {
        const failure = failures.find((f) => f.id === outcome.id);
        // The error itself, so the log carries its type and stack (pino's err); error is what the job says.
        this.log.warn(
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
    const { pool, config } = this.options;
    const ids = jobs.map((job) => job.id);
    try {
      const { succeeded, incomplete } = await batch.finish(
        'complete ingestion jobs',
        ids,
        (report) => jobsSucceed(pool, this.id, ids, report),
        (done) => [...done.succeeded],
      );
      this.metrics.jobsCompleted('succeeded', succeeded.size);
      await this.reportMissing(ids, new Set([...succeeded, ...incomplete.map((left) => left.id)]));
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
      this.log.warn({ err: error, jobs: jobs.length }, 'batch completion failed; completing jobs one by one');
    }
    const failures: WorkerJobFailure[] = [];
    for (const job of jobs) {
      failures.push(...(await this.complete(batch, [job])));
    }
    return failures;
  }

  /** What lostJobs.ts needs to tell a job cancelled by an operator from a lost lease. */
  private get lostJobs(): LostJobsContext {
    const { pool } = this.options;
    return { pool, owner: this.id, log: this.log, metrics: this.metrics, signals: this.signals };
  }

  /** Counts and logs the jobs an outcome statement did not find as this worker's: cancelled, or lost. */
  private reportMissing(ids: readonly string[], kept: Set<string>): Promise<void> {
    return reportMissingOutcomes(this.lostJobs, ids, kept);
  }

  private async renewLeases(): Promise<void> {
    // One renewal at a time: renewals held by a lock must not pile up and take every pool connection.
    // The one on its way renews, from the moment it runs, every job it names; jobs claimed meanwhile got
    // their lease from their claim.
    this.signals.abortExpired(performance.now());
    if (this.running.size === 0 || this.renewal) return;
    this.renewal = this.renew().finally(() => (this.renewal = undefined));
    await this.renewal;
  }

  private async renew(): Promise<void> {
    const ids = [...this.running.keys()];
    const renewedAt = performance.now();
    try {
      const kept = await jobsHeartbeat(this.options.pool, this.id, ids, this.options.config.leaseSeconds);
      this.signals.renewed(kept, renewedAt, this.options.config.leaseSeconds * 1000);
      // A job that completed while the renewal was on its way is no longer running, and not lost.
      // So is one whose outcome is being recorded right now: the heartbeat may run just after it committed.
      const missing = ids.filter((id) => !kept.has(id) && this.running.has(id) && !this.finishing.has(id));
      await stopMissingProcessors(this.lostJobs, missing);
    } catch (error) {
      this.log.warn({ err: error }, 'lease renewal failed');
    }
  }

  private async rescueExpired(): Promise<void> {
    try {
      const rescued = await this.sweep.run();
      if (rescued.length === 0) return;
      const failed = rescued.filter((r) => r.status === 'Failed').length;
      this.metrics.jobsReclaimed(rescued.length - failed, failed);
      this.log.warn(
        {
          pending: rescued.filter((r) => r.status === 'Pending').length,
          failed: rescued.filter((r) => r.status === 'Failed').length,
        },
        'took back jobs whose worker stopped renewing its lease',
      );
      this.wakeSignal.wake();
    } catch (error) {
      this.log.warn({ err: error }, 'lease sweep failed');
    }
  }
}
