import type { Pool } from './pool.js';
import { queryRetryingMovedRows } from './movedRowRetry.js';
import { sqlStatement } from './sql.js';

const statements = {
  jobsClaim: sqlStatement('jobsClaim'),
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
  /** The W3C traceparent stored with the job (src/tracing/), or null. */
  traceparent: string | null;
}

/**
 * Filled by the statements that finish jobs: how many webhook messages they wrote into the outbox
 * (src/webhooks/). A worker wakes its delivery loop only when there are some.
 */
export interface FinishReport {
  webhooks: number;
}

/** Adds the `webhooks` column of a finishing statement's rows (the same on every row) to `report`. */
function reportWebhooks(report: FinishReport | undefined, rows: ReadonlyArray<{ webhooks?: number }>): void {
  if (report && rows.length > 0) report.webhooks += rows[0]!.webhooks ?? 0;
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
    traceparent: string | null;
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
    traceparent: row.traceparent,
  }));
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
 * Aggregates the jobs' events, stores the results and marks the jobs Succeeded, all in one statement,
 * with their webhook messages. Returns the ids it completed; a job whose lease `owner` lost is left out
 * and gets no results.
 */
export async function jobsSucceed(
  pool: Pool,
  owner: string,
  ids: readonly string[],
  report?: FinishReport,
): Promise<Set<string>> {
  const { rows } = await queryRetryingMovedRows<{ id: string; webhooks: number }>(pool, {
    ...statements.jobsSucceed,
    values: [owner, ids],
  });
  reportWebhooks(report, rows);
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
  report?: FinishReport,
): Promise<boolean> {
  const { rows } = await queryRetryingMovedRows<{ id: string; webhooks: number }>(pool, {
    ...statements.jobsSucceedWithOutput,
    values: [owner, id, outputJson],
  });
  reportWebhooks(report, rows);
  return rows.length === 1;
}

/** Records failed attempts: back to Pending after the backoff, or Failed when attempts are spent. */
export async function jobsFail(
  pool: Pool,
  owner: string,
  failures: readonly JobFailure[],
  report?: FinishReport,
): Promise<Array<{ id: string; status: 'Pending' | 'Failed' }>> {
  const { rows } = await queryRetryingMovedRows<{
    id: string;
    status: 'Pending' | 'Failed';
    webhooks: number;
  }>(pool, {
    ...statements.jobsFail,
    values: [
      owner,
      failures.map((f) => f.id),
      failures.map((f) => f.error),
      failures.map((f) => f.backoffSeconds),
      failures.map((f) => f.permanent === true),
    ],
  });
  reportWebhooks(report, rows);
  return rows.map(({ id, status }) => ({ id, status }));
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
  report?: FinishReport,
): Promise<RescuedJob[]> {
  const { rows } = await queryRetryingMovedRows<RescuedJob & { webhooks: number }>(pool, {
    ...statements.jobsRescueExpired,
    values: [minExpiredSeconds, maxWaitSeconds],
  });
  reportWebhooks(report, rows);
  return rows.map(({ id, status }) => ({ id, status }));
}
