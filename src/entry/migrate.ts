// `npm run migrate`: apply pending migrations and exit.
import { createLogger } from '../log/logger.js';
import { refuseArguments } from './commandArguments.js';
import { loadConfigOrExit, exitOnStartupError, requireDatabase, warnOnOldNode } from './runtime.js';
import { runMigrations } from './services.js';

refuseArguments(
  process.argv.slice(2),
  'npm run migrate',
  'usage: npm run migrate\n' +
    'Applies the pending migrations to DATABASE_URL (or ConnectionStrings__Db; MIGRATION_DATABASE_URL when\n' +
    'set) and exits. npm start, npm run api and npm run worker migrate at start unless\n' +
    'RUN_MIGRATIONS_ON_STARTUP=false; the embedded PostgreSQL of npm start needs no migrate.',
);
const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'ingest-migrate', config.logFormat);
warnOnOldNode(logger);
const database = requireDatabase(config, 'npm run migrate');

try {
  await runMigrations(database, logger, config.migrationDatabase);
} catch (error) {
  exitOnStartupError(logger, error);
}
