import { jobsHeartbeat } from '../data/jobQueue.js';
import type { Pool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import type { WorkerMetrics } from '../metrics/workerMetrics.js';
import type { LeaseSweep } from './leaseSweep.js';
import { stopMissingProcessors, type LostJobsContext } from './lostJobs.js';
import type { ProcessorSignals } from './processorSignals.js';

/** What the leases of a worker's jobs are kept with. */
export interface LeaseKeeperContext {
  pool: Pool;
  /** The worker's owner name, as written on the jobs it claims. */
  owner: string;
  leaseSeconds: number;
  /** The worker's running jobs, by id. */
  running: ReadonlyMap<string, unknown>;
  /** Running jobs whose outcome statement is on its way: a renewal that misses them has not lost them. */
  finishing: ReadonlySet<string>;
  signals: ProcessorSignals;
  lostJobs: LostJobsContext;
  /** Takes back the jobs of workers that stopped renewing their leases. */
  sweep: LeaseSweep;
  metrics: WorkerMetrics;
  log: Logger;
  /** Told when the sweep put jobs back: they are due again. */
  onRescued(): void;
}

/**
 * The leases around a worker's claim loops: renews its running jobs' leases every fifth of a lease (a
 * processor whose lease ran out, or whose job was cancelled, is stopped), and sweeps the jobs of workers
 * that died back to Pending.
 */
export class LeaseKeeper {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The lease renewal on its way, if any: a stopping worker waits for it before it ends the pool. */
  private renewal: Promise<void> | undefined;

  constructor(private readonly context: LeaseKeeperContext) {}

  /** Starts renewing and sweeping. */
  start(): void {
    const leaseMs = this.context.leaseSeconds * 1000;
    this.heartbeatTimer = setInterval(() => void this.renewLeases(), leaseMs / 5);
    this.sweepTimer = setInterval(() => void this.rescueExpired(), Math.min(1000, leaseMs / 4));
  }

  /** Stops sweeping: a stopping worker takes back nothing more. Renewals go on until stop(). */
  stopSweeping(): void {
    clearInterval(this.sweepTimer);
  }

  /** Stops renewing, once the renewal on its way (if any) is done. */
  async stop(): Promise<void> {
    this.stopSweeping();
    clearInterval(this.heartbeatTimer);
    await this.renewal;
  }

  private async renewLeases(): Promise<void> {
    // One renewal at a time: renewals held by a lock must not pile up and take every pool connection.
    // The one on its way renews, from the moment it runs, every job it names; jobs claimed meanwhile got
    // their lease from their claim.
    this.context.signals.abortExpired(performance.now());
    if (this.context.running.size === 0 || this.renewal) return;
    this.renewal = this.renew().finally(() => (this.renewal = undefined));
    await this.renewal;
  }

  private async renew(): Promise<void> {
    const { pool, owner, leaseSeconds, running, finishing, signals } = this.context;
    const ids = [...running.keys()];
    const renewedAt = performance.now();
    try {
      const kept = await jobsHeartbeat(pool, owner, ids, leaseSeconds);
      signals.renewed(kept, renewedAt, leaseSeconds * 1000);
      // A job that completed while the renewal was on its way is no longer running, and not lost.
      // So is one whose outcome is being recorded right now: the heartbeat may run just after it committed.
      const missing = ids.filter((id) => !kept.has(id) && running.has(id) && !finishing.has(id));
      await stopMissingProcessors(this.context.lostJobs, missing);
    } catch (error) {
      this.context.log.warn({ err: error }, 'lease renewal failed');
    }
  }

  private async rescueExpired(): Promise<void> {
    const { sweep, metrics, log } = this.context;
    try {
      const rescued = await sweep.run();
      if (rescued.length === 0) return;
      const failed = rescued.filter((r) => r.status === 'Failed').length;
      metrics.jobsReclaimed(rescued.length - failed, failed);
      log.warn(
        { pending: rescued.length - failed, failed },
        'took back jobs whose worker stopped renewing its lease',
      );
      this.context.onRescued();
    } catch (error) {
      log.warn({ err: error }, 'lease sweep failed');
    }
  }
}
