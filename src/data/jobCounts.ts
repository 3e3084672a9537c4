import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statement = sqlStatement('jobsCountByStatus');

/** How many jobs are in each status, and how long the queue has kept a due job waiting. */
export interface JobCounts {
  /** Exact. */
  pending: number;
  /** Exact. */
  processing: number;
  /** Estimated from the table's statistics (see jobsCountByStatus.sql). */
  succeeded: number;
  /** Estimated from the table's statistics (see jobsCountByStatus.sql). */
  failed: number;
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
    oldest_due_at: number | null;
    counted_at: number;
  }>(statement);
  const row = rows[0]!;
  return {
    pending: row.pending,
    processing: row.processing,
    succeeded: row.succeeded,
    failed: row.failed,
    oldestDueAt: row.oldest_due_at ?? undefined,
    countedAt: row.counted_at,
  };
}
