import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

// Unprepared, like the other admin statements: planned with their own values.
const statements = {
  backlog: sqlStatement('adminTenantsBacklog').text,
  idle: sqlStatement('adminTenantsIdle').text,
  paused: sqlStatement('adminTenantsPaused').text,
  detail: sqlStatement('adminTenantsDetail').text,
};

/** Counts of the tenant list stop here: a tenant with more reads as this many (and "at least"). */
export const tenantCountCap = 10_000;

/** A tenant with a backlog and how long it is (capped at tenantCountCap). */
export interface TenantBacklog {
  tenantId: string;
  pending: number;
}

/** What the tenant list shows of one tenant. */
export interface TenantFigures {
  tenantId: string;
  pending: number;
  processing: number;
  /** Failed jobs among those created in the last 24 hours. */
  failedLast24h: number;
  finishedLastHour: number;
  oldestPendingAt: Date | null;
  pausedAt: Date | null;
  /** The database's clock. */
  now: Date;
}

/**
 * Every tenant with Pending jobs and its backlog, in no order. One pass over the tenants with a backlog:
 * its cost follows their number, so callers share one answer for a while.
 */
export async function tenantsByBacklog(pool: Pool): Promise<TenantBacklog[]> {
  const { rows } = await pool.query<{ tenant_id: string; pending: number }>(statements.backlog, [
    tenantCountCap,
  ]);
  return rows.map((row) => ({ tenantId: row.tenant_id, pending: row.pending }));
}

/**
 * Tenants (any job stored, or paused) other than `ranked`, the tenants of the backlog ranking the list's
 * first part was served from, in tenant id order after `after`.
 */
export async function tenantsOutsideRanking(
  pool: Pool,
  after: string,
  limit: number,
  ranked: readonly string[],
): Promise<string[]> {
  const { rows } = await pool.query<{ tenant_id: string }>(statements.idle, [after, limit, ranked]);
  return rows.map((row) => row.tenant_id);
}

/** Paused tenants, in tenant id order after `after`. */
export async function tenantsPaused(pool: Pool, after: string, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ tenant_id: string }>(statements.paused, [after, limit]);
  return rows.map((row) => row.tenant_id);
}

/** The figures of these tenants, in the order given. */
export async function tenantsFigures(pool: Pool, tenantIds: readonly string[]): Promise<TenantFigures[]> {
  if (tenantIds.length === 0) return [];
  const { rows } = await pool.query<{
    tenant_id: string;
    pending: number;
    processing: number;
    failed_last_24h: number;
    finished_last_hour: number;
    oldest_pending_at: Date | null;
    paused_at: Date | null;
    now: Date;
  }>(statements.detail, [tenantIds, tenantCountCap]);
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    pending: row.pending,
    processing: row.processing,
    failedLast24h: row.failed_last_24h,
    finishedLastHour: row.finished_last_hour,
    oldestPendingAt: row.oldest_pending_at,
    pausedAt: row.paused_at,
    now: row.now,
  }));
}
