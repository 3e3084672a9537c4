import type pg from 'pg';
import type { Pool } from './pool.js';

// A job's row moves between the partitions of ingestion_jobs when it finishes or is retried
// (migration 011). A statement that then tries to lock or update the version it saw is told, with
// SQLSTATE 40001, "tuple to be locked was already moved to another partition due to concurrent update",
// where for a row that stayed in place it would have seen the new version and judged that. Run again,
// the statement takes a new snapshot and sees the row where it now is. Rare: it needs the move to commit
// between the statement's start and its reaching the row (a cancel racing a claim, a completion racing
// the lease sweep).
const movedRowMessage = /moved to another partition/;

/** How often a statement is run in all before the error is passed on. Each retry meets a newer snapshot. */
const movedRowAttempts = 5;

/** Whether a statement failed because a row it wanted had moved to the other partition meanwhile. */
export function isMovedRowConflict(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '40001' &&
    movedRowMessage.test(error.message)
  );
}

/**
 * Runs one statement on its own (autocommit: never inside a transaction of the caller's, which the error
 * would abort) and runs it again when a row it wanted moved partition under it. Only for statements whose
 * second run is a fresh decision: they change rows by what they find, never by counting on the first run.
 */
export async function queryRetryingMovedRows<R extends pg.QueryResultRow>(
  pool: Pool,
  query: pg.QueryConfig,
): Promise<pg.QueryResult<R>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await pool.query<R>(query);
    } catch (error) {
      if (attempt >= movedRowAttempts || !isMovedRowConflict(error)) throw error;
    }
  }
}
