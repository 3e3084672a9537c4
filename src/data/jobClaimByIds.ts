import { randomUUID } from 'node:crypto';
import {
  claimedJobOf,
  completionOf,
  reportWebhooks,
  type ClaimedJob,
  type ClaimedRow,
  type CompletionRow,
  type FinishReport,
  type JobCompletion,
} from './jobQueue.js';
import { queryRetryingMovedRows } from './movedRowRetry.js';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  jobsClaimByIds: sqlStatement('jobsClaimByIds'),
  jobsSucceed: sqlStatement('jobsSucceed'),
};

/** What jobsClaimByIds claimed and, when asked to, completed right behind the claim. */
export interface ClaimByIds {
  claimed: ClaimedJob[];
  /** What the pipelined completion did with the claimed jobs; undefined when none ran or it failed. */
  completed: JobCompletion | undefined;
}

function ignoreConnectionError(): void {
  // The queries running on the connection report the failure.
}

/**
 * Claims, for `owner`, those of the jobs `ids` that are still Pending and due (and not held by a pause),
 * at most `limit`, as jobsClaim does: for jobs an insert announced by id to an idle worker, without the
 * fair claim's walk of the tenants. Possibly nothing (another worker was faster).
 *
 * With `complete`, the completion of what it claims (jobsSucceed, the SQL aggregation) is written to the
 * same connection right behind the claim, without waiting for its answer (pipelined): two transactions,
 * the claim committed first as always, in one round trip instead of two. The completion finds the ids
 * the claim left on the connection under this call's nonce, so it completes exactly them, fenced as
 * ever, and counts its webhook messages into `report`. A completion that failed leaves the claimed jobs
 * to the caller to complete.
 */
export async function jobsClaimByIds(
  pool: Pool,
  owner: string,
  ids: readonly string[],
  limit: number,
  leaseSeconds: number,
  complete: boolean,
  report?: FinishReport,
): Promise<ClaimByIds> {
  const values = [owner, ids, leaseSeconds, limit, randomUUID()];
  if (!complete) {
    const { rows } = await queryRetryingMovedRows<ClaimedRow>(pool, { ...statements.jobsClaimByIds, values });
    return { claimed: rows.map(claimedJobOf), completed: undefined };
  }
  const client = await pool.connect();
  client.on('error', ignoreConnectionError);
  let failed = false;
  try {
    // The pool's connections pipeline (createPool's `pipeline`): both go out before either is answered.
    const [claim, completion] = await Promise.allSettled([
      client.query<ClaimedRow>({ ...statements.jobsClaimByIds, values }),
      client.query<CompletionRow>({ ...statements.jobsSucceed, values: [owner, null, values[4]] }),
    ]);
    failed = claim.status === 'rejected' || completion.status === 'rejected';
    // A claim that failed left no ids under this nonce: its completion completed nothing.
    if (claim.status === 'rejected') throw claim.reason;
    if (completion.status === 'fulfilled') reportWebhooks(report, completion.value.rows);
    return {
      claimed: claim.value.rows.map(claimedJobOf),
      completed: completion.status === 'fulfilled' ? completionOf(completion.value.rows) : undefined,
    };
  } finally {
    client.removeListener('error', ignoreConnectionError);
    // After an error the connection is closed rather than reused: it may be what failed.
    client.release(failed || undefined);
  }
}
