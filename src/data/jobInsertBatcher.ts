import { idempotencyOutcomes, jobInsertMany, type JobInsertOutcome, type NewJob } from './ingestionStore.js';
import type { Pool } from './pool.js';

/** How the batcher groups jobs into statements. */
export interface JobInsertBatcherOptions {
  /** Insert statements running at once; the rest of the pool stays free for reads. */
  maxConcurrentStatements: number;
  /** A statement takes queued jobs until it holds this many events (a bigger job still goes, alone). */
  maxEventsPerStatement: number;
}

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
// limit) and the transaction conflicts (serialization failure, deadlock) a job alone may not meet. Any
// other error (connection lost, timeout, table locked, database shutting down) would meet every job.
const jobLevelErrorClasses = new Set(['22', '23', '54']);
const jobLevelErrorCodes = new Set(['40001', '40P01']);

function mayBeOneJobs(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || code.length !== 5) return false;
  return jobLevelErrorClasses.has(code.slice(0, 2)) || jobLevelErrorCodes.has(code);
}

/**
 * Stores jobs from concurrent requests together. While insert statements are running, new jobs queue;
 * when one finishes, the next statement takes everything queued. An idle service therefore sends each
 * job at once, alone, with no timer to wait for; a busy one pays the round trip, the commit and its
 * flush once for many requests instead of once for each. Every job's promise settles only after the
 * statement holding it has committed, so an answer built on it is as durable as a single insert.
 *
 * A failed statement that held several jobs is retried one job at a time when the error could come from
 * one job's data, so one bad job fails alone. An error of the database as a whole fails the statement's
 * jobs and every job still queued: they would meet the same error, later.
 */
export class JobInsertBatcher {
  readonly #pool: Pool;
  readonly #options: JobInsertBatcherOptions;
  #queue: QueuedJob[] = [];
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
      this.#startStatements();
    });
  }

  /** Statements sent and jobs they held so far. */
  stats(): JobInsertBatcherStats {
    return { ...this.#stats };
  }

  #startStatements(): void {
    while (this.#running < this.#options.maxConcurrentStatements && this.#queue.length > 0) {
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
    return this.#queue.splice(0, count);
  }

  async #store(batch: QueuedJob[]): Promise<void> {
    let created: Set<string>;
    try {
      this.#stats.statements += 1;
      this.#stats.jobs += batch.length;
      created = await jobInsertMany(
        this.#pool,
        batch.map((queued) => queued.job),
      );
    } catch (error) {
      if (batch.length > 1 && mayBeOneJobs(error)) {
        await Promise.all(batch.map((queued) => this.#store([queued])));
        return;
      }
      const waiting = this.#queue;
      this.#queue = [];
      for (const queued of [...batch, ...waiting]) queued.reject(error);
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
      taken.forEach((queued, i) => queued.resolve(outcomes[i]!));
    } catch (error) {
      for (const queued of taken) queued.reject(error);
    }
  }
}
