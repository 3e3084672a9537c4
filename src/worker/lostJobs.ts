import { jobsCancelledFind } from '../data/jobQueue.js';
import type { Pool } from '../data/pool.js';

/** Jobs a fenced statement of a worker no longer found as its own, by why. */
export interface LostJobs {
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
export async function sortLostJobs(pool: Pool, owner: string, missing: readonly string[]): Promise<LostJobs> {
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
