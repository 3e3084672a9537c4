import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  tenantPause: sqlStatement('tenantPause'),
  tenantResume: sqlStatement('tenantResume'),
  processingPause: sqlStatement('processingPause'),
  processingResume: sqlStatement('processingResume'),
  pausesSummary: sqlStatement('pausesSummary'),
};

/** Whether processing is paused for everyone, and how many tenants are paused one by one. */
export interface PausesSummary {
  /** Since when processing is paused for every tenant; null while it runs. */
  processingPausedAt: Date | null;
  pausedTenants: number;
}

/** Pauses a tenant (no claim takes its jobs; they are still accepted); returns since when it is paused. */
export async function tenantPause(pool: Pool, tenantId: string): Promise<Date> {
  const { rows } = await pool.query<{ paused_at: Date }>({ ...statements.tenantPause, values: [tenantId] });
  return rows[0]!.paused_at;
}

/** Resumes a tenant and wakes idle workers; false when it was not paused. */
export async function tenantResume(pool: Pool, tenantId: string): Promise<boolean> {
  const { rows } = await pool.query({ ...statements.tenantResume, values: [tenantId] });
  return rows.length > 0;
}

/** Pauses processing for every tenant; returns since when it is paused. */
export async function processingPause(pool: Pool): Promise<Date> {
  const { rows } = await pool.query<{ paused_at: Date }>(statements.processingPause);
  return rows[0]!.paused_at;
}

/** Resumes processing for every tenant and wakes idle workers; false when it was not paused. */
export async function processingResume(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query(statements.processingResume);
  return rows.length > 0;
}

/** The pause state, for the overview and the metrics. */
export async function pausesSummary(pool: Pool): Promise<PausesSummary> {
  const { rows } = await pool.query<{ processing_paused_at: Date | null; paused_tenants: number }>(
    statements.pausesSummary,
  );
  return { processingPausedAt: rows[0]!.processing_paused_at, pausedTenants: rows[0]!.paused_tenants };
}
