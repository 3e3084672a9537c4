import type { Pool } from './pool.js';
import { queryRetryingMovedRows } from './movedRowRetry.js';
import { sqlStatement } from './sql.js';

const statements = {
  unfinishedOldest: sqlStatement('jobsUnfinishedOldest'),
  deleteExpired: sqlStatement('jobsDeleteExpired'),
};

/** When the oldest Pending or Processing job was accepted; null when every job is finished. */
export async function jobsUnfinishedOldest(pool: Pool): Promise<Date | null> {
  const { rows } = await pool.query<{ oldest: Date | null }>(statements.unfinishedOldest);
  return rows[0]!.oldest;
}

/**
 * Deletes at most `batchSize` finished jobs (and their results) that finished before `finishedBefore`
 * and were accepted before `acceptedBefore`, in one statement; returns how many it deleted.
 */
export async function jobsDeleteExpired(
  pool: Pool,
  finishedBefore: Date,
  acceptedBefore: Date,
  batchSize: number,
): Promise<number> {
  const { rowCount } = await queryRetryingMovedRows(pool, {
    ...statements.deleteExpired,
    values: [finishedBefore, acceptedBefore, batchSize],
  });
  return rowCount ?? 0;
}
