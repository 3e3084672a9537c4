import type pg from 'pg';
import { isMovedRowConflict } from './movedRowRetry.js';
import type { Pool, PoolClient } from './pool.js';
import { sqlStatement } from './sql.js';

// The lock that keeps an operator's retry of a Failed job and a maintenance pass's drop of events apart
// (docs/operations.md, "Never before their events, never unfinished"). The pass holds it exclusively,
// the retries share it.

const statements = {
  share: sqlStatement('eventsDropLockShare').text,
  take: sqlStatement('eventsDropLockTake').text,
};

/** A retry waited this long for a pass that was dropping events: answered "try again shortly". */
export class EventsBeingDroppedError extends Error {
  constructor(readonly waitedMs: number) {
    super(
      `a maintenance pass is detaching a partition of events past retention; the retry waited ${waitedMs} ms for it`,
    );
    this.name = 'EventsBeingDroppedError';
  }
}

const lockNotAvailable = '55P03';
/** How often a retry's transaction is run in all when a row it wanted moved partition under it. */
const movedRowAttempts = 5;
const savepoint = 'events_drop';

/**
 * Runs `query` in a transaction that first takes the lock in shared mode, waiting at most `waitMs` for
 * a pass that holds it (then EventsBeingDroppedError). Run again, whole, when a row it wanted moved to
 * the other partition of ingestion_jobs (see movedRowRetry.ts).
 */
export async function queryUnderEventsDropLock<R extends pg.QueryResultRow>(
  pool: Pool,
  query: pg.QueryConfig,
  waitMs: number,
): Promise<pg.QueryResult<R>> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let stage: 'lock' | 'query' = 'lock';
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('lock_timeout', $1, true)", [`${waitMs}ms`]);
      await client.query(statements.share);
      stage = 'query';
      const result = await client.query<R>(query);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (stage === 'lock' && (error as { code?: unknown }).code === lockNotAvailable)
        throw new EventsBeingDroppedError(waitMs);
      if (attempt >= movedRowAttempts || !isMovedRowConflict(error)) throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * Takes the lock exclusively on `client`, the maintenance lock's connection, inside a savepoint of its
 * open transaction, waiting at most `timeoutMs` (then the lock_timeout error, 55P03). Released by
 * {@link eventsDropLockRelease}, which rolls back to the savepoint: the transaction stays open, without
 * a transaction id, and the maintenance lock with it.
 */
export async function eventsDropLockTake(client: PoolClient, timeoutMs: number): Promise<void> {
  try {
    await client.query(
      `SAVEPOINT ${savepoint}; SET LOCAL lock_timeout = '${Math.round(timeoutMs)}ms'; ${statements.take}`,
    );
  } catch (error) {
    await eventsDropLockRelease(client).catch(() => undefined);
    throw error;
  }
}

/** Releases the lock {@link eventsDropLockTake} took (and the lock_timeout it set). */
export async function eventsDropLockRelease(client: PoolClient): Promise<void> {
  await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
}
