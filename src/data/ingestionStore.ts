import type { JobStatus } from '../domain/jobStatus.js';
import {
  InsertNotSentError,
  InsertOutcomeUnknownError,
  isOutcomeUncertain,
  isRefusedByPooler,
  settleInsertOutcome,
} from './insertOutcome.js';
import { backendPidOf, type Pool, type PoolClient } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  jobInsertMany: sqlStatement('jobInsertMany'),
  jobFind: sqlStatement('jobFind'),
  resultsFind: sqlStatement('resultsFind'),
};

/** A job to store, with its events already checked. */
export interface NewJob {
  id: string;
  tenantId: string;
  maxAttempts: number;
  eventCount: number;
  idempotencyKey: string | undefined;
  requestFingerprint: string | undefined;
  /** The W3C traceparent the job's processing continues (see src/tracing/); undefined: none. */
  traceparent?: string | undefined;
  /**
   * The events as a JSON array of `{"t": type, "k": type key, "ts": timestamp, "p": payload}`: its text,
   * or that text's UTF-8 bytes (kept outside the V8 heap while the job waits for its statement).
   */
  eventsJson: string | Buffer;
}

/** What storing a job came to. */
export type JobInsertOutcome =
  | { kind: 'created'; jobId: string }
  /** The idempotency key names an existing job created from the same body. */
  | { kind: 'replayed'; jobId: string }
  /** The idempotency key names an existing job created from another body. */
  | { kind: 'conflict'; jobId: string };

/** Orders keyed jobs by tenant and key, and puts them first: see jobInsertMany. */
function byIdempotencyKey(a: NewJob, b: NewJob): number {
  if (a.idempotencyKey === undefined || b.idempotencyKey === undefined) {
    return a.idempotencyKey === undefined ? (b.idempotencyKey === undefined ? 0 : 1) : -1;
  }
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  return a.idempotencyKey < b.idempotencyKey ? -1 : a.idempotencyKey > b.idempotencyKey ? 1 : 0;
}

/**
 * The jobs' event arrays as one JSON array: the binary input format of json is the JSON text itself. Written straight into a buffer outside the V8 heap: joined into one string, a statement's
 * events (hundreds of kilobytes under load) went straight into V8's old generation, which then grew
 * between full collections far beyond what the API holds live.
 */
function eventsParameter(jobs: readonly NewJob[], into: Buffer): Buffer {
  into[0] = 0x5b; // [
  let at = 1;
  jobs.forEach((job, i) => {
    if (i > 0) into[at++] = 0x2c; // ,
    at += typeof job.eventsJson === 'string' ? into.write(job.eventsJson, at) : job.eventsJson.copy(into, at);
  });
  into[at] = 0x5d; // ]
  return into.subarray(0, at + 1);
}

/** Bytes eventsParameter writes for `jobs`. */
function eventsParameterSize(jobs: readonly NewJob[]): number {
  let size = 2 + jobs.length - 1;
  for (const job of jobs)
    size += typeof job.eventsJson === 'string' ? Buffer.byteLength(job.eventsJson) : job.eventsJson.length;
  return size;
}

// Buffers for the events parameter, kept for the next statement: a new one for each statement was
// half of the API's short-lived memory outside the V8 heap, which V8 frees only at full collections.
// node-postgres copies a parameter into its own message when it sends the query, and a buffer comes
// back here only once its query has settled (a query that times out before it was sent is dropped).
const spareBuffers: Buffer[] = [];
const maxSpareBuffers = 4;
const maxSpareBufferBytes = 4 * 1024 * 1024;

function bufferTake(size: number): Buffer {
  const index = spareBuffers.findIndex((buffer) => buffer.length >= size);
  if (index >= 0) return spareBuffers.splice(index, 1)[0]!;
  return Buffer.allocUnsafe(Math.max(size, 256 * 1024));
}

function bufferGiveBack(buffer: Buffer): void {
  if (spareBuffers.length < maxSpareBuffers && buffer.length <= maxSpareBufferBytes)
    spareBuffers.push(buffer);
}

function ignoreConnectionError(): void {
  // The query that was running on the connection reports the failure.
}

/** How long to spend learning the outcome of an insert the client stopped waiting for; see below. */
export const defaultOutcomeWaitMillis = 2000;

/**
 * Stores jobs and their events atomically, in one statement, and returns the ids of the jobs it
 * created: all but those whose idempotency key already names a job (see idempotencyOutcomes). Two
 * concurrent requests with one key produce one job: the database serializes them on the key.
 *
 * Its errors say what is known of the outcome. An error from PostgreSQL (a rolled-back statement) and
 * InsertNotSentError (no connection could be had) mean nothing was stored. When the client stopped
 * waiting or lost the connection while the statement ran, the statement is cancelled on the server and
 * the jobs looked up once it has finished: the insert then either returns as if it had succeeded (it
 * committed), or rethrows its error (it did not), or throws InsertOutcomeUnknownError when that could
 * not be learnt within `outcomeWaitMillis`.
 */
export async function jobInsertMany(
  pool: Pool,
  jobs: readonly NewJob[],
  outcomeWaitMillis = defaultOutcomeWaitMillis,
): Promise<Set<string>> {
  // Keys are inserted in one order by every statement, so two statements that wait for each other's
  // keys cannot deadlock.
  const ordered = jobs.some((job) => job.idempotencyKey !== undefined)
    ? [...jobs].sort(byIdempotencyKey)
    : jobs;
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new InsertNotSentError(error);
  }
  // A connection that fails while checked out emits 'error', which pg-pool listens for only while the
  // connection is idle: unheard, it would end the process. The failure reaches the query as well.
  client.on('error', ignoreConnectionError);
  const buffer = bufferTake(eventsParameterSize(ordered));
  try {
    const { rows } = await client.query<{ id: string }>({
      ...statements.jobInsertMany,
      values: [
        ordered.map((job) => job.id),
        ordered.map((job) => job.tenantId),
        ordered.map((job) => job.maxAttempts),
        ordered.map((job) => job.eventCount),
        ordered.map((job) => job.idempotencyKey ?? null),
        ordered.map((job) => job.requestFingerprint ?? null),
        eventsParameter(ordered, buffer),
        ordered.map((job) => job.traceparent ?? null),
      ],
    });
    client.removeListener('error', ignoreConnectionError);
    client.release();
    return new Set(rows.map((row) => row.id));
  } catch (error) {
    if (isRefusedByPooler(error)) {
      // Never sent to PostgreSQL (PgBouncer could not reach it): nothing stored, as with no connection at
      // all. The pooler has closed this connection.
      client.release(true);
      throw new InsertNotSentError(error);
    }
    if (!isOutcomeUncertain(error)) {
      client.removeListener('error', ignoreConnectionError);
      client.release();
      throw error;
    }
    // The connection is kept (its statement may still run) until the outcome is known, then closed:
    // what it would read next is the abandoned statement's answer.
    const ids = ordered.map((job) => job.id);
    try {
      const stored = await settleInsertOutcome(pool, backendPidOf(client), ids, outcomeWaitMillis);
      if (stored === undefined) throw new InsertOutcomeUnknownError(ids, error);
      if (stored.size === 0) throw error;
      return stored;
    } finally {
      // Closed, not reused: the listener stays, for errors of the closing itself.
      client.release(true);
    }
  } finally {
    bufferGiveBack(buffer);
  }
}

/** A job's state as the status endpoint shows it. */
export interface JobView {
  id: string;
  tenantId: string;
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  eventCount: number;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  processedAt: Date | null;
  availableAt: Date;
}

/** A jobs-table row as the statements that read whole jobs return it. */
export interface JobRow {
  id: string;
  tenant_id: string;
  status: JobStatus;
  attempt: number;
  max_attempts: number;
  event_count: number;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
  available_at: Date;
}

/** A row of the jobs table as the service shows a job. */
export function jobViewOf(row: JobRow): JobView {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    eventCount: row.event_count,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    processedAt: row.processed_at,
    availableAt: row.available_at,
  };
}

/** Reads one job, or undefined when there is none with that id. */
export async function jobFind(pool: Pool, id: string): Promise<JobView | undefined> {
  const { rows } = await pool.query<JobRow>({ ...statements.jobFind, values: [id] });
  const row = rows[0];
  return row && jobViewOf(row);
}

/** One line of a job's stored results. */
export interface ResultView {
  eventType: string;
  count: number;
  /** Microseconds since the epoch, as PostgreSQL keeps them. */
  firstMicros: bigint;
  lastMicros: bigint;
}

/** A job's status with what its processing produced. */
export interface JobResultsView {
  status: JobStatus;
  /** The template's aggregation, stored by jobsSucceed; empty for a job a processor in TypeScript completed. */
  results: ResultView[];
  /** What a processor in TypeScript returned; absent when the job has none (not Succeeded, or aggregated in SQL). */
  output?: unknown;
}

/** A row of the statements that read a job's status with its results (resultsFind and its tenant form). */
export interface ResultRow {
  status: JobStatus;
  output: unknown;
  has_output: boolean;
  event_type: string | null;
  count: number | null;
  first_micros: string | null;
  last_micros: string | null;
}

/** The status, results and output those rows hold, or undefined when there are none (no such job). */
export function resultsOf(rows: readonly ResultRow[]): JobResultsView | undefined {
  if (rows.length === 0) return undefined;
  const results: ResultView[] = [];
  for (const row of rows) {
    if (row.event_type === null) continue;
    results.push({
      eventType: row.event_type,
      count: row.count!,
      firstMicros: BigInt(row.first_micros!),
      lastMicros: BigInt(row.last_micros!),
    });
  }
  const [first] = rows as [(typeof rows)[0]];
  return first.has_output
    ? { status: first.status, results, output: first.output }
    : { status: first.status, results };
}

/** Reads a job's status and results (empty until it has Succeeded), or undefined for an unknown job. */
export async function resultsFind(pool: Pool, jobId: string): Promise<JobResultsView | undefined> {
  const { rows } = await pool.query<ResultRow>({ ...statements.resultsFind, values: [jobId] });
  return resultsOf(rows);
}
