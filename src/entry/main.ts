// `npm start`: API and worker in one process. With no database configured it runs an embedded
// PostgreSQL whose data stays under DATA_DIR (./.data) between runs, so nothing but Node is needed.
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../embedded/embeddedPostgres.js';
import { createLogger } from '../log/logger.js';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import {
  exitOnStartupError,
  loadConfigOrExit,
  onShutdownSignal,
  startProcessTracing,
  warnOnOldNode,
} from './runtime.js';
import { startApi } from './apiService.js';
import { runMigrations, type Running } from './services.js';
import { startWorker } from './workerService.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'ingest', config.logFormat);
warnOnOldNode(logger);

let embedded: EmbeddedPostgres | undefined;
const started: Running[] = [];
try {
  let database = config.database;
  if (!database) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'postgres'));
    database = embedded.database;
    logger.info(
      { dataDir: embedded.dataDir, port: database.port, log: embedded.logFile },
      `embedded PostgreSQL on 127.0.0.1:${database.port}, data in ${embedded.dataDir}`,
    );
  }
  if (config.runMigrationsOnStartup) await runMigrations(database, logger, config.migrationDatabase);
  // One registry: GET /metrics on the API's port reports the worker too.
  const metrics = new MetricsRegistry(config.metrics.enabled);
  const tracing = await startProcessTracing(config, logger, 'ingest');
  started.push(await startApi(config, database, logger, metrics, tracing));
  started.push(await startWorker(config, database, logger, { metrics, tracing }));
  // Last to stop: spans of the shutdown itself are still sent.
  started.push({ stop: () => tracing.shutdown() });
  logger.info(
    `ingest service listening on http://${config.http.host}:${config.http.port} (try GET /health/ready)`,
  );
  onShutdownSignal(logger, (config.worker.shutdownGraceSeconds + 15) * 1000, async () => {
    // The API stops first so no new job is accepted; the worker then drains; the database goes last.
    for (const part of started) await part.stop();
    await embedded?.stop();
  });
} catch (error) {
  for (const part of started.reverse()) await part.stop().catch(() => undefined);
  await embedded?.stop().catch(() => undefined);
  exitOnStartupError(logger, error);
}
