import { readFileSync } from 'node:fs';
import pg from 'pg';
import { utcDayStart, type EventPartition, type NewPartition } from '../domain/partitionPlan.js';
import type { Pool, PoolClient } from './pool.js';
import { sqlStatement } from './sql.js';

// The partitions of raw_events, as the maintenance pass (src/maintenance/) reads and changes them.

const statements = {
  lockTry: sqlStatement('maintenanceLockTry'),
  list: sqlStatement('partitionsList'),
  detachedFind: sqlStatement('partitionsDetachedFind'),
};

/**
 * A DDL statement from queries/<name>.sql with `{placeholders}`: DDL takes no bind parameters, so names
 * and bounds are put into its text, quoted here (escapeIdentifier, escapeLiteral). Comment lines are left
 * out, so a placeholder named in a comment is not filled in.
 */
function ddlStatement(name: string): (values: Record<string, string>) => string {
  const text = readFileSync(new URL(`./queries/${name}.sql`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .trim();
  return (values) =>
    text.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`${name}.sql: no value for {${key}}`);
      return value;
    });
}

const ddl = {
  create: ddlStatement('partitionCreate'),
  attach: ddlStatement('partitionAttach'),
  markDropping: ddlStatement('partitionMarkDropping'),
  unmark: ddlStatement('partitionUnmark'),
  detach: ddlStatement('partitionDetach'),
  finalize: ddlStatement('partitionDetachFinalize'),
  drop: ddlStatement('partitionDrop'),
  cancel: ddlStatement('backendsCancelByStatement'),
  unfinishedEventsFind: ddlStatement('partitionUnfinishedEventsFind'),
  eventsSpanFind: ddlStatement('partitionEventsSpanFind'),
};

/** The comment that marks a partition a pass is detaching in order to drop it. */
export const droppingComment = 'ingest maintenance: past retention, being detached and dropped';

/** A bound as a literal PostgreSQL reads the same in any time zone. */
const boundLiteral = (time: Date) => pg.escapeLiteral(time.toISOString());

type Queryable = Pool | pg.ClientBase;

/**
 * Whether the maintenance lock was free (and is now held by `client`'s transaction), and the database's
 * time. A simple query (text alone, see maintenanceLockTry.sql).
 */
export async function maintenanceLockTry(
  client: PoolClient,
): Promise<{ acquired: boolean; databaseNow: Date }> {
  const { rows } = await client.query<{ acquired: boolean; database_now: Date }>(statements.lockTry.text);
  return { acquired: rows[0]!.acquired, databaseNow: rows[0]!.database_now };
}

/** The partitions of raw_events, oldest first. */
export async function partitionsList(db: Queryable): Promise<EventPartition[]> {
  const { rows } = await db.query<{
    name: string;
    detach_pending: boolean;
    from_bound: Date | null;
    to_bound: Date | null;
  }>(statements.list);
  return rows.map((row) => ({
    name: row.name,
    from: row.from_bound,
    to: row.to_bound,
    detachPending: row.detach_pending,
  }));
}

/** Tables an interrupted pass detached but did not drop. */
export async function partitionsDetachedFind(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(statements.detachedFind, [droppingComment]);
  return rows.map((row) => row.name);
}

/** Runs `work` in a transaction whose lock waits end after `lockTimeoutMs` (error 55P03). */
async function inShortTransaction(
  pool: Pool,
  lockTimeoutMs: number,
  work: (client: PoolClient) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('lock_timeout', $1, true)", [`${lockTimeoutMs}ms`]);
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Creates and attaches one day's partition, in the transaction `client` has open. */
export async function partitionCreateIn(client: pg.ClientBase, partition: NewPartition): Promise<void> {
  const name = pg.escapeIdentifier(partition.name);
  await client.query(ddl.create({ partition: name }));
  await client.query(
    ddl.attach({ partition: name, from: boundLiteral(partition.from), to: boundLiteral(partition.to) }),
  );
}

/** Creates and attaches one day's partition, in one short transaction. */
export async function partitionCreate(pool: Pool, partition: NewPartition, lockTimeoutMs: number) {
  await inShortTransaction(pool, lockTimeoutMs, (client) => partitionCreateIn(client, partition));
}

/**
 * Detaches a partition without stopping inserts or reads (DETACH ... CONCURRENTLY), having first marked
 * it as ours to drop. The detach cannot run in a transaction, and behind a transaction-mode pooler a
 * session setting could land on another server connection (and stay there), so it gets no lock_timeout:
 * after `lockTimeoutMs` it is cancelled from another connection by `cancelElsewhere` instead (error
 * 57014), which leaves it "detach pending" for a later pass to finalize.
 */
export async function partitionDetach(
  pool: Pool,
  partitionName: string,
  lockTimeoutMs: number,
  cancelElsewhere: (statement: string) => Promise<unknown>,
): Promise<void> {
  const name = pg.escapeIdentifier(partitionName);
  await inShortTransaction(pool, lockTimeoutMs, async (client) => {
    await client.query(ddl.markDropping({ partition: name, comment: pg.escapeLiteral(droppingComment) }));
  });
  const statement = ddl.detach({ partition: name });
  const watchdog = setTimeout(() => void cancelElsewhere(statement).catch(() => undefined), lockTimeoutMs);
  try {
    await pool.query(statement);
  } finally {
    clearTimeout(watchdog);
  }
}

/** Cancels whatever session is running `statement` (exactly that text), as a simple query. */
export async function backendsCancelByStatement(client: PoolClient, statement: string): Promise<void> {
  await client.query(ddl.cancel({ statement: pg.escapeLiteral(statement) }));
}

/**
 * Puts a partition back, with its bounds and without the mark, in one transaction: a detached table is
 * attached; one whose detach was left pending is finalized and attached (until then it is out of sight
 * of new queries). For a partition a job that is not finished may read: an operator retried it, or the
 * job was never finished.
 */
export async function partitionReattach(pool: Pool, partition: EventPartition, lockTimeoutMs: number) {
  const name = pg.escapeIdentifier(partition.name);
  try {
    await inShortTransaction(pool, lockTimeoutMs, async (client) => {
      if (partition.detachPending) await client.query(ddl.finalize({ partition: name }));
      await client.query(
        ddl.attach({
          partition: name,
          from: partition.from ? boundLiteral(partition.from) : 'MINVALUE',
          to: partition.to ? boundLiteral(partition.to) : 'MAXVALUE',
        }),
      );
      await client.query(ddl.unmark({ partition: name }));
    });
  } catch (error) {
    if (isLockTimeout(error)) throw error;
    // Not back in place: at least not marked, so no pass drops it; the error says what to attach.
    await inShortTransaction(pool, lockTimeoutMs, (client) =>
      client.query(ddl.unmark({ partition: name })).then(() => undefined),
    );
    throw new Error(
      `${partition.name} holds events of a job that is not finished, and could not be attached again ` +
        `(${(error as Error).message}); attach it by hand: ALTER TABLE raw_events ATTACH PARTITION ${name} ` +
        'FOR VALUES FROM (...) TO (...)',
      { cause: error },
    );
  }
}

/**
 * Whether a table a pass detached but did not drop holds events of a job that is not finished, and if
 * so the bounds to attach it with again: the UTC days its events span (a detached table keeps no
 * bounds; the days it had as a partition contain them, and no other partition covers those).
 */
export async function partitionUnfinishedEventsFind(
  pool: Pool,
  partitionName: string,
): Promise<EventPartition | undefined> {
  const name = pg.escapeIdentifier(partitionName);
  const { rows } = await pool.query<{ holds: boolean }>(ddl.unfinishedEventsFind({ partition: name }));
  if (!rows[0]!.holds) return undefined;
  const span = await pool.query<{ first_at: Date; last_at: Date }>(ddl.eventsSpanFind({ partition: name }));
  const { first_at: firstAt, last_at: lastAt } = span.rows[0]!;
  return {
    name: partitionName,
    from: utcDayStart(firstAt),
    to: new Date(utcDayStart(lastAt).getTime() + 86_400_000),
    detachPending: false,
  };
}

/** Completes a DETACH ... CONCURRENTLY that an earlier pass left pending. */
export async function partitionDetachFinalize(pool: Pool, partitionName: string, lockTimeoutMs: number) {
  await inShortTransaction(pool, lockTimeoutMs, async (client) => {
    await client.query(ddl.finalize({ partition: pg.escapeIdentifier(partitionName) }));
  });
}

/** Drops a detached partition. */
export async function partitionDrop(pool: Pool, partitionName: string, lockTimeoutMs: number) {
  await inShortTransaction(pool, lockTimeoutMs, async (client) => {
    await client.query(ddl.drop({ partition: pg.escapeIdentifier(partitionName) }));
  });
}

/**
 * Whether an error is a wait that ran out: a lock_timeout (55P03), or a detach cancelled for waiting
 * too long (57014). The step is tried again next pass.
 */
export function isLockTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '55P03' || code === '57014';
}
