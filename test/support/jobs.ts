import { randomUUID } from 'node:crypto';
import { jobInsert } from '../../src/data/idempotentInsert.js';
import { resultsFind } from '../../src/data/ingestionStore.js';
import type { Pool } from '../../src/data/pool.js';
import { eventTypeKey } from '../../src/domain/eventTypeKey.js';

/** An event as tests submit it. */
export interface TestEvent {
  type: string;
  timestamp: string;
  payload?: unknown;
}

/** Stores a job through the same statement the API uses, and returns its id. */
export async function insertJob(
  pool: Pool,
  events: readonly TestEvent[] = [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z' }],
  options: { tenantId?: string; maxAttempts?: number } = {},
): Promise<string> {
  const outcome = await jobInsert(pool, {
    id: randomUUID(),
    tenantId: options.tenantId ?? 'tenant',
    maxAttempts: options.maxAttempts ?? 5,
    eventCount: events.length,
    idempotencyKey: undefined,
    requestFingerprint: undefined,
    eventsJson: JSON.stringify(
      events.map((e) => ({ t: e.type, k: eventTypeKey(e.type), ts: e.timestamp, p: e.payload ?? null })),
    ),
  });
  return outcome.jobId;
}

/** A job's row, as the tests inspect it. */
export interface JobRow {
  id: string;
  status: string;
  attempt: number;
  max_attempts: number;
  locked_by: string | null;
  error: string | null;
  tenant_id: string;
}

/** Reads jobs' rows by id. */
export async function jobRows(pool: Pool, ids?: readonly string[]): Promise<JobRow[]> {
  const { rows } = ids
    ? await pool.query<JobRow>('SELECT * FROM ingestion_jobs WHERE id = ANY($1::uuid[])', [ids])
    : await pool.query<JobRow>('SELECT * FROM ingestion_jobs');
  return rows;
}

/** Polls until `check` returns true or the time runs out; returns whether it came true. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/**
 * A job's stored results with their first and last timestamps as Dates (milliseconds), as the
 * aggregation oracle gives them; the store keeps microseconds.
 */
export async function resultsWithDates(pool: Pool, jobId: string) {
  const stored = await resultsFind(pool, jobId);
  return (
    stored && {
      ...stored,
      results: stored.results.map(({ firstMicros, lastMicros, ...result }) => ({
        ...result,
        firstTimestamp: new Date(Number(firstMicros / 1000n)),
        lastTimestamp: new Date(Number(lastMicros / 1000n)),
      })),
    }
  );
}
