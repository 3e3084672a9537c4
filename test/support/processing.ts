import { jobEventsRead } from '../../src/data/jobEvents.js';
import type { Pool } from '../../src/data/pool.js';
import type { JobProcessor, JsonValue } from '../../src/processing/processor.js';

/**
 * Runs a processor on a stored job as a worker would, minus the queue: the job as claimed (attempt 1
 * unless the row says more) and its events read from the database in pages of `pageSize`. For testing a
 * processor against the real database without starting a worker.
 */
export async function processStoredJob(
  pool: Pool,
  processor: JobProcessor,
  jobId: string,
  options: { pageSize?: number; signal?: AbortSignal } = {},
): Promise<JsonValue> {
  const { rows } = await pool.query<{ tenant_id: string; attempt: number; max_attempts: number }>(
    'SELECT tenant_id, attempt, max_attempts FROM ingestion_jobs WHERE id = $1',
    [jobId],
  );
  if (!rows[0]) throw new Error(`no job ${jobId}`);
  const signal = options.signal ?? new AbortController().signal;
  return processor.process({
    job: {
      id: jobId,
      tenantId: rows[0].tenant_id,
      attempt: Math.max(rows[0].attempt, 1),
      maxAttempts: rows[0].max_attempts,
    },
    events: jobEventsRead(pool, jobId, {
      signal,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    }),
    signal,
  });
}
