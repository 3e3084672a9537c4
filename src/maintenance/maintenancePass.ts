import type { MaintenanceConfig } from '../config/config.js';
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
} from '../data/partitionStore.js';
import type { Pool } from '../data/pool.js';
import { eventsStartAt, planPartitions, type EventPartition } from '../domain/partitionPlan.js';
import { MaintenanceLock } from './maintenanceLock.js';
import { keepOperatorTables } from './operatorTables.js';
import { emptyReport, type DeferredStep, type PassReport } from './passReport.js';

const dayMs = 86_400_000;

/** What a pass keeps and for how long. */
export interface MaintenanceSettings {
  /** Days a day's partition is kept after it ends; 0: forever. */
  rawEventRetentionDays: number;
  /** Days a finished job is kept after it finished; 0: forever. */
  jobRetentionDays: number;
  /** Days after today that get their partition ahead of time. */
  daysAhead: number;
  /** How long any step waits for a lock before it is left for the next pass. */
  lockTimeoutMs: number;
  /** Jobs one delete statement takes at most. */
  deleteBatchSize: number;
}

/** The shipped values of the settings that are not configuration. */
export const maintenanceDefaults = {
  daysAhead: 7,
  // Short: a step waiting for a lock holds up whatever queues behind it (see docs/operations.md).
  lockTimeoutMs: 3000,
  deleteBatchSize: 2000,
} as const;

/** The settings of a pass from the configuration. */
export function maintenanceSettingsOf(config: MaintenanceConfig): MaintenanceSettings {
  return {
    ...maintenanceDefaults,
    rawEventRetentionDays: config.rawEventRetentionDays,
    jobRetentionDays: config.jobRetentionDays,
  };
}

/** How a pass is run. */
export interface PassOptions {
  /** The time to work by; the database's clock when absent. Tests run a sped-up clock through it. */
  now?: Date;
  /** Asked between steps: true makes the pass stop there (the process is stopping). */
  shouldStop?: () => boolean;
  /** Runs once the lock is held, before any step (tests hold a pass there). */
  afterLock?: () => Promise<void>;
  /** Runs before each detach (tests retry a job there, as an operator might at that moment). */
  beforeDetach?: (partition: string) => Promise<void>;
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
    if (!stopped()) await keepOperatorTables(pool, report, stopped);
    report.partitionsUntil = latestEnd(await partitionsList(pool));
    return report;
  } finally {
    await lock.release();
  }
}

function latestEnd(partitions: readonly EventPartition[]): Date | null {
  const ends = partitions.flatMap((p) => (p.to ? [p.to.getTime()] : []));
  return ends.length === 0 ? null : new Date(Math.max(...ends));
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
    const { lockTimeoutMs } = settings;
    // Tables an interrupted pass detached but did not drop go first; then a pending detach, which
    // would refuse every other concurrent detach, is completed.
    for (const name of await partitionsDetachedFind(pool)) {
      if (stopped()) return;
      if (
        await this.attempt({ step: 'drop', partition: name }, () => partitionDrop(pool, name, lockTimeoutMs))
      )
        report.dropped.push(name);
    }
    if (settings.rawEventRetentionDays === 0) return;
    const oldestUnfinishedAt = await jobsUnfinishedOldest(pool);
    const plan = planPartitions({
      partitions: await partitionsList(pool),
      now: report.now,
      daysAhead: 0,
      retentionDays: settings.rawEventRetentionDays,
      oldestUnfinishedAt,
    });
    if (plan.keep.length > 0) {
      report.kept = plan.keep.map((p) => p.name);
      report.oldestUnfinishedAt = oldestUnfinishedAt;
    }
    for (const partition of plan.drop) {
      if (stopped()) return;
      const { name } = partition;
      await this.options.beforeDetach?.(name);
      const detached = partition.detachPending
        ? await this.attempt({ step: 'finalize', partition: name }, async () => {
            await partitionDetachFinalize(pool, name, lockTimeoutMs);
            report.finalized.push(name);
          })
        : await this.attempt({ step: 'detach', partition: name }, () =>
            partitionDetach(pool, name, lockTimeoutMs, (statement) => this.lock.cancelStatement(statement)),
          );
      // A detach that timed out is left pending; no other can run until it is finalized.
      if (!detached) return;
      // A job accepted before the partition's end may have become unfinished since the check above (an
      // operator retried it). Once detached, the partition is out of sight of such a retry (it finds no
      // events and refuses), so looking again now closes the gap: the partition goes back in place.
      const oldestNow = await jobsUnfinishedOldest(pool);
      if (oldestNow !== null && oldestNow.getTime() < partition.to!.getTime()) {
        await partitionReattach(pool, partition, lockTimeoutMs);
        report.kept.push(name);
        report.oldestUnfinishedAt = oldestNow;
        return;
      }
      const dropped = await this.attempt({ step: 'drop', partition: name }, () =>
        partitionDrop(pool, name, lockTimeoutMs),
      );
      if (!dropped) return;
      report.dropped.push(name);
    }
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
