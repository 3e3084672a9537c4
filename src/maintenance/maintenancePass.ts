import { jobsDeleteExpired, jobsUnfinishedOldest } from '../data/jobRetention.js';
import {
  isLockTimeout,
  partitionCreate,
  partitionDetach,
  partitionDetachFinalize,
  partitionDrop,
  partitionReattach,
  partitionsDetachedFind,
  partitionsList,
  partitionUnfinishedEventsFind,
} from '../data/partitionStore.js';
import type { Pool } from '../data/pool.js';
import {
  eventsStartAt,
  holdsUnfinished,
  partitionsEnd,
  planPartitions,
  type EventPartition,
} from '../domain/partitionPlan.js';
import { MaintenanceLock } from './maintenanceLock.js';
import type { MaintenanceSettings } from './maintenanceSettings.js';
import { sweepOrphanedKeys, type KeySweepPosition } from './keySweep.js';
import { keepOperatorTables } from './operatorTables.js';
import { emptyReport, type DeferredStep, type PassReport } from './passReport.js';

const dayMs = 86_400_000;

export {
  maintenanceDefaults,
  maintenanceSettingsOf,
  type MaintenanceSettings,
} from './maintenanceSettings.js';

/** How a pass is run. */
export interface PassOptions {
  /** The time to work by; the database's clock when absent. Tests run a sped-up clock through it. */
  now?: Date;
  /** Asked between steps: true makes the pass stop there (the process is stopping). */
  shouldStop?: () => boolean;
  /** Runs once the lock is held, before any step (tests hold a pass there). */
  afterLock?: () => Promise<void>;
  /**
   * Runs before each detach, the pass holding the lock retries share and having found no unfinished
   * job in the partition (tests retry a job there, as an operator might at that moment).
   */
  beforeDetach?: (partition: string) => Promise<void>;
  /** Where the previous pass's sweep of idempotency keys stopped (see keySweep.ts). */
  keySweepAfter?: KeySweepPosition | null;
}

/**
 * One maintenance pass, if no other process is running one: creates the partitions of today through
 * today + daysAhead, completes detaches left pending, detaches and drops partitions past retention (never
 * one that may hold events of an unfinished job), then deletes finished jobs past retention whose events
 * are gone, in batches, and keeps the dashboard's tables up to date (operatorTables.ts). `pool` must
 * have two connections: one holds the lock, the other runs the steps. A step that cannot get its lock
 * in time is left for the next pass; any other error ends the pass.
 */
export async function runMaintenancePass(
  pool: Pool,
  settings: MaintenanceSettings,
  options: PassOptions = {},
): Promise<PassReport> {
  const lock = await MaintenanceLock.take(pool);
  if (!lock) return emptyReport(options.now ?? new Date(), false);
  try {
    await options.afterLock?.();
    const report = emptyReport(options.now ?? lock.databaseNow);
    const stopped = () => {
      report.interrupted ||= Boolean(options.shouldStop?.() || lock.lost);
      return report.interrupted;
    };
    const step = new Steps(pool, settings, report, lock, options);
    await step.createAhead(stopped);
    if (!stopped()) await step.dropExpired(stopped);
    if (!stopped()) await step.deleteJobs(stopped);
    if (!stopped())
      Object.assign(report, await sweepOrphanedKeys(pool, settings, options.keySweepAfter, stopped));
    if (!stopped()) await keepOperatorTables(pool, report, stopped);
    report.partitionsUntil = partitionsEnd(await partitionsList(pool));
    return report;
  } finally {
    await lock.release();
  }
}

/** The steps of one pass, writing what they do into its report. */
class Steps {
  constructor(
    private readonly pool: Pool,
    private readonly settings: MaintenanceSettings,
    private readonly report: PassReport,
    private readonly lock: MaintenanceLock,
    private readonly options: PassOptions,
  ) {}

  /** Runs a step; a lock timeout defers it (true: go on with the next step of its kind). */
  private async attempt(deferred: DeferredStep, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      this.report.deferred.push(deferred);
      return false;
    }
  }

  async createAhead(stopped: () => boolean): Promise<void> {
    const { pool, settings, report } = this;
    const plan = planPartitions({
      partitions: await partitionsList(pool),
      now: report.now,
      daysAhead: settings.daysAhead,
      retentionDays: 0,
      oldestUnfinishedAt: null,
    });
    // Today first: it is the one inserts need now. A lock that is not free now will not be free for
    // the next day either, so the first timeout leaves the rest to the next pass.
    for (const partition of plan.create) {
      if (stopped()) return;
      const done = await this.attempt({ step: 'create', partition: partition.name }, () =>
        partitionCreate(pool, partition, settings.lockTimeoutMs),
      );
      if (!done) return;
      report.created.push(partition.name);
    }
  }

  async dropExpired(stopped: () => boolean): Promise<void> {
    const { pool, settings, report } = this;
    // Tables an interrupted pass detached but did not drop go first; then a pending detach, which
    // would refuse every other concurrent detach, is completed or undone.
    for (const name of await partitionsDetachedFind(pool)) {
      if (stopped()) return;
      await this.leftover(name);
    }
    const partitions = await partitionsList(pool);
    const oldestUnfinishedAt = await jobsUnfinishedOldest(pool);
    const plan = planPartitions({
      partitions,
      now: report.now,
      daysAhead: 0,
      retentionDays: settings.rawEventRetentionDays,
      oldestUnfinishedAt,
    });
    if (plan.keep.length > 0) {
      report.kept = plan.keep.map((p) => p.name);
      report.oldestUnfinishedAt = oldestUnfinishedAt;
    }
    // A detach left pending that is not to be completed now (a job not finished may read the partition,
    // or retention is off) would keep its events out of sight of new queries for good: put it back.
    const dropping = new Set(plan.drop.map((p) => p.name));
    for (const partition of partitions.filter((p) => p.detachPending && !dropping.has(p.name))) {
      if (stopped()) return;
      await this.restore(partition);
    }
    for (const partition of plan.drop) {
      if (stopped() || !(await this.dropOne(partition))) return;
    }
  }

  /** Drops a table a pass detached but did not drop, or puts it back if a job not finished needs it. */
  private async leftover(name: string): Promise<void> {
    const { pool, settings, report } = this;
    const needed = await partitionUnfinishedEventsFind(pool, name);
    if (needed) {
      await this.restore(needed);
      return;
    }
    if (
      await this.attempt({ step: 'drop', partition: name }, () =>
        partitionDrop(pool, name, settings.lockTimeoutMs),
      )
    )
      report.dropped.push(name);
  }

  private async restore(partition: EventPartition): Promise<void> {
    const { pool, settings, report } = this;
    if (
      await this.attempt({ step: 'restore', partition: partition.name }, () =>
        partitionReattach(pool, partition, settings.lockTimeoutMs),
      )
    )
      report.restored.push(partition.name);
  }

  /** Keeps a partition a job not finished may read, putting it back first if it was detached. */
  private async keep(partition: EventPartition, oldestUnfinishedAt: Date, detached: boolean): Promise<void> {
    const { report } = this;
    if (detached) await this.restore(partition);
    if (!report.kept.includes(partition.name)) report.kept.push(partition.name);
    report.oldestUnfinishedAt = oldestUnfinishedAt;
  }

  /**
   * Detaches one partition past retention and drops it, under the lock an operator's retry shares:
   * while the pass holds it no job can become unfinished, so a partition found without unfinished jobs
   * is detached without one. True when dropped (go on with the next).
   */
  private async dropOne(partition: EventPartition): Promise<boolean> {
    if (partition.detachPending) return this.finalizeAndDrop(partition);
    const { pool, settings, lock } = this;
    const { name } = partition;
    const { lockTimeoutMs } = settings;
    if (!(await this.attempt({ step: 'detach', partition: name }, () => lock.holdEventsDrop(lockTimeoutMs))))
      return false;
    let unfinishedSince: Date | null;
    try {
      // The plan looked before the lock: a retry may have come in between.
      unfinishedSince = await jobsUnfinishedOldest(pool);
      if (holdsUnfinished(partition, unfinishedSince)) {
        await this.keep(partition, unfinishedSince!, false);
        return false;
      }
      await this.options.beforeDetach?.(name);
      const detached = await this.attempt({ step: 'detach', partition: name }, () =>
        partitionDetach(pool, name, lockTimeoutMs, (statement) => lock.cancelStatement(statement)),
      );
      // A detach that timed out is left pending; no other can run until it is finalized.
      if (!detached) return false;
      // Looked again, should the lock have been lost meanwhile (its connection failed) or a job have
      // been made unfinished by other means than a retry.
      unfinishedSince = await jobsUnfinishedOldest(pool);
    } finally {
      await lock.releaseEventsDrop();
    }
    return this.dropDetached(partition, unfinishedSince);
  }

  /**
   * Completes a detach an earlier pass left pending, and drops the partition. Without the lock retries
   * share: the partition is out of sight of their queries already (they find no events and refuse),
   * and DETACH ... FINALIZE waits for every older snapshot, a retry waiting for the lock among them.
   */
  private async finalizeAndDrop(partition: EventPartition): Promise<boolean> {
    const { pool, settings, report } = this;
    const { name } = partition;
    const finalized = await this.attempt({ step: 'finalize', partition: name }, () =>
      partitionDetachFinalize(pool, name, settings.lockTimeoutMs),
    );
    if (!finalized) return false;
    report.finalized.push(name);
    return this.dropDetached({ ...partition, detachPending: false }, await jobsUnfinishedOldest(pool));
  }

  /** Drops a detached partition, or puts it back when a job not finished may read it after all. */
  private async dropDetached(partition: EventPartition, unfinishedSince: Date | null): Promise<boolean> {
    const { pool, settings, report } = this;
    if (holdsUnfinished(partition, unfinishedSince)) {
      await this.keep(partition, unfinishedSince!, true);
      return false;
    }
    const dropped = await this.attempt({ step: 'drop', partition: partition.name }, () =>
      partitionDrop(pool, partition.name, settings.lockTimeoutMs),
    );
    if (dropped) report.dropped.push(partition.name);
    return dropped;
  }

  async deleteJobs(stopped: () => boolean): Promise<void> {
    const { pool, settings, report } = this;
    if (settings.jobRetentionDays === 0) {
      report.jobRetentionOff = true;
      return;
    }
    // The partitions as they are now, after the drops (or the drops that could not be done).
    const acceptedBefore = eventsStartAt(await partitionsList(pool), report.now);
    report.jobsAcceptedBefore = acceptedBefore;
    if (!acceptedBefore) return;
    const finishedBefore = new Date(report.now.getTime() - settings.jobRetentionDays * dayMs);
    while (!stopped()) {
      const deleted = await jobsDeleteExpired(pool, finishedBefore, acceptedBefore, settings.deleteBatchSize);
      report.jobsDeleted += deleted;
      if (deleted < settings.deleteBatchSize) return;
    }
  }
}
