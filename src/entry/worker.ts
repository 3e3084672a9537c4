// `npm run worker`: one worker process; start as many as the load needs, against one database.
import { createLogger } from '../log/logger.js';
import {
  exitOnStartupError,
  loadConfigOrExit,
  onShutdownSignal,
  requireDatabase,
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
  const worker = await startWorker(config, database, logger);
  onShutdownSignal(logger, (config.worker.shutdownGraceSeconds + 10) * 1000, () => worker.stop());
} catch (error) {
  exitOnStartupError(logger, error);
}
