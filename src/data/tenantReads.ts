import {
  jobViewOf,
  resultsOf,
  type JobRow,
  type JobResultsView,
  type JobView,
  type ResultRow,
} from './ingestionStore.js';
import type { Pool, PoolClient } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  tenantScopeEnter: sqlStatement('tenantScopeEnter'),
  tenantScopeEnterWithoutRole: sqlStatement('tenantScopeEnterWithoutRole'),
  tenantReaderRoleFind: sqlStatement('tenantReaderRoleFind'),
  jobFindForTenant: sqlStatement('jobFindForTenant'),
  resultsFindForTenant: sqlStatement('resultsFindForTenant'),
};

// Whether each pool's role may become ingest_tenant_reader, learnt once per pool.
const readerRoleByPool = new WeakMap<Pool, Promise<boolean>>();

/**
 * Whether a tenant's reads on this pool run as ingest_tenant_reader (row-level security confines them)
 * or only with the tenant set (the migration could not create or grant the role; see docs/security.md).
 */
export function tenantReaderRoleAvailable(pool: Pool): Promise<boolean> {
  let known = readerRoleByPool.get(pool);
  if (!known) {
    known = pool
      .query<{ available: boolean }>(statements.tenantReaderRoleFind)
      .then((result) => result.rows[0]!.available);
    // A failure (the database away) is asked again next time, not remembered.
    known.catch(() => readerRoleByPool.delete(pool));
    readerRoleByPool.set(pool, known);
  }
  return known;
}

function ignoreConnectionError(): void {
  // The query running on the connection reports the failure.
}

/**
 * Runs `read` in a transaction confined to `tenantId` by row-level security: the role and the tenant are
 * set with set_config(…, true), which ends with the transaction, so a pooler carries nothing over. Four
 * round trips at least: the service's own reads use the one-statement functions below instead.
 */
export async function inTenantScope<T>(
  pool: Pool,
  tenantId: string,
  read: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const withRole = await tenantReaderRoleAvailable(pool);
  const client = await pool.connect();
  client.on('error', ignoreConnectionError);
  let broken: unknown;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query({
      ...(withRole ? statements.tenantScopeEnter : statements.tenantScopeEnterWithoutRole),
      values: [tenantId],
    });
    const result = await read(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    client.removeListener('error', ignoreConnectionError);
    // After a failure the connection may still be inside the transaction: closed, not reused.
    client.release(broken === undefined ? undefined : true);
  }
}

/**
 * One of the tenant's jobs, or undefined for an unknown id and for another tenant's job alike. One
 * statement (migration 012's function does what inTenantScope's transaction does), so one round trip.
 */
export async function jobFindForTenant(
  pool: Pool,
  id: string,
  tenantId: string,
): Promise<JobView | undefined> {
  const asReader = await tenantReaderRoleAvailable(pool);
  const { rows } = await pool.query<JobRow>({
    ...statements.jobFindForTenant,
    values: [id, tenantId, asReader],
  });
  const row = rows[0];
  return row && jobViewOf(row);
}

/** One of the tenant's jobs' status and results, or undefined (unknown, or another tenant's); one statement. */
export async function resultsFindForTenant(
  pool: Pool,
  jobId: string,
  tenantId: string,
): Promise<JobResultsView | undefined> {
  const asReader = await tenantReaderRoleAvailable(pool);
  const { rows } = await pool.query<ResultRow>({
    ...statements.resultsFindForTenant,
    values: [jobId, tenantId, asReader],
  });
  return resultsOf(rows);
}
