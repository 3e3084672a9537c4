import pg from 'pg';
import type { Pool } from './pool.js';

// A job's row moves between the partitions of ingestion_jobs when it finishes or is retried
// (migration 011). A statement that then tries to lock or update the version it saw fails with SQLSTATE
// 40001 (serialization_failure), where for a row that stayed in place it would have seen the new version
// and judged that. Run again, the statement takes a new snapshot and sees the row where it now is. Rare:
// it needs the move to commit between the statement's start and its reaching the row (a cancel racing a
// claim, a completion racing the lease sweep).
//
// Recognised by the SQLSTATE alone, never by the message: the message is in the server's language
// (lc_messages), and no other field says more in every version. The SQLSTATE is enough here. These
// statements run on their own, in READ COMMITTED, where PostgreSQL raises 40001 for nothing but a row
// moved to another partition (and a conflict with recovery, which a primary never has). Should an
// operator make SERIALIZABLE the default, a 40001 is a serialization failure, and running the statement
// again is what PostgreSQL prescribes for it too.
const serializationFailure = '40001';

/** How often a statement is run in all before the error is passed on. Each retry meets a newer snapshot. */
const movedRowAttempts = 5;

/** Whether a statement failed because a row it wanted had moved to the other partition meanwhile. */
export function isMovedRowConflict(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === serializationFailure;
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
