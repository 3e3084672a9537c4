import type { Pool } from './pool.js';
import { isMovedRowConflict, queryRetryingMovedRows } from './movedRowRetry.js';
import { sqlStatement } from './sql.js';

const statements = {
  jobsClaim: sqlStatement('jobsClaim'),
  jobsHeartbeat: sqlStatement('jobsHeartbeat'),
  jobsSucceed: sqlStatement('jobsSucceed'),
  jobsSucceedWithOutput: sqlStatement('jobsSucceedWithOutput'),
  jobsFail: sqlStatement('jobsFail'),
  jobsRelease: sqlStatement('jobsRelease'),
  jobsRescueExpired: sqlStatement('jobsRescueExpired'),
  jobsCancelledFind: sqlStatement('jobsCancelledFind'),
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
export function reportWebhooks(
  report: FinishReport | undefined,
  rows: ReadonlyArray<{ webhooks?: number }>,
): void {
  // Every row carries the statement's one count (rows of jobs left undone carry 0): take the largest.
  if (report) report.webhooks += Math.max(0, ...rows.map((row) => row.webhooks ?? 0));
}

/** A failed attempt to record. */
export interface JobFailure {
  id: string;
  error: string;
  /** Seconds until the next attempt, if the job has attempts left. */
  backoffSeconds: number;
  /** No attempt can succeed: the job is Failed at once, whatever attempts it has left. */
  permanent?: boolean;
  /** Where the error was thrown (already bounded), kept in the attempt history beside the error. */
  stack?: string;
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
  const { rows } = await queryRetryingMovedRows<ClaimedRow & { ring_end: string | null }>(pool, {
    ...statements.jobsClaim,
    values: [owner, limit, leaseSeconds, cursor.afterTenant],
  });
  const ringEnd = rows[0]?.ring_end;
  if (ringEnd !== undefined && ringEnd !== null) cursor.afterTenant = ringEnd;
  return rows.map(claimedJobOf);
}

/** A row of a claim statement (jobsClaim.sql, jobsClaimByIds.sql). */
export interface ClaimedRow {
  id: string;
  tenant_id: string;
  attempt: number;
  max_attempts: number;
  waited_seconds: number;
  traceparent: string | null;
}

/** The claimed job a claim statement's row describes. */
export function claimedJobOf(row: ClaimedRow): ClaimedJob {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    waitedSeconds: row.waited_seconds,
    traceparent: row.traceparent,
  };
}

/**
 * Renews `owner`'s leases; returns the ids whose lease it still holds. One statement for all of them,
 * which skips the rows being finished at that moment (jobsHeartbeat.sql). A row whose move to the
 * partition of finished jobs commits while the statement runs still fails it (SQLSTATE 40001); it is
 * run again, and should every try meet such a move (a worker's loops completing jobs all the time),
 * each job is renewed by a statement of its own: the error does not say which row moved, and a statement
 * for one job meets a move at most once (a running job's row leaves the partition once, when it
 * finishes). Run again, that statement finds the job finished and leaves it out.
 */
export async function jobsHeartbeat(
  pool: Pool,
  owner: string,
  ids: readonly string[],
  leaseSeconds: number,
): Promise<Set<string>> {
  const renewal = (some: readonly string[]) => ({
    ...statements.jobsHeartbeat,
    values: [owner, some, leaseSeconds],
  });
  try {
    const { rows } = await queryRetryingMovedRows<{ id: string }>(pool, renewal(ids));
    return new Set(rows.map((row) => row.id));
  } catch (error) {
    if (!isMovedRowConflict(error)) throw error;
  }
  const kept = new Set<string>();
  for (const id of ids) {
    const { rows } = await queryRetryingMovedRows<{ id: string }>(pool, renewal([id]));
    for (const row of rows) kept.add(row.id);
  }
  return kept;
}

/** A job a completion left alone because it read fewer of its events than it was accepted with. */
export interface IncompleteJob {
  id: string;
  /** The events the completion found. */
  eventsRead: number;
  /** The events the job was accepted with. */
  eventCount: number;
}

/** What a completion statement did: the jobs it completed, and the ones it left for want of events. */
export interface JobCompletion {
  succeeded: Set<string>;
  incomplete: IncompleteJob[];
}

/** A row of a completion statement (jobsSucceed.sql, jobsSucceedWithOutput.sql). */
export type CompletionRow = {
  id: string;
  events_read: number | null;
  event_count: number | null;
  webhooks: number;
};

/** What the rows of a completion statement say: the jobs it completed and those it left short. */
export function completionOf(rows: readonly CompletionRow[]): JobCompletion {
  const completion: JobCompletion = { succeeded: new Set(), incomplete: [] };
  for (const row of rows) {
    if (row.events_read === null) completion.succeeded.add(row.id);
    else
      completion.incomplete.push({ id: row.id, eventsRead: row.events_read, eventCount: row.event_count! });
  }
  return completion;
}

/**
 * Aggregates the jobs' events, stores the results and marks the jobs Succeeded, all in one statement,
 * with their webhook messages. A job whose lease `owner` lost is left out and gets no results; so is one
 * that reads fewer events than it was accepted with, which comes back in `incomplete` (the caller fails it).
 */
export async function jobsSucceed(
  pool: Pool,
  owner: string,
  ids: readonly string[],
  report?: FinishReport,
): Promise<JobCompletion> {
  const { rows } = await queryRetryingMovedRows<CompletionRow>(pool, {
    ...statements.jobsSucceed,
    values: [owner, ids, null],
  });
  reportWebhooks(report, rows);
  return completionOf(rows);
}

/**
 * Completes one job with the output its processor returned, marking it Succeeded in the same statement.
 * Not succeeded when `owner` lost the lease (then nothing is stored), nor when the job's stored events
 * are fewer than it was accepted with (then `incomplete` says how many were found).
 */
export async function jobsSucceedWithOutput(
  pool: Pool,
  owner: string,
  id: string,
  outputJson: string,
  report?: FinishReport,
): Promise<{ succeeded: boolean; incomplete?: IncompleteJob }> {
  const { rows } = await queryRetryingMovedRows<CompletionRow>(pool, {
    ...statements.jobsSucceedWithOutput,
    values: [owner, id, outputJson],
  });
  reportWebhooks(report, rows);
  const { succeeded, incomplete } = completionOf(rows);
  return incomplete[0] ? { succeeded: false, incomplete: incomplete[0] } : { succeeded: succeeded.has(id) };
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
      failures.map((f) => f.stack ?? null),
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

/**
 * Of jobs whose lease `owner` found it no longer holds, those an operator cancelled while `owner` ran
 * them (the rest were taken back by the lease sweep). For the rare ids a renewal or outcome missed.
 */
export async function jobsCancelledFind(
  pool: Pool,
  owner: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>({
    ...statements.jobsCancelledFind,
    values: [owner, ids],
  });
  return new Set(rows.map((row) => row.id));
}
