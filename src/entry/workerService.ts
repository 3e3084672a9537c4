import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { jobsCountByStatus } from '../data/jobCounts.js';
import { createPool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import { maintenanceSettingsOf } from '../maintenance/maintenancePass.js';
import { MaintenanceSchedule } from '../maintenance/maintenanceSchedule.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { Worker, type WorkerHooks } from '../worker/worker.js';
import { loadProcessor } from './processorModule.js';
import { listenDatabaseFor, type Running } from './services.js';

/** What a worker may be started with besides its configuration. */
export interface WorkerExtras {
  hooks?: WorkerHooks;
  /** The process's registry, which the worker records into. */
  metrics?: MetricsRegistry;
}

/** Starts a worker with its own pool, running the processor PROCESSOR_MODULE names (if any). */
export async function startWorker(
  config: Config,
  database: DatabaseConfig,
  logger: Logger,
  { hooks, metrics }: WorkerExtras = {},
): Promise<Running> {
  // Loaded before anything opens: a wrong module stops the start with nothing to close.
  const processor = await loadProcessor(config.worker.processorModule);
  // jobsClaimByIds pipelines a claim and its completion on one connection; not through a transaction
  // pooler, which may hand the two to different server connections.
  const pipelined = database.poolMode !== 'transaction';
  const pool = createPool(database, {
    max: config.worker.concurrency + 2,
    applicationName: 'ingest-worker',
    pipeline: pipelined,
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  metrics?.watchPool('worker', pool);
  metrics?.watchJobCounts({
    count: () => jobsCountByStatus(pool),
    cacheSeconds: config.metrics.jobCountsCacheSeconds,
    onError: (error) => logger.warn({ err: error }, 'could not count jobs for the metrics'),
  });
  const listenDatabase = listenDatabaseFor(config, database);
  const worker = new Worker({
    pool,
    database: listenDatabase,
    config: config.worker,
    logger,
    processor,
    pipelined,
    ...(hooks ? { hooks } : {}),
    ...(metrics ? { metrics: metrics.workerMetrics() } : {}),
  });
  await worker.start();
  const maintenance = startMaintenance(config, database, logger, metrics);
  return {
    async stop() {
      await Promise.all([worker.stop(), maintenance?.stop()]);
      await pool.end();
    },
  };
}

/**
 * Runs maintenance passes every MAINTENANCE_INTERVAL_SECONDS (none when 0), on a pool of two connections
 * of their own, so the claim loops, heartbeat and sweep never wait for a connection a pass holds. They
 * are opened for a pass and closed a second after it: between passes a worker holds none.
 */
function startMaintenance(
  config: Config,
  database: DatabaseConfig,
  logger: Logger,
  metrics: MetricsRegistry | undefined,
): { stop(): Promise<void> } | undefined {
  const { intervalSeconds } = config.maintenance;
  if (intervalSeconds === 0) return undefined;
  const pool = createPool(database, {
    max: 2,
    applicationName: 'ingest-maintenance',
    idleTimeoutMillis: 1000,
    onIdleError: (error) => logger.warn({ err: error }, 'idle maintenance connection failed'),
  });
  metrics?.watchPool('maintenance', pool);
  const schedule = new MaintenanceSchedule(
    pool,
    maintenanceSettingsOf(config.maintenance),
    intervalSeconds,
    logger.child({ component: 'maintenance' }),
    metrics?.maintenanceMetrics(),
  );
  schedule.start();
  return {
    async stop() {
      await schedule.stop();
      await pool.end();
    },
  };
}
