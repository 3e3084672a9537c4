import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { packageVersion } from '../config/serviceVersion.js';
import { jobsCountByStatus } from '../data/jobCounts.js';
import { pausesSummary } from '../data/pauseStore.js';
import { createPool, poolerSettingsRefusal } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import { maintenanceSettingsOf } from '../maintenance/maintenancePass.js';
import { MaintenanceSchedule } from '../maintenance/maintenanceSchedule.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { noTracing, type Tracing } from '../tracing/tracing.js';
import { Worker, type WorkerHooks } from '../worker/worker.js';
import { WorkerAnnouncer } from '../worker/workerAnnouncer.js';
import { startWebhookDelivery } from './webhookService.js';
import { loadProcessor } from './processorModule.js';
import { listenDatabaseFor, type Running } from './services.js';

/** What a worker may be started with besides its configuration. */
export interface WorkerExtras {
  hooks?: WorkerHooks;
  /** The process's registry, which the worker records into. */
  metrics?: MetricsRegistry;
  /** The process's tracing (startTracing); none by default. */
  tracing?: Tracing;
}

/** Starts a worker with its own pool, running the processor PROCESSOR_MODULE names (if any). */
export async function startWorker(
  config: Config,
  database: DatabaseConfig,
  logger: Logger,
  { hooks, metrics, tracing = noTracing }: WorkerExtras = {},
): Promise<Running> {
  // Loaded before anything opens: a wrong module stops the start with nothing to close.
  const processor = await loadProcessor(config.worker.processorModule);
  await warnOfPooler(database, logger);
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
  metrics?.watchPauses({
    read: () => pausesSummary(pool),
    cacheSeconds: config.metrics.jobCountsCacheSeconds,
    onError: (error) => logger.warn({ err: error }, 'could not read the pauses for the metrics'),
  });
  const listenDatabase = listenDatabaseFor(config, database);
  const webhooks = startWebhookDelivery(config, pool, logger, metrics, tracing);
  const worker = new Worker({
    pool,
    database: listenDatabase,
    config: config.worker,
    logger,
    processor,
    pipelined,
    ...(hooks ? { hooks } : {}),
    ...(metrics ? { metrics: metrics.workerMetrics() } : {}),
    tracing,
    onWebhooksWritten: () => webhooks.wake(),
  });
  // What the admin API lists under /admin/workers: this process, its version and the jobs it holds.
  const announcer = new WorkerAnnouncer(
    pool,
    { id: worker.id, concurrency: config.worker.concurrency, version: packageVersion() },
    () => worker.jobsInHand(),
    logger,
  );
  announcer.start();
  webhooks.start(worker.id);
  await worker.start();
  const maintenance = startMaintenance(config, database, logger, metrics);
  return {
    async stop() {
      // Together: the delivery loop stops claiming at once and lets the attempts on their way end within
      // the grace period; messages of jobs that finish meanwhile are left to the next worker.
      await Promise.all([
        worker.stop(),
        maintenance?.stop(),
        webhooks.stop(config.worker.shutdownGraceSeconds * 1000),
      ]);
      await announcer.stop();
      await pool.end();
    },
  };
}

/**
 * A worker sends no connection settings, so a pooler lets it connect; but behind one in transaction mode
 * its named statements fail ("prepared statement … does not exist"). A refusal of the API's settings
 * shows a pooler is there, not its mode (in session mode the worker works): a warning, not a stop.
 */
async function warnOfPooler(database: DatabaseConfig, logger: Logger): Promise<void> {
  const refusal = await poolerSettingsRefusal(database);
  if (!refusal) return;
  logger.warn(
    { server: refusal.server },
    `the database at ${refusal.server} is reached through a connection pooler (it refused the ` +
      `connection setting ${refusal.setting}). If its pool_mode is transaction, set ` +
      'DATABASE_POOL_MODE=transaction: named prepared statements fail there ("prepared statement … does ' +
      'not exist"). The API cannot run without it in either mode (docs/pgbouncer.md).',
  );
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
