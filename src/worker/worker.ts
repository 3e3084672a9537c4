import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { JobNotifications } from '../data/jobNotifications.js';
import { jobsRelease, newClaimCursor, type ClaimedJob, type FinishReport } from '../data/jobQueue.js';
import type { Logger } from '../log/logger.js';
import { retryWhileDatabaseAway } from './databaseAway.js';
import { noWorkerMetrics, type WorkerMetrics } from '../metrics/workerMetrics.js';
import { JobAbortReason } from '../processing/processor.js';
import { noTracing } from '../tracing/tracing.js';
import { ClaimedBatch, type BatchSurroundings } from './claimedBatch.js';
import { claimStep, type ClaimStep } from './claimStep.js';
import { LeaseSweep } from './leaseSweep.js';
import { BatchOutcomes } from './batchOutcomes.js';
import { LeaseKeeper } from './leaseKeeper.js';
import type { LostJobsContext } from './lostJobs.js';
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
  /** What each claimed batch runs its finishing statements with. */
  private readonly surroundings: BatchSurroundings;
  private readonly notifications: JobNotifications | undefined;
  private loops: Array<Promise<void>> = [];
  private stopping = false;
  private readonly leases: LeaseKeeper;
  private readonly outcomes: BatchOutcomes;
  /** Set once a stopping worker handed its running jobs back: nothing may touch them (or the pool) after. */
  private handedBack = false;

  constructor(private readonly options: WorkerOptions) {
    this.log = options.logger.child({ workerId: this.id });
    this.metrics = options.metrics ?? noWorkerMetrics;
    const sweep = new LeaseSweep(
      options.pool,
      options.config.leaseSeconds,
      (waitedMs) =>
        this.log.warn(
          { waitedMs: Math.round(waitedMs), graceSeconds: options.config.leaseSeconds },
          'lease sweep waited on the database (a lock?); leases that ran out meanwhile get one more lease',
        ),
      options.onWebhooksWritten,
    );
    this.leases = new LeaseKeeper({
      pool: options.pool,
      owner: this.id,
      leaseSeconds: options.config.leaseSeconds,
      running: this.running,
      finishing: this.finishing,
      signals: this.signals,
      lostJobs: this.lostJobs,
      sweep,
      metrics: this.metrics,
      log: this.log,
      onRescued: () => this.wakeSignal.wake(),
    });
    this.outcomes = new BatchOutcomes({
      options,
      owner: this.id,
      log: this.log,
      metrics: this.metrics,
      signals: this.signals,
      tracing: options.tracing ?? noTracing,
      finishing: this.finishing,
      handedBack: () => this.handedBack,
      lostJobs: this.lostJobs,
    });
    this.surroundings = {
      tracing: options.tracing ?? noTracing,
      options,
      // A fenced statement is retried for at most one lease length while the database is away.
      whileLeaseHeld: (statement) => retryWhileDatabaseAway(statement, options.config.leaseSeconds * 1000),
    };
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

  /**
   * Whether jobs announced by id are completed in the round trip that claims them: only for the SQL
   * aggregation on a pipelining pool, with nothing that must run between claim and completion (a
   * processor, a test hook) and no trace to continue (the pipelined completion runs in no span).
   */
  private get completesAnnounced(): boolean {
    const { pipelined, processor, hooks, tracing } = this.options;
    return pipelined === true && !processor && !hooks && !tracing?.enabled;
  }

  /** Jobs claimed and not yet finished, for the process's announcements. */
  jobsInHand(): number {
    return this.running.size;
  }

  /** Starts listening for jobs and runs the claim loops. */
  async start(): Promise<void> {
    const { config } = this.options;
    await this.notifications?.start();
    this.leases.start();
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
    this.leases.stopSweeping();
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
    await this.leases.stop();
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
      const report: FinishReport = { webhooks: 0 };
      const claim = claimStep(pool, this.id, {
        limit,
        leaseSeconds: config.leaseSeconds,
        cursor,
        announced: byIds,
        completeAnnounced: this.completesAnnounced,
        report,
      }).then((step) => {
        for (const job of step.claimed)
          if (!step.completed?.succeeded.has(job.id)) this.running.set(job.id, job);
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
      // Completed in the claim's round trip. A job left short of events goes on below, where its
      // completion finds it short again and fails it.
      const completed = step.completed?.succeeded;
      if (completed) {
        this.metrics.jobsCompleted('succeeded', completed.size);
        this.metrics.batchProcessed(completed.size, (performance.now() - claimedAt) / 1000);
        if (report.webhooks > 0) this.options.onWebhooksWritten?.();
      }
      // Claimed after stop() began: not started, so stop() hands them back as they are.
      if (this.stopping) break;
      this.metrics.jobsClaimed(jobs.filter((job) => job.attempt === 1).map((job) => job.waitedSeconds));
      if (completed) {
        jobs = jobs.filter((job) => !completed.has(job.id));
        if (jobs.length === 0) continue;
      }
      const processedAt = performance.now();
      const batch = new ClaimedBatch(jobs, claimedAt, this.surroundings);
      try {
        const { processor } = this.options;
        if (processor) await this.outcomes.processOne(batch, processor);
        else await this.outcomes.processBatch(batch);
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

  /** What lostJobs.ts needs to tell a job cancelled by an operator from a lost lease. */
  private get lostJobs(): LostJobsContext {
    const { pool } = this.options;
    return { pool, owner: this.id, log: this.log, metrics: this.metrics, signals: this.signals };
  }
}
