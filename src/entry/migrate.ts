// `npm run migrate`: apply pending migrations and exit.
import { createLogger } from '../log/logger.js';
import { loadConfigOrExit, exitOnStartupError, requireDatabase, warnOnOldNode } from './runtime.js';
import { runMigrations } from './services.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'ingest-migrate', config.logFormat);
warnOnOldNode(logger);
const database = requireDatabase(config, 'npm run migrate');

try {
  await runMigrations(database, logger, config.migrationDatabase);
} catch (error) {
  exitOnStartupError(logger, error);
}
