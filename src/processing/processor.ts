// The processing seam: what a team implements to run its own processing on a job's events. The worker
// (src/worker/) claims the job, renews its lease while `process` runs, aborts the signal when it must stop,
// and commits the returned output in the statement that marks the job Succeeded.
import type { JobEvent } from '../data/jobEvents.js';

export type { JobEvent } from '../data/jobEvents.js';

/** The claimed job a processor works on. */
export interface ProcessingJob {
  id: string;
  tenantId: string;
  /** This attempt's number, from 1: more than 1 when an earlier attempt failed or its worker died. */
  attempt: number;
  maxAttempts: number;
}

/** A JSON document: what a processor returns is stored as jsonb and served as `output`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a processor is handed for one job. */
export interface ProcessingInput {
  job: ProcessingJob;
  /**
   * The job's events in submission order, read from the database a page at a time as the loop asks for
   * them: iterate it once; a 100,000-event job never sits in memory unless the processor keeps it.
   */
  events: AsyncIterable<JobEvent>;
  /**
   * Aborted when the processor must stop: the job's lease was lost (another worker may own it now), an
   * operator cancelled the job, it ran for JOB_TIMEOUT_SECONDS, or the worker is shutting down and its
   * grace period ran out. `signal.reason`
   * says which (a JobAbortReason). Pass it to fetch and database calls; whatever the processor returns
   * after it aborted is discarded.
   */
  signal: AbortSignal;
  /**
   * The W3C traceparent of the job's span when tracing is on (OTEL_* settings, docs/operations.md): send
   * it on with calls the processor makes so they join the job's trace. The same span is the active one in
   * `@opentelemetry/api` while `process` runs, so spans the processor starts with it are its children.
   */
  traceparent?: string;
}

/**
 * Processing written in TypeScript. `process` returns the job's output (any JSON document), stored in the
 * same statement that marks the job Succeeded and served by GET /v1/results/{jobId} as `output`. A thrown
 * error is a failed attempt, retried with backoff while attempts are left; a PermanentJobError fails the
 * job at once.
 */
export interface JobProcessor {
  /** Shown in the worker's start-up log line. */
  readonly name: string;
  process(input: ProcessingInput): Promise<JsonValue>;
}

/**
 * Thrown by a processor when no further attempt can succeed (a malformed payload, say): the job is Failed
 * at once with this message as its error, without using its remaining attempts. Like River's JobCancel
 * and graphile-worker's permanent failures.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Why the worker aborted a processor's signal; `signal.reason` is one of these. */
export class JobAbortReason extends Error {
  constructor(
    /**
     * lease-lost: another worker may hold the job; cancelled: an operator cancelled it (it is Failed
     * already); timeout: JOB_TIMEOUT_SECONDS; shutdown: grace ended.
     */
    readonly kind: 'lease-lost' | 'cancelled' | 'timeout' | 'shutdown',
    message: string,
  ) {
    super(message);
    this.name = 'JobAbortReason';
  }
}
