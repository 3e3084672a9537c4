import pg from 'pg';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  backendCancel: sqlStatement('backendCancel'),
  jobsFindIds: sqlStatement('jobsFindIds'),
};

/**
 * An insert whose outcome could not be learnt: the client stopped waiting (or lost its connection)
 * while the statement ran, and within the time allowed neither could the statement be seen to finish
 * nor the jobs be looked up. The jobs may have been stored, under the ids given, or not.
 */
export class InsertOutcomeUnknownError extends Error {
  constructor(
    /** The ids the jobs have if they were stored. */
    readonly jobIds: readonly string[],
    override readonly cause: unknown,
  ) {
    super(
      `The outcome of an insert of ${jobIds.length} job(s) is unknown: ${(cause as Error)?.message ?? cause}`,
    );
    this.name = 'InsertOutcomeUnknownError';
  }
}

/**
 * The insert was never sent: no connection could be had. Nothing was stored, and every job still
 * waiting to be sent would meet the same error.
 */
export class InsertNotSentError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'InsertNotSentError';
  }
}

/**
 * PgBouncer's refusals of a query it never passed to PostgreSQL: no server connection could be had within
 * query_wait_timeout, the server's logins are failing (the database is down), or the pooler is full. It
 * sends them as FATAL with SQLSTATE 08P01 and closes the connection, so they would otherwise read as a
 * lost connection whose statement may have run.
 */
const poolerRefusals =
  /^(query_wait_timeout|server login has been failing|pgbouncer cannot connect to server|no more connections allowed|client_login_timeout)/;

/** Whether a statement failed before it reached PostgreSQL: a connection pooler refused to pass it on. */
export function isRefusedByPooler(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === '08P01' && poolerRefusals.test(error.message);
}

/**
 * Whether a failed statement may nevertheless have committed. PostgreSQL answers ERROR only for a
 * statement it rolled back; anything else (the client's own query timeout, a connection closed or reset
 * under the statement, a FATAL such as an administrator's shutdown during the commit) leaves the
 * outcome open.
 */
export function isOutcomeUncertain(error: unknown): boolean {
  return !(error instanceof pg.DatabaseError && error.severity === 'ERROR') && !isRefusedByPooler(error);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pause between two looks at a statement that is still running. */
const pollMillis = 50;

/**
 * Learns whether an insert whose answer the client did not see committed: cancels its statement on the
 * server (from another connection), waits until its backend no longer runs it, then looks the jobs up.
 * Returns the ids that were stored (none: the statement rolled back), or undefined when that could not be
 * learnt within `waitMillis` (the statement would not stop, or the database does not answer). Without
 * the backend's process id, only jobs found are an answer.
 */
export async function settleInsertOutcome(
  pool: Pool,
  backendPid: number | null | undefined,
  jobIds: readonly string[],
  waitMillis: number,
): Promise<Set<string> | undefined> {
  const deadline = Date.now() + waitMillis;
  // Each query is bounded too: a database that stopped answering must not hold the request past the
  // deadline. A query abandoned by its time-out only reads.
  const bounded = async <T extends pg.QueryResultRow>(
    statement: { name: string; text: string },
    values: unknown[],
  ): Promise<T[] | undefined> => {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), left);
    });
    const query = pool.query<T>({ ...statement, values }).then(
      (result) => result.rows,
      () => undefined,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  if (typeof backendPid === 'number') {
    for (;;) {
      const running = await bounded(statements.backendCancel, [backendPid]);
      if (running === undefined) return undefined;
      if (running.length === 0) break;
      if (deadline - Date.now() <= pollMillis) return undefined;
      await sleep(pollMillis);
    }
  }
  if (typeof backendPid !== 'number') {
    // The statement's backend is unknown (behind a transaction-mode pooler the connection's process id
    // is the pooler's own), so it cannot be cancelled or seen to stop: jobs found are stored, but no
    // jobs found proves nothing while the statement may still be committing. Look until the deadline.
    for (;;) {
      const found = await bounded<{ id: string }>(statements.jobsFindIds, [jobIds]);
      if (found === undefined) return undefined;
      if (found.length > 0) return new Set(found.map((row) => row.id));
      if (deadline - Date.now() <= pollMillis) return undefined;
      await sleep(pollMillis);
    }
  }
  // A later statement, so a later snapshot: it sees the insert if it committed before its backend idled.
  const found = await bounded<{ id: string }>(statements.jobsFindIds, [jobIds]);
  return found === undefined ? undefined : new Set(found.map((row) => row.id));
}
