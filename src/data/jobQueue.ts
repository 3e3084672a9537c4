import { randomUUID } from 'node:crypto';
import type { Pool } from './pool.js';
import { queryRetryingMovedRows } from './movedRowRetry.js';
import { sqlStatement } from './sql.js';

const statements = {
  jobsClaim: sqlStatement('jobsClaim'),
  jobsClaimByIds: sqlStatement('jobsClaimByIds'),
  jobsHeartbeat: sqlStatement('jobsHeartbeat'),
  jobsSucceed: sqlStatement('jobsSucceed'),
  jobsSucceedWithOutput: sqlStatement('jobsSucceedWithOutput'),
  jobsFail: sqlStatement('jobsFail'),
  jobsRelease: sqlStatement('jobsRelease'),
  jobsRescueExpired: sqlStatement('jobsRescueExpired'),
};

/** A job a worker holds the lease on. */
export interface ClaimedJob {
  id: string;
  tenantId: string;
  /** This attempt's number, from 1. */
  attempt: number;
  maxAttempts: number;
  /** Seconds from the job's acceptance to this claim, on the database's clock. */
  waitedSeconds: number;
}

/** A failed attempt to record. */
export interface JobFailure {
  id: string;
  error: string;
  /** Seconds until the next attempt, if the job has attempts left. */
  backoffSeconds: number;
  /** No attempt can succeed: the job is Failed at once, whatever attempts it has left. */
  permanent?: boolean;
}

/**
 * Where a claim loop is in its round of the tenants: the tenant its previous claim ended with. Claims
 * take tenants in tenant_id order from just after it, so with more tenants than a batch holds,
 * successive claims of one loop go round all of them. Start from `newClaimCursor()`.
 */
export interface ClaimCursor {
  afterTenant: string;
}

/** A cursor at the start of the round of tenants. */
export function newClaimCursor(): ClaimCursor {
  return { afterTenant: '' };
}

/**
 * Claims up to `limit` due jobs for `owner`, marking them Processing with a lease of `leaseSeconds`.
 * Tenants with due jobs share the batch (fair queueing): each gets an equal part of it, its oldest
 * jobs, and what they leave goes to the oldest due jobs of anyone. `cursor`, when given, says where the
 * round of tenants starts and is moved to where this claim ended it.
 */
export async function jobsClaim(
  pool: Pool,
  owner: string,
  limit: number,
  leaseSeconds: number,
  cursor: ClaimCursor = newClaimCursor(),
): Promise<ClaimedJob[]> {
  const { rows } = await queryRetryingMovedRows<{
    id: string;
    tenant_id: string;
    attempt: number;
    max_attempts: number;
    waited_seconds: number;
    ring_end: string | null;
  }>(pool, {
    ...statements.jobsClaim,
    values: [owner, limit, leaseSeconds, cursor.afterTenant],
  });
  const ringEnd = rows[0]?.ring_end;
  if (ringEnd !== undefined && ringEnd !== null) cursor.afterTenant = ringEnd;
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    waitedSeconds: row.waited_seconds,
  }));
}

interface ClaimedRow {
  id: string;
  tenant_id: string;
  attempt: number;
  max_attempts: number;
  waited_seconds: number;
}

function claimedJobOf(row: ClaimedRow): ClaimedJob {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    waitedSeconds: row.waited_seconds,
  };
}

/** What jobsClaimByIds claimed and, when asked to, completed right behind the claim. */
export interface ClaimByIds {
  claimed: ClaimedJob[];
  /** The claimed jobs the pipelined completion marked Succeeded; undefined when none ran or it failed. */
  completed: Set<string> | undefined;
}

function ignoreConnectionError(): void {
  // The queries running on the connection report the failure.
}

/**
 * Claims, for `owner`, those of the jobs `ids` that are still Pending and due, at most `limit`, as
 * jobsClaim does: for jobs an insert announced by id to an idle worker, without the fair claim's walk of
 * the tenants. Possibly nothing (another worker was faster).
 *
 * With `complete`, the completion of what it claims (jobsSucceed, the SQL aggregation) is written to the
 * same connection right behind the claim, without waiting for its answer (pipelined): two transactions,
 * the claim committed first as always, in one round trip instead of two. The completion finds the ids
 * the claim left on the connection under this call's nonce, so it completes exactly them, fenced as
 * ever. A completion that failed leaves the claimed jobs to the caller to complete.
 */
export async function jobsClaimByIds(
  pool: Pool,
  owner: string,
  ids: readonly string[],
  limit: number,
  leaseSeconds: number,
  complete: boolean,
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
      client.query<{ id: string }>({ ...statements.jobsSucceed, values: [owner, null, values[4]] }),
    ]);
    failed = claim.status === 'rejected' || completion.status === 'rejected';
    // A claim that failed left no ids under this nonce: its completion completed nothing.
    if (claim.status === 'rejected') throw claim.reason;
    return {
      claimed: claim.value.rows.map(claimedJobOf),
      completed:
        completion.status === 'fulfilled' ? new Set(completion.value.rows.map((row) => row.id)) : undefined,
    };
  } finally {
    client.removeListener('error', ignoreConnectionError);
    // After an error the connection is closed rather than reused: it may be what failed.
    client.release(failed || undefined);
  }
}

/** Renews `owner`'s leases; returns the ids whose lease it still holds. */
export async function jobsHeartbeat(
  pool: Pool,
  owner: string,
  ids: readonly string[],
  leaseSeconds: number,
): Promise<Set<string>> {
  const { rows } = await queryRetryingMovedRows<{ id: string }>(pool, {
    ...statements.jobsHeartbeat,
    values: [owner, ids, leaseSeconds],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * Aggregates the jobs' events, stores the results and marks the jobs Succeeded, all in one statement.
 * Returns the ids it completed; a job whose lease `owner` lost is left out and gets no results.
 */
export async function jobsSucceed(pool: Pool, owner: string, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await queryRetryingMovedRows<{ id: string }>(pool, {
    ...statements.jobsSucceed,
    values: [owner, ids, null],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * Completes one job with the output its processor returned, marking it Succeeded in the same statement.
 * Returns whether it did: false when `owner` lost the lease, and then nothing is stored.
 */
export async function jobsSucceedWithOutput(
  pool: Pool,
  owner: string,
  id: string,
  outputJson: string,
): Promise<boolean> {
  const { rows } = await queryRetryingMovedRows<{ id: string }>(pool, {
    ...statements.jobsSucceedWithOutput,
    values: [owner, id, outputJson],
  });
  return rows.length === 1;
}

/** Records failed attempts: back to Pending after the backoff, or Failed when attempts are spent. */
export async function jobsFail(
  pool: Pool,
  owner: string,
  failures: readonly JobFailure[],
): Promise<Array<{ id: string; status: 'Pending' | 'Failed' }>> {
  const { rows } = await queryRetryingMovedRows<{ id: string; status: 'Pending' | 'Failed' }>(pool, {
    ...statements.jobsFail,
    values: [
      owner,
      failures.map((f) => f.id),
      failures.map((f) => f.error),
      failures.map((f) => f.backoffSeconds),
      failures.map((f) => f.permanent === true),
    ],
  });
  return rows;
}

/** Hands jobs back as Pending without using up their attempt (a worker is stopping). */
export async function jobsRelease(pool: Pool, owner: string, ids: readonly string[]): Promise<string[]> {
  const { rows } = await queryRetryingMovedRows<{ id: string }>(pool, {
    ...statements.jobsRelease,
    values: [owner, ids],
  });
  return rows.map((row) => row.id);
}

/** A job the lease sweep took back. */
export interface RescuedJob {
  id: string;
  status: 'Pending' | 'Failed';
}

/**
 * Takes back jobs whose lease expired at least `minExpiredSeconds` ago: Pending again, or Failed when
 * that was their last attempt. Takes nothing when the statement waited more than `maxWaitSeconds` (on
 * a lock) before it could read the table: the heartbeats of live workers waited as long.
 */
export async function jobsRescueExpired(
  pool: Pool,
  minExpiredSeconds: number,
  maxWaitSeconds: number,
): Promise<RescuedJob[]> {
  const { rows } = await queryRetryingMovedRows<RescuedJob>(pool, {
    ...statements.jobsRescueExpired,
    values: [minExpiredSeconds, maxWaitSeconds],
  });
  return rows;
}
