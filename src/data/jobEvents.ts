import { instantText } from '../domain/timestamp.js';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = { eventsPageFind: sqlStatement('eventsPageFind') };

/** One event of a job, as a processor reads it. */
export interface JobEvent {
  /** Position in the submitted batch, from 1. */
  seq: number;
  /** The type as submitted. */
  type: string;
  /** The grouping key the service stored with the event: the type ignoring case (see domain/eventTypeKey.ts). */
  typeKey: string;
  /** The timestamp in RFC 3339, written as GET /v1/results writes timestamps (UTC, milli- or microseconds). */
  timestamp: string;
  /** The same instant in microseconds since the epoch: exact, where a Date keeps milliseconds. */
  micros: bigint;
  /** The payload as submitted (null when it had none). */
  payload: unknown;
}

/** Events read per statement unless the caller says otherwise: a few hundred kilobytes at typical sizes. */
export const defaultEventsPageSize = 1000;

/**
 * A job's events in submission order, read page by page (keyset over (job_id, seq)), each page in its own
 * short statement: a job of any size costs one page of memory, and no transaction stays open while the
 * caller works on an event. Stops before the next page once `signal` has aborted.
 */
export async function* jobEventsRead(
  pool: Pool,
  jobId: string,
  options: { pageSize?: number; signal?: AbortSignal } = {},
): AsyncGenerator<JobEvent, void, undefined> {
  const pageSize = options.pageSize ?? defaultEventsPageSize;
  let after = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const { rows } = await pool.query<{
      seq: number;
      type: string;
      type_key: string;
      micros: string;
      payload: unknown;
    }>({ ...statements.eventsPageFind, values: [jobId, after, pageSize] });
    for (const row of rows) {
      const micros = BigInt(row.micros);
      yield {
        seq: row.seq,
        type: row.type,
        typeKey: row.type_key,
        timestamp: instantText(micros),
        micros,
        payload: row.payload,
      };
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.seq;
  }
}
