import type { JobStatus } from '../domain/jobStatus.js';
import type { JobKey } from '../domain/jobCursor.js';
import { filterParameters, type AdminJobFilter } from './adminStore.js';
import { EventsBeingDroppedError, queryUnderEventsDropLock } from './eventsDropLock.js';
import { queryRetryingMovedRows } from './movedRowRetry.js';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

// Unprepared, like the rest of the admin statements (adminStore.ts says why).
const statements = {
  adminJobRetry: sqlStatement('adminJobRetry').text,
  adminJobCancel: sqlStatement('adminJobCancel').text,
  adminJobRunNow: sqlStatement('adminJobRunNow').text,
  adminJobsRetry: sqlStatement('adminJobsRetry').text,
  adminJobsCancel: sqlStatement('adminJobsCancel').text,
};

/** Runs a one-job action statement; whether it changed the job. */
async function oneJob(pool: Pool, text: string, id: string): Promise<boolean> {
  const { rowCount } = await queryRetryingMovedRows(pool, { text, values: [id] });
  return (rowCount ?? 0) > 0;
}

/**
 * How long a retry waits for a maintenance pass that is detaching a partition past retention: the pass
 * gives up on a detach after its 3 s lock timeout, and on its drop after another 3 s.
 */
export const retryWaitForRetentionMs = 10_000;

/**
 * Retries a Failed job; false when it is not Failed (or unknown), or when retention dropped its events.
 * Never while a maintenance pass is detaching a partition (EventsBeingDroppedError after
 * retryWaitForRetentionMs): either the job comes back with its events, or it stays Failed.
 */
export async function adminJobRetry(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await queryUnderEventsDropLock(
    pool,
    { text: statements.adminJobRetry, values: [id] },
    retryWaitForRetentionMs,
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Cancels a Pending or Processing job: Failed, 'cancelled by an operator'. A Processing job's worker finds
 * out at its next lease renewal; its own outcome is refused. False when the job is neither (or unknown).
 */
export function adminJobCancel(pool: Pool, id: string): Promise<boolean> {
  return oneJob(pool, statements.adminJobCancel, id);
}

/** Makes a Pending job due now (its retry backoff skipped); false when it is not Pending (or unknown). */
export function adminJobRunNow(pool: Pool, id: string): Promise<boolean> {
  return oneJob(pool, statements.adminJobRunNow, id);
}

/** How a bulk action went. */
export interface BulkOutcome {
  /** Jobs changed. */
  changed: number;
  batches: number;
  /** False when `maxJobs` was reached and more may match. */
  complete: boolean;
}

/**
 * Runs a batch statement again and again, `batchSize` jobs each time, oldest first, each after the last
 * job the previous one changed, until a batch comes back short or `maxJobs` jobs have changed. Each
 * batch is its own short transaction.
 */
async function inBatches(
  batchSize: number,
  maxJobs: number,
  batch: (after: JobKey | undefined, size: number) => Promise<{ changed: number; last: JobKey | undefined }>,
): Promise<BulkOutcome> {
  let changed = 0;
  let batches = 0;
  let after: JobKey | undefined;
  for (;;) {
    const size = Math.min(batchSize, maxJobs - changed);
    if (size <= 0) return { changed, batches, complete: false };
    const outcome = await batch(after, size);
    batches += 1;
    changed += outcome.changed;
    if (outcome.changed < size || !outcome.last) return { changed, batches, complete: true };
    after = outcome.last;
  }
}

interface BatchRow {
  changed: number;
  last_created_key: string | null;
  last_id: string | null;
}

const lastKey = (row: BatchRow): JobKey | undefined =>
  row.last_created_key && row.last_id ? { createdKey: row.last_created_key, id: row.last_id } : undefined;

/**
 * Retries every Failed job matching `filter`, `batchSize` per statement, at most `maxJobs`. Each batch, like
 * adminJobRetry, waits for a maintenance pass that is detaching a partition; when one waits too long after
 * earlier batches went through, those stay retried and the outcome says more may remain.
 */
export async function adminJobsRetry(
  pool: Pool,
  filter: Omit<AdminJobFilter, 'statuses'>,
  batchSize: number,
  maxJobs: number,
): Promise<BulkOutcome> {
  let retried = 0;
  let batches = 0;
  try {
    return await inBatches(batchSize, maxJobs, async (after, size) => {
      const { rows } = await queryUnderEventsDropLock<BatchRow & { retried: number }>(
        pool,
        { text: statements.adminJobsRetry, values: [...filterParameters(filter, after), size] },
        retryWaitForRetentionMs,
      );
      retried += rows[0]!.retried;
      batches += 1;
      return { changed: rows[0]!.retried, last: lastKey(rows[0]!) };
    });
  } catch (error) {
    if (error instanceof EventsBeingDroppedError && retried > 0)
      return { changed: retried, batches, complete: false };
    throw error;
  }
}

/** Passes over the matching jobs a bulk cancel makes at most (see adminJobsCancel). */
const cancelPasses = 3;

/**
 * Cancels every Pending and Processing job matching `filter` (of the statuses it names, which must be
 * among those two), `batchSize` per statement, at most `maxJobs`. A batch skips the rows another
 * transaction holds at that moment (SKIP LOCKED), and a running job's row is held for an instant at each
 * of its worker's lease renewals: when a pass cancelled anything, the filter is walked again from the
 * start (finding only what was skipped, or has arrived since), up to `cancelPasses` times.
 */
export async function adminJobsCancel(
  pool: Pool,
  filter: AdminJobFilter,
  batchSize: number,
  maxJobs: number,
): Promise<BulkOutcome> {
  const statuses: JobStatus[] = filter.statuses.filter((s) => s === 'Pending' || s === 'Processing');
  const total: BulkOutcome = { changed: 0, batches: 0, complete: true };
  for (let pass = 0; pass < cancelPasses; pass += 1) {
    const outcome = await inBatches(batchSize, maxJobs - total.changed, async (after, size) => {
      const { rows } = await queryRetryingMovedRows<BatchRow & { cancelled: number }>(pool, {
        text: statements.adminJobsCancel,
        values: [statuses, ...filterParameters(filter, after), size],
      });
      return { changed: rows[0]!.cancelled, last: lastKey(rows[0]!) };
    });
    total.changed += outcome.changed;
    total.batches += outcome.batches;
    if (!outcome.complete) return { ...total, complete: false };
    if (outcome.changed === 0) break;
  }
  return total;
}
