import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { createPool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import { Worker, type WorkerHooks } from '../worker/worker.js';
import { listenDatabaseFor, type Running } from './services.js';

/** Starts a worker with its own pool. */
export async function startWorker(
  config: Config,
  database: DatabaseConfig,
  logger: Logger,
  hooks?: WorkerHooks,
): Promise<Running> {
  const pool = createPool(database, {
    max: config.worker.concurrency + 2,
    applicationName: 'ingest-worker',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const listenDatabase = listenDatabaseFor(config, database);
  const worker = new Worker({
    pool,
    database: listenDatabase,
    config: config.worker,
    logger,
    ...(hooks ? { hooks } : {}),
  });
  await worker.start();
  return {
    async stop() {
      await worker.stop();
      await pool.end();
    },
  };
}
