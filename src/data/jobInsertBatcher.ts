import { InsertNotSentError, InsertOutcomeUnknownError } from './insertOutcome.js';
import { isEventPartitionMissing } from './databaseErrors.js';
import { idempotencyOutcomes, jobInsert } from './idempotentInsert.js';
import {
  defaultOutcomeWaitMillis,
  jobInsertMany,
  type JobInsertOutcome,
  type NewJob,
} from './ingestionStore.js';
import type { Pool } from './pool.js';

/** How the batcher groups jobs into statements. */
export interface JobInsertBatcherOptions {
  /**
   * Insert statements running at once; the rest of the pool stays free for reads. Beyond the first, a
   * statement starts only when a full one (maxEventsPerStatement) is waiting: see JobInsertBatcher.
   */
  maxConcurrentStatements: number;
  /** A statement takes queued jobs until it holds this many events (a bigger job still goes, alone). */
  maxEventsPerStatement: number;
  /** How long to spend learning whether a statement the client gave up on committed (default 2 s). */
  outcomeWaitMillis?: number;
}

/** lock_not_available: lock_timeout passed while the statement waited for a lock. */
const lockTimeout = '55P03';

interface QueuedJob {
  job: NewJob;
  resolve: (outcome: JobInsertOutcome) => void;
  reject: (error: unknown) => void;
}

/** What the batcher has done so far, for tests and diagnostics. */
export interface JobInsertBatcherStats {
  statements: number;
  jobs: number;
}

// SQLSTATE classes an error of one job's data can raise (data exception, integrity violation, program
// limit), the transaction conflicts (serialization failure, deadlock) a job alone may not meet, and a
// lock timeout, which a job meets alone when it waits for another request's insert of its idempotency key.
const jobLevelErrorClasses = new Set(['22', '23', '54']);
const jobLevelErrorCodes = new Set(['40001', '40P01', lockTimeout]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
}

function mayBeOneJobs(error: unknown): boolean {
  // Every job of the statement lands in the same missing partition: retrying them one by one would fail
  // each again.
  if (isEventPartitionMissing(error)) return false;
  const code = errorCode(error);
  return code !== undefined && (jobLevelErrorClasses.has(code.slice(0, 2)) || jobLevelErrorCodes.has(code));
}

/**
 * Stores jobs from concurrent requests together. While an insert statement is running, new jobs queue;
 * when it finishes, the next statement takes everything queued. An idle service therefore sends each
 * job at once, alone, with no timer to wait for; a busy one pays the round trip, the commit and its
 * flush once for many requests instead of once for each. A second statement (up to
 * maxConcurrentStatements) starts beside a running one only once a full statement's worth of events is
 * queued: started for whatever had queued, it held one or two requests, and each statement costs the
 * database a fixed part (planning, executor start-up, commit) that a small one spreads over few events
 * (issue 13: a third of the statements held one request, at three times the CPU per event). Every job's promise settles only after the
 * statement holding it has committed, so an answer built on it is as durable as a single insert.
 *
 * A failed statement that held several jobs is retried one job at a time when the error could come from
 * one job's data, so one bad job fails alone; a lock timeout retries each keyed job alone (it may be
 * waiting for another request's insert of its key) and the unkeyed ones together. Any other failure
 * fails only the statement's own jobs: a request fails for its own content, or for an outage it meets
 * itself, never because of another request. Only when no connection can be had at all are the jobs
 * still queued failed with it at once: each would wait the connection time-out to learn the same.
 */
export class JobInsertBatcher {
  readonly #pool: Pool;
  readonly #options: JobInsertBatcherOptions;
  #queue: QueuedJob[] = [];
  /** Events of the queued jobs. */
  #queuedEvents = 0;
  #running = 0;
  #stats: JobInsertBatcherStats = { statements: 0, jobs: 0 };

  constructor(pool: Pool, options: JobInsertBatcherOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** Stores a job and its events, or finds the job its idempotency key already names. */
  insert(job: NewJob): Promise<JobInsertOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#queuedEvents += job.eventCount;
      this.#startStatements();
    });
  }

  #outcomeWaitMillis(): number {
    return this.#options.outcomeWaitMillis ?? defaultOutcomeWaitMillis;
  }

  /** Statements sent and jobs they held so far. */
  stats(): JobInsertBatcherStats {
    return { ...this.#stats };
  }

  #startStatements(): void {
    while (
      this.#queue.length > 0 &&
      this.#running < this.#options.maxConcurrentStatements &&
      (this.#running === 0 || this.#queuedEvents >= this.#options.maxEventsPerStatement)
    ) {
      const batch = this.#takeBatch();
      this.#running += 1;
      void this.#store(batch).finally(() => {
        this.#running -= 1;
        this.#startStatements();
      });
    }
  }

  #takeBatch(): QueuedJob[] {
    let events = this.#queue[0]!.job.eventCount;
    let count = 1;
    while (count < this.#queue.length) {
      const next = this.#queue[count]!.job.eventCount;
      if (events + next > this.#options.maxEventsPerStatement) break;
      events += next;
      count += 1;
    }
    this.#queuedEvents -= events;
    return this.#queue.splice(0, count);
  }

  /**
   * How a statement's jobs are retried after an error that may be one job's: each alone, except after a
   * lock timeout, where only keyed jobs can have waited on another request; the unkeyed ones, which can
   * only have met a lock on the table, are retried together rather than each waiting its own time-out.
   */
  #retryGroups(batch: QueuedJob[], code: string): QueuedJob[][] | undefined {
    if (code !== lockTimeout) return batch.map((queued) => [queued]);
    const keyed = batch.filter((queued) => queued.job.idempotencyKey !== undefined);
    const unkeyed = batch.filter((queued) => queued.job.idempotencyKey === undefined);
    // Unkeyed jobs alone met a table lock: retried, they would wait for it again.
    if (keyed.length === 0) return undefined;
    return [...keyed.map((queued) => [queued]), ...(unkeyed.length > 0 ? [unkeyed] : [])];
  }

  async #store(batch: QueuedJob[]): Promise<void> {
    let created: Set<string>;
    try {
      this.#stats.statements += 1;
      this.#stats.jobs += batch.length;
      created = await jobInsertMany(
        this.#pool,
        batch.map((queued) => queued.job),
        this.#outcomeWaitMillis(),
      );
    } catch (error) {
      if (error instanceof InsertNotSentError) {
        const waiting = this.#queue;
        this.#queue = [];
        this.#queuedEvents = 0;
        for (const queued of [...batch, ...waiting]) queued.reject(error.cause);
        return;
      }
      const groups =
        batch.length > 1 && mayBeOneJobs(error) ? this.#retryGroups(batch, errorCode(error)!) : undefined;
      if (groups) {
        await Promise.all(groups.map((group) => this.#store(group)));
        return;
      }
      for (const queued of batch) {
        // Each request is told the id of its own job, not its statement-mates'.
        queued.reject(
          error instanceof InsertOutcomeUnknownError
            ? new InsertOutcomeUnknownError([queued.job.id], error.cause)
            : error,
        );
      }
      return;
    }
    const taken: QueuedJob[] = [];
    for (const queued of batch) {
      if (created.has(queued.job.id)) queued.resolve({ kind: 'created', jobId: queued.job.id });
      else taken.push(queued);
    }
    if (taken.length === 0) return;
    // Only the jobs whose idempotency key was taken wait for the lookup; a failed lookup fails them alone,
    // since the others are stored.
    try {
      const outcomes = await idempotencyOutcomes(
        this.#pool,
        taken.map((queued) => queued.job),
      );
      await Promise.all(
        taken.map(async (queued, i) => {
          const outcome = outcomes[i]!;
          // A key whose job is gone was freed: the job is stored again, on its own (rare).
          if (outcome.kind !== 'free') queued.resolve(outcome);
          else queued.resolve(await jobInsert(this.#pool, queued.job, this.#outcomeWaitMillis()));
        }),
      );
    } catch (error) {
      for (const queued of taken) queued.reject(error);
    }
  }
}
