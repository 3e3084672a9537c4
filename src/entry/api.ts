// `npm run api`: the HTTP API alone, against the configured database.
import { createLogger } from '../log/logger.js';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import {
  exitOnStartupError,
  loadConfigOrExit,
  onShutdownSignal,
  requireDatabase,
  startProcessTracing,
  warnOnOldNode,
} from './runtime.js';
import { runMigrations } from './services.js';
import { startApi } from './apiService.js';
import { listeningMessage } from './startupLinks.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'ingest-api', config.logFormat);
warnOnOldNode(logger);
const database = requireDatabase(config, 'npm run api');

try {
  if (config.runMigrationsOnStartup) await runMigrations(database, logger, config.migrationDatabase);
  const tracing = await startProcessTracing(config, logger, 'ingest-api');
  const metrics = new MetricsRegistry(config.metrics.enabled, config.metrics.buildCommit);
  const api = await startApi(config, database, logger, metrics, tracing);
  logger.info(
    { host: config.http.host, port: config.http.port },
    listeningMessage('API listening', config.http, api.adminAccess),
  );
  onShutdownSignal(logger, 30_000, async () => {
    await api.stop();
    await tracing.shutdown();
  });
} catch (error) {
  exitOnStartupError(logger, error);
}
