import { jobsCancelledFind } from '../data/jobQueue.js';
import type { Pool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import type { WorkerMetrics } from '../metrics/workerMetrics.js';
import { JobAbortReason } from '../processing/processor.js';
import type { ProcessorSignals } from './processorSignals.js';

/** What telling lost jobs apart needs from the worker. */
export interface LostJobsContext {
  pool: Pool;
  /** The worker's owner name, as written on the jobs it claims. */
  owner: string;
  log: Logger;
  metrics: WorkerMetrics;
  signals: ProcessorSignals;
}

/** Jobs a fenced statement of a worker no longer found as its own, by why. */
interface LostJobs {
  /** An operator cancelled them while this worker ran them: they are Failed already. */
  cancelled: string[];
  /** Their lease ran out and the sweep took them back: another worker may run them now. */
  lost: string[];
}

/**
 * Tells apart the jobs a renewal or an outcome statement of `owner` did not find: cancelled by an
 * operator, or lost to the lease sweep. Asks the database only when some are missing, which is rare;
 * when it cannot answer, all of them count as lost (the cautious reading: stop and record nothing).
 */
async function sortLostJobs(pool: Pool, owner: string, missing: readonly string[]): Promise<LostJobs> {
  if (missing.length === 0) return { cancelled: [], lost: [] };
  let cancelled: Set<string>;
  try {
    cancelled = await jobsCancelledFind(pool, owner, missing);
  } catch {
    cancelled = new Set();
  }
  return {
    cancelled: missing.filter((id) => cancelled.has(id)),
    lost: missing.filter((id) => !cancelled.has(id)),
  };
}

/**
 * Counts and logs the jobs of `ids` an outcome statement did not find as this worker's (not in `kept`):
 * a lost lease is counted in ingest_leases_lost_total, a cancel by an operator is not.
 */
export async function reportMissingOutcomes(
  context: LostJobsContext,
  ids: readonly string[],
  kept: ReadonlySet<string>,
): Promise<void> {
  const { cancelled, lost } = await sortLostJobs(
    context.pool,
    context.owner,
    ids.filter((id) => !kept.has(id)),
  );
  context.metrics.leasesLost(lost.length);
  if (cancelled.length > 0)
    context.log.info({ jobs: cancelled }, 'cancelled by an operator while running; outcome not recorded');
  if (lost.length > 0)
    context.log.warn({ jobs: lost }, 'lease lost before completion; another worker owns these jobs');
}

/**
 * Stops the processors of running jobs a lease renewal no longer kept: an operator's cancel takes a job
 * from its worker like a lost lease, and the processor's signal says which (`cancelled`, `lease-lost`).
 */
export async function stopMissingProcessors(
  context: LostJobsContext,
  missing: readonly string[],
): Promise<void> {
  const { cancelled, lost } = await sortLostJobs(context.pool, context.owner, missing);
  if (cancelled.length > 0) {
    context.log.info(
      { jobs: cancelled },
      'cancelled by an operator while running; stopping their processors',
    );
    context.signals.abort(cancelled, new JobAbortReason('cancelled', 'the job was cancelled by an operator'));
  }
  if (lost.length > 0) {
    context.log.warn({ jobs: lost }, 'lease lost while running; another worker owns these jobs');
    context.signals.abort(lost, new JobAbortReason('lease-lost', 'the lease was lost to another worker'));
  }
}
