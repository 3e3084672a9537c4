// `npm run migrate`: apply pending migrations and exit.
import { createLogger } from '../log/logger.js';
import { loadConfigOrExit, exitOnStartupError, requireDatabase, warnOnOldNode } from './runtime.js';
import { runMigrations } from './services.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'ingest-migrate');
warnOnOldNode(logger);
const database = requireDatabase(config, 'npm run migrate');

try {
  await runMigrations(database, logger);
} catch (error) {
  exitOnStartupError(logger, error);
}
