import type { Pool } from './pool.js';
import { queryRetryingMovedRows } from './movedRowRetry.js';
import { sqlStatement } from './sql.js';

const statements = {
  unfinishedOldest: sqlStatement('jobsUnfinishedOldest'),
  deleteExpired: sqlStatement('jobsDeleteExpired'),
  keysDeleteOrphaned: sqlStatement('idempotencyKeysDeleteOrphaned'),
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

/** An idempotency key's place in key order. */
export interface IdempotencyKeyPosition {
  tenantId: string;
  key: string;
}

/**
 * Deletes the idempotency keys whose job is gone among the `count` keys after `after` (from the first
 * when null), in one statement; returns how many it looked at and deleted, and the last key it looked at.
 */
export async function idempotencyKeysDeleteOrphaned(
  pool: Pool,
  after: IdempotencyKeyPosition | null,
  count: number,
): Promise<{ examined: number; deleted: number; last: IdempotencyKeyPosition | null }> {
  const { rows } = await pool.query<{
    examined: number;
    deleted: number;
    last_tenant_id: string | null;
    last_key: string | null;
  }>({ ...statements.keysDeleteOrphaned, values: [after?.tenantId ?? null, after?.key ?? null, count] });
  const row = rows[0]!;
  return {
    examined: row.examined,
    deleted: row.deleted,
    last: row.last_tenant_id === null ? null : { tenantId: row.last_tenant_id, key: row.last_key! },
  };
}
