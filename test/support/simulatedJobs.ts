// Jobs written straight into the tables at a simulated time, for the maintenance tests: the API stamps
// jobs with the database's clock, and these tests run a year of days through a pass in seconds.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../../src/data/pool.js';

const dayMs = 86_400_000;

/** Noon (UTC) of the day `days` after today: a job accepted then lands in that day's partition. */
export function noonOfDay(days: number): Date {
  return new Date(Math.floor(Date.now() / dayMs) * dayMs + days * dayMs + dayMs / 2);
}

/** A job's state when it is written. */
export type SimulatedStatus = 'Pending' | 'Processing' | 'Succeeded' | 'Failed';

/** One job to write: accepted at `createdAt`, finished at `processedAt` when its status says it is. */
export interface SimulatedJob {
  id: string;
  status: SimulatedStatus;
  createdAt: Date;
  processedAt: Date | null;
}

/** A new job's row. */
export function simulatedJob(status: SimulatedStatus, createdAt: Date, processedAt: Date | null = null) {
  return { id: randomUUID(), status, createdAt, processedAt };
}

/**
 * Writes jobs with two events each (accepted when the job was), an idempotency key each and, for
 * Succeeded jobs, one result, as the service would have stored them; one statement.
 */
export async function writeSimulatedJobs(pool: Pool, jobs: readonly SimulatedJob[]): Promise<void> {
  await pool.query(
    `WITH job AS (
       INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, created_at,
                                   updated_at, available_at, processed_at, locked_by, locked_until,
                                   idempotency_key)
       SELECT id, 'simulated', status, CASE WHEN status = 'Pending' THEN 0 ELSE 1 END, 5, 2, created,
              coalesce(processed, created), created, processed,
              CASE WHEN status = 'Processing' THEN 'simulated-worker' END,
              CASE WHEN status = 'Processing' THEN created + interval '1 year' END,
              'key-' || id
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS t (id, status, created, processed)
       RETURNING id, status, created_at
     ),
     keys AS (
       INSERT INTO ingestion_idempotency_keys (tenant_id, idempotency_key, job_id)
       SELECT 'simulated', 'key-' || id, id FROM job
     ),
     events AS (
       INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
       SELECT job.id, seq, 'clicked', 'CLICKED', job.created_at, 'null', job.created_at
       FROM job CROSS JOIN generate_series(1, 2) AS seq
     )
     INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
     SELECT id, 'clicked', 'CLICKED', 2, created_at, created_at FROM job WHERE status = 'Succeeded'`,
    [
      jobs.map((j) => j.id),
      jobs.map((j) => j.status),
      jobs.map((j) => j.createdAt),
      jobs.map((j) => j.processedAt),
    ],
  );
}

/** Records that a job finished: its status and when. */
export async function finishSimulatedJob(
  pool: Pool,
  id: string,
  status: 'Succeeded' | 'Failed',
  processedAt: Date,
): Promise<void> {
  await pool.query(
    `UPDATE ingestion_jobs
     SET status = $2, attempt = greatest(attempt, 1), processed_at = $3, updated_at = $3,
         locked_by = NULL, locked_until = NULL
     WHERE id = $1`,
    [id, status, processedAt],
  );
  if (status === 'Succeeded') {
    await pool.query(
      `INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
       SELECT id, 'clicked', 'CLICKED', 2, created_at, created_at FROM ingestion_jobs WHERE id = $1`,
      [id],
    );
  }
}

/** The names of raw_events' partitions, sorted. */
export async function partitionNames(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'raw_events'::regclass ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}
