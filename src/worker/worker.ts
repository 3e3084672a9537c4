import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { JobNotifications } from '../data/jobNotifications.js';
import { jobEventsRead } from '../data/jobEvents.js';
import {
  jobsFail,
  jobsHeartbeat,
  jobsRelease,
  jobsSucceed,
  jobsSucceedWithOutput,
  newClaimCursor,
  type ClaimedJob,
  type JobFailure,
} from '../data/jobQueue.js';
import type { Logger } from '../log/logger.js';
import { isDatabaseAway, retryWhileDatabaseAway } from './databaseAway.js';
import { noWorkerMetrics, type WorkerMetrics } from '../metrics/workerMetrics.js';
import { JobAbortReason, type JobProcessor } from '../processing/processor.js';
import { jobFailureOf } from './jobFailure.js';
import { claimStep, type ClaimStep } from './claimStep.js';
import { LeaseSweep } from './leaseSweep.js';
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
  private readonly claims = new Set<Promise<unknown>>();
  private readonly wakeSignal = new WakeSignal();
  private readonly log: Logger;
  private readonly metrics: WorkerMetrics;
  private readonly notifications: JobNotifications | undefined;
  private loops: Array<Promise<void>> = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private renewing = false;
  private readonly sweep: LeaseSweep;
  /** Set once a stopping worker handed its running jobs back: nothing may touch them (or the pool) after. */
  private handedBack = false;

  constructor(private readonly options: WorkerOptions) {
    this.log = options.logger.child({ workerId: this.id });
    this.sweep = new LeaseSweep(options.pool, options.config.leaseSeconds, (waitedMs) =>
      this.log.warn(
        { waitedMs: Math.round(waitedMs), graceSeconds: options.config.leaseSeconds },
        'lease sweep waited on the database (a lock?); leases that ran out meanwhile get one more lease',
      ),
    );
    this.metrics = options.metrics ?? noWorkerMetrics;
    this.notifications =
      options.database &&
      new JobNotifications(options.database, 'ingest-worker', {
        // An insert of a few jobs names them: one idle loop claims them by id (jobsClaimByIds).
        onJob: (payload) =>
          payload === '' ? this.wakeSignal.wake() : this.wakeSignal.announce(payload.split(',')),
        onConnected: () => this.wakeSignal.wake(),
        onError: (error, retryInMs) =>
          this.log.warn(
            { err: error, retryInMs },
            'job notifications unavailable; polling until reconnected',
          ),
      });
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
    // Jobs announced by id to this loop while it was idle: claimed by id, the fair claim's walk skipped.
    let announced: string[] | undefined;
    while (!this.stopping) {
      let jobs: readonly ClaimedJob[];
      // Claimed jobs are known as running the moment the claim resolves, before anything awaiting it
      // resumes: a stop() waiting on this claim then finds them.
      // A processor works on one job at a time: a batch would hold jobs idle behind a slow one.
      const limit = this.options.processor ? 1 : config.batchSize;
      const claimedAt = performance.now();
      const byIds = announced;
      announced = undefined;
      const claim = claimStep(pool, this.id, {
        limit,
        leaseSeconds: config.leaseSeconds,
        cursor,
        announced: byIds,
        completeAnnounced:
          this.options.pipelined === true && !this.options.processor && !this.options.hooks?.beforeComplete,
      }).then((step) => {
        for (const job of step.claimed) if (!step.completed?.has(job.id)) this.running.set(job.id, job);
        return step;
      });
      this.claims.add(claim);
      let step: ClaimStep;
      try {
        step = await claim;
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
      if (step.claimed.length === 0) {
        // Announced jobs another worker took: the fair claim looks for anything else before sleeping.
        if (byIds) continue;
        announced = await this.wakeSignal.wait(config.pollIntervalMs);
        continue;
      }
      jobs = step.claimed;
      const completed = step.completed;
      if (completed) {
        this.metrics.jobsCompleted('succeeded', completed.size);
        this.metrics.batchProcessed(completed.size, (performance.now() - claimedAt) / 1000);
      }
      // Claimed after stop() began: not started, so stop() hands them back as they are.
      if (this.stopping) break;
      this.metrics.jobsClaimed(jobs.filter((job) => job.attempt === 1).map((job) => job.waitedSeconds));
      if (completed) {
        jobs = jobs.filter((job) => !completed.has(job.id));
        if (jobs.length === 0) continue;
      }
      const processedAt = performance.now();
      try {
        const { processor } = this.options;
        if (processor) await this.processOne(jobs[0]!, processor, claimedAt + config.leaseSeconds * 1000);
        else await this.processBatch(jobs);
        this.metrics.batchProcessed(jobs.length, (performance.now() - processedAt) / 1000);
      } catch (error) {
        // processBatch records failures itself; reaching here means the database was lost for longer than
        // a lease. The jobs stay Processing until their leases expire and the sweep takes them back.
        this.log.error(
          { err: error, jobs: jobs.map((job) => job.id) },
          'could not record the outcome of a batch',
        );
      } finally {
        for (const job of jobs) {
          this.running.delete(job.id);
          this.finishing.delete(job.id);
        }
      }
    }
  }

  private async processBatch(jobs: readonly ClaimedJob[]): Promise<void> {
    const { config, hooks } = this.options;
    const failures: JobFailure[] = [];
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
    if (ready.length > 0) failures.push(...(await this.complete(ready)));
    await this.recordFailures(failures);
    this.log.debug({ jobs: jobs.length, failed: failures.length }, 'batch done');
  }

  /**
   * Runs the processor on one job and records its outcome: the output with Succeeded in one fenced
   * statement, a failed attempt, or nothing when the lease was lost or the worker is handing the job back.
   */
  private async processOne(job: ClaimedJob, processor: JobProcessor, leaseUntil: number): Promise<void> {
    const { pool, config } = this.options;
    const controller = this.signals.start(job.id, leaseUntil);
    let outcome;
    try {
      const events = jobEventsRead(pool, job.id, { signal: controller.signal });
      outcome = await runProcessor(processor, job, events, controller, config.jobTimeoutSeconds);
    } finally {
      this.signals.finish(job.id);
    }
    // Handed back while the processor ran (the grace period ran out): the job is no longer ours.
    if (this.handedBack) return;
    this.finishing.add(job.id);
    if (outcome.kind === 'output') {
      const { outputJson } = outcome;
      const done = await this.whileLeaseHeld(() => jobsSucceedWithOutput(pool, this.id, job.id, outputJson));
      this.metrics.jobsCompleted('succeeded', done ? 1 : 0);
      this.metrics.leasesLost(done ? 0 : 1);
      this.reportLostLeases([job.id], new Set(done ? [job.id] : []));
    } else if (outcome.kind === 'failed') {
      await this.recordFailures([jobFailureOf(job, outcome.error, config.baseBackoffSeconds)]);
    } else if (outcome.reason.kind === 'timeout') {
      await this.recordFailures([jobFailureOf(job, outcome.reason, config.baseBackoffSeconds)]);
    } else if (outcome.reason.kind === 'lease-lost') {
      this.metrics.leasesLost(1);
      this.log.warn({ jobId: job.id }, 'processor stopped: lease lost; another worker may own the job');
    }
    // A shutdown abort records nothing: stop() hands the job back without using up its attempt.
    this.log.debug({ jobId: job.id, outcome: outcome.kind }, 'job done');
  }

  /** Records failed attempts, fenced; a lease lost meanwhile leaves that job to its new owner. */
  private async recordFailures(failures: readonly JobFailure[]): Promise<void> {
    if (failures.length > 0) {
      const outcomes = await this.whileLeaseHeld(() => jobsFail(this.options.pool, this.id, failures));
      const failed = outcomes.filter((outcome) => outcome.status === 'Failed').length;
      this.metrics.jobsCompleted('failed', failed);
      this.metrics.jobsCompleted('retry', outcomes.length - failed);
      this.metrics.leasesLost(failures.length - outcomes.length);
      for (const outcome of outcomes) {
        const failure = failures.find((f) => f.id === outcome.id);
        this.log.warn(
          { jobId: outcome.id, status: outcome.status, error: failure?.error },
          'job attempt failed',
        );
      }
    }
  }

  /**
   * Completes a batch in one statement. When that statement fails for a reason other than the database
   * being away, the jobs are completed one by one, so one bad job fails alone and its batch-mates
   * succeed. Returns the failures to record.
   */
  private async complete(jobs: readonly ClaimedJob[]): Promise<JobFailure[]> {
    const { pool, config } = this.options;
    const ids = jobs.map((job) => job.id);
    try {
      const done = await this.whileLeaseHeld(() => jobsSucceed(pool, this.id, ids));
      this.metrics.jobsCompleted('succeeded', done.size);
      this.metrics.leasesLost(ids.length - done.size);
      this.reportLostLeases(ids, done);
      return [];
    } catch (error) {
      // A statement timeout or a limit is this batch's doing: split it, so it fails only the job that
      // causes it, with that job's own error and backoff.
      if (isDatabaseAway(error)) throw error;
      if (jobs.length === 1) return [jobFailureOf(jobs[0]!, error, config.baseBackoffSeconds)];
      this.log.warn({ err: error, jobs: jobs.length }, 'batch completion failed; completing jobs one by one');
    }
    const failures: JobFailure[] = [];
    for (const job of jobs) {
      failures.push(...(await this.complete([job])));
    }
    return failures;
  }

  /** Runs a fenced statement, retrying for at most one lease length while the database is away. */
  private whileLeaseHeld<T>(statement: () => Promise<T>): Promise<T> {
    return retryWhileDatabaseAway(statement, this.options.config.leaseSeconds * 1000);
  }

  private reportLostLeases(ids: readonly string[], kept: Set<string>): void {
    const lost = ids.filter((id) => !kept.has(id));
    if (lost.length > 0)
      this.log.warn({ jobs: lost }, 'lease lost before completion; another worker owns these jobs');
  }

  private async renewLeases(): Promise<void> {
    // One renewal at a time: renewals held by a lock must not pile up and take every pool connection.
    // The one on its way renews, from the moment it runs, every job it names; jobs claimed meanwhile got
    // their lease from their claim.
    this.signals.abortExpired(performance.now());
    if (this.running.size === 0 || this.renewing) return;
    this.renewing = true;
    const ids = [...this.running.keys()];
    const renewedAt = performance.now();
    try {
      const kept = await jobsHeartbeat(this.options.pool, this.id, ids, this.options.config.leaseSeconds);
      this.signals.renewed(kept, renewedAt, this.options.config.leaseSeconds * 1000);
      // A job that completed while the renewal was on its way is no longer running, and not lost.
      // So is one whose outcome is being recorded right now: the heartbeat may run just after it committed.
      const lost = ids.filter((id) => !kept.has(id) && this.running.has(id) && !this.finishing.has(id));
      if (lost.length > 0) {
        this.log.warn({ jobs: lost }, 'lease lost while running; another worker owns these jobs');
        this.signals.abort(lost, new JobAbortReason('lease-lost', 'the lease was lost to another worker'));
      }
    } catch (error) {
      this.log.warn({ err: error }, 'lease renewal failed');
    } finally {
      this.renewing = false;
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
