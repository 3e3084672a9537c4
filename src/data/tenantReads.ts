import {
  jobViewOf,
  resultsOf,
  type JobRow,
  type JobResultsView,
  type JobView,
  type ResultRow,
} from './ingestionStore.js';
import type { JobKey } from '../domain/jobCursor.js';
import type { JobListWindow } from '../domain/jobListFilter.js';
import type { Pool, PoolClient } from './pool.js';
import { sqlStatement } from './sql.js';
import {
  tenantReadMode,
  tenantReadProtectionFind,
  TenantReadsUnprotectedError,
  type TenantReadMode,
} from './tenantReadProtection.js';

const statements = {
  tenantScopeEnter: sqlStatement('tenantScopeEnter'),
  tenantScopeEnterWithoutRole: sqlStatement('tenantScopeEnterWithoutRole'),
  jobFindForTenant: sqlStatement('jobFindForTenant'),
  resultsFindForTenant: sqlStatement('resultsFindForTenant'),
  jobsListForTenant: sqlStatement('jobsListForTenant'),
};

// How each pool's tenant reads run, learnt at most every few seconds: after the migrator has repaired a
// restored database, reads resume without a restart.
const modeByPool = new WeakMap<Pool, { mode: Promise<TenantReadMode>; at: number }>();
const modeRecheckMs = 5000;

/**
 * How a tenant's reads on this pool run: confined by row-level security, unconfined (the migration could
 * never create or grant the role; see docs/security.md), or refused because the protection was lost.
 */
export function tenantReadModeOf(pool: Pool): Promise<TenantReadMode> {
  const known = modeByPool.get(pool);
  if (known && performance.now() - known.at < modeRecheckMs) return known.mode;
  const mode = tenantReadProtectionFind(pool).then(tenantReadMode);
  // A failure (the database away) is asked again next time, not remembered.
  mode.catch(() => modeByPool.delete(pool));
  modeByPool.set(pool, { mode, at: performance.now() });
  return mode;
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
  const mode = await tenantReadModeOf(pool);
  if (mode === 'lost') throw new TenantReadsUnprotectedError();
  const withRole = mode === 'confined';
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
 * Whether a tenant's one-statement read switches to the reader role: yes where the database confines tenant
 * reads; no where it never could (the role could not be made); refused where the protection was lost.
 */
async function readsAsReader(pool: Pool): Promise<boolean> {
  const mode = await tenantReadModeOf(pool);
  if (mode === 'lost') throw new TenantReadsUnprotectedError();
  return mode === 'confined';
}

/**
 * One of the tenant's jobs, or undefined for an unknown id and for another tenant's job alike. One
 * statement (migration 016's function does what inTenantScope's transaction does), so one round trip.
 */
export async function jobFindForTenant(
  pool: Pool,
  id: string,
  tenantId: string,
): Promise<JobView | undefined> {
  const asReader = await readsAsReader(pool);
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
  const asReader = await readsAsReader(pool);
  const { rows } = await pool.query<ResultRow>({
    ...statements.resultsFindForTenant,
    values: [jobId, tenantId, asReader],
  });
  return resultsOf(rows);
}

/** A job of a tenant's list, with its position for the next page's cursor. */
export interface TenantJobRow extends JobView {
  key: JobKey;
}

/** One page of the tenant's own jobs matching `window`, newest first, after `after` (exclusive). */
export async function jobsListForTenant(
  pool: Pool,
  tenantId: string,
  window: JobListWindow,
  after: JobKey | undefined,
  limit: number,
): Promise<TenantJobRow[]> {
  return inTenantScope(pool, tenantId, async (client) => {
    const { rows } = await client.query<JobRow & { created_key: string }>({
      ...statements.jobsListForTenant,
      values: [
        tenantId,
        window.statuses,
        window.createdFrom ?? '-infinity',
        window.createdBefore ?? 'infinity',
        after?.createdKey ?? 'infinity',
        after?.id ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff',
        limit,
      ],
    });
    return rows.map((row) => ({ ...jobViewOf(row), key: { createdKey: row.created_key, id: row.id } }));
  });
}
