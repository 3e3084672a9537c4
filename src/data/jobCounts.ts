import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statement = sqlStatement('jobsCountByStatus');

/**
 * Succeeded and Failed jobs are counted exactly up to this many each (an index range of at most this
 * length, a few milliseconds), and estimated from the table's statistics beyond.
 */
export const jobCountExactCap = 10_000;

/** How many jobs are in each status, and how long the queue has kept a due job waiting. */
export interface JobCounts {
  /** Exact. */
  pending: number;
  /** Exact. */
  processing: number;
  /** Exact up to {@link jobCountExactCap}, estimated beyond (see jobsCountByStatus.sql). */
  succeeded: number;
  /** Exact up to {@link jobCountExactCap}, estimated beyond (see jobsCountByStatus.sql). */
  failed: number;
  /** Whether `succeeded` is an estimate. */
  succeededEstimated: boolean;
  /** Whether `failed` is an estimate. */
  failedEstimated: boolean;
  /** When the oldest due Pending job became due (Unix seconds, database clock); undefined if none is due. */
  oldestDueAt: number | undefined;
  /** When the database counted (Unix seconds, database clock). */
  countedAt: number;
}

/** Counts jobs by status in one statement; cheap however many finished jobs the table holds. */
export async function jobsCountByStatus(pool: Pool): Promise<JobCounts> {
  const { rows } = await pool.query<{
    pending: number;
    processing: number;
    succeeded: number;
    failed: number;
    succeeded_estimated: boolean;
    failed_estimated: boolean;
    oldest_due_at: number | null;
    counted_at: number;
  }>({ ...statement, values: [jobCountExactCap] });
  const row = rows[0]!;
  return {
    pending: row.pending,
    processing: row.processing,
    succeeded: row.succeeded,
    failed: row.failed,
    succeededEstimated: row.succeeded_estimated,
    failedEstimated: row.failed_estimated,
    oldestDueAt: row.oldest_due_at ?? undefined,
    countedAt: row.counted_at,
  };
}
