import { jobsClaimByIds } from '../data/jobClaimByIds.js';
import {
  jobsClaim,
  type ClaimCursor,
  type ClaimedJob,
  type FinishReport,
  type JobCompletion,
} from '../data/jobQueue.js';
import type { Pool } from '../data/pool.js';

/** What one claim of a claim loop brought. */
export interface ClaimStep {
  /** The jobs the claim took, the completed ones included. */
  claimed: ClaimedJob[];
  /** Those already completed in the claim's round trip (see jobsClaimByIds); undefined for none. */
  completed: JobCompletion | undefined;
}

/** How a claim loop claims this time. */
export interface ClaimStepOptions {
  limit: number;
  leaseSeconds: number;
  /** The loop's place in the round of tenants, for the fair claim. */
  cursor: ClaimCursor;
  /** Jobs announced to this loop by id while it was idle: claimed by id instead of the fair claim. */
  announced: string[] | undefined;
  /**
   * Whether announced jobs may be completed in the claim's round trip: only for the SQL aggregation with
   * nothing that must run between claim and completion (a processor module, a test hook).
   */
  completeAnnounced: boolean;
  /** Counts the webhook messages a completion in the claim's round trip wrote. */
  report: FinishReport;
}

/** One claim of a claim loop: announced jobs by id when it has some, else the fair claim. */
export async function claimStep(pool: Pool, owner: string, options: ClaimStepOptions): Promise<ClaimStep> {
  const { limit, leaseSeconds, announced } = options;
  if (announced) {
    return jobsClaimByIds(
      pool,
      owner,
      announced,
      limit,
      leaseSeconds,
      options.completeAnnounced,
      options.report,
    );
  }
  return { claimed: await jobsClaim(pool, owner, limit, leaseSeconds, options.cursor), completed: undefined };
}
