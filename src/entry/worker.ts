// `npm run worker`: one worker process; start as many as the load needs, against one database.
import { createLogger } from '../log/logger.js';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { startMetricsServer } from './metricsServer.js';
import {
  exitOnStartupError,
  loadConfigOrExit,
  onShutdownSignal,
  requireDatabase,
  startProcessTracing,
  warnOnOldNode,
} from './runtime.js';
import { runMigrations } from './services.js';
import { startWorker } from './workerService.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'ingest-worker', config.logFormat);
warnOnOldNode(logger);
const database = requireDatabase(config, 'npm run worker');

try {
  // The worker migrates too (the advisory lock makes it safe), so it never polls a schema that the API
  // has not created yet when both start at the same moment.
  if (config.runMigrationsOnStartup) await runMigrations(database, logger, config.migrationDatabase);
  const metrics = new MetricsRegistry(config.metrics.enabled, config.metrics.buildCommit);
  // Listening first: a port already taken stops the process before it claims anything.
  const metricsServer = metrics.enabled
    ? await startMetricsServer(metrics, config.http.host, config.metrics.port, logger)
    : undefined;
  const tracing = await startProcessTracing(config, logger, 'ingest-worker');
  const worker = await startWorker(config, database, logger, { metrics, tracing });
  onShutdownSignal(logger, (config.worker.shutdownGraceSeconds + 10) * 1000, async () => {
    await worker.stop();
    await metricsServer?.stop();
    await tracing.shutdown();
  });
} catch (error) {
  exitOnStartupError(logger, error);
}
