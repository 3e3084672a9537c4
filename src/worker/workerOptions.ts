import type { WorkerConfig } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import type { ClaimedJob } from '../data/jobQueue.js';
import type { Pool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import type { WorkerMetrics } from '../metrics/workerMetrics.js';
import type { JobProcessor } from '../processing/processor.js';
import type { Tracing } from '../tracing/tracing.js';

/**
 * Points where code can step into processing. The shipped entry points install none; tests use them to
 * make chosen jobs fail, which no request or setting can do.
 */
export interface WorkerHooks {
  /** Runs for each claimed job before it is completed; throwing fails that job's attempt only. */
  beforeComplete?: (job: ClaimedJob) => Promise<void> | void;
  /**
   * Runs once a statement that finished jobs (Succeeded, or Failed for good) has committed, before their
   * webhooks go out: tests kill the process here.
   */
  afterFinish?: (jobIds: readonly string[]) => void;
}

/** What a worker needs. */
export interface WorkerOptions {
  /** A pool with at least `concurrency + 2` connections: one per loop, plus heartbeat and sweep. */
  pool: Pool;
  /**
   * For the LISTEN connection, which lives outside the pool; undefined when there is none to be had
   * (behind a transaction-mode pooler): the worker then finds new jobs by polling alone.
   */
  database: DatabaseConfig | undefined;
  config: WorkerConfig;
  logger: Logger;
  hooks?: WorkerHooks;
  /**
   * Processing written in TypeScript (src/processing/), run on one job at a time per loop. None: the
   * template's aggregation, run in SQL inside the completion statement for whole batches.
   */
  processor?: JobProcessor | undefined;
  /** Where outcomes are recorded; none by default. */
  metrics?: WorkerMetrics;
  /** Where the claim, each job and each finishing statement are traced; none by default. */
  tracing?: Tracing;
  /** Called when a finishing statement wrote webhook messages: wakes the delivery loop (src/webhooks/). */
  onWebhooksWritten?: () => void;
  /**
   * Whether `pool` pipelines (createPool's `pipeline`), so that jobs announced by id are completed in the
   * round trip that claims them (jobsClaimByIds). Off behind a transaction-mode pooler, which may give
   * the claim and its completion two different server connections.
   */
  pipelined?: boolean;
}

/** How a stop went. */
export interface WorkerStopReport {
  /** Whether every running job finished within the grace period. */
  drained: boolean;
  /** Jobs handed back as Pending because the grace period ran out. */
  released: number;
}
