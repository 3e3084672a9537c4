// `npm run keys -- create|list|revoke`: manages API keys (AUTH_MODE=keys) in the configured database, or,
// with none configured, in the embedded PostgreSQL that `npm start` uses (taken over while it runs).
import { createPool } from '../data/pool.js';
import { createLogger } from '../log/logger.js';
import { commandDatabase } from './commandDatabase.js';
import { keysArguments, runKeysCommand } from './keysCommand.js';
import { loadConfigOrExit } from './runtime.js';
import { runMigrations } from './services.js';

// Help and a mistyped command line answer before any database is reached (or started).
const early = keysArguments(process.argv.slice(2));
if ('exitCode' in early) {
  for (const line of early.stderr) process.stderr.write(`${line}\n`);
  for (const line of early.stdout) process.stdout.write(`${line}\n`);
  process.exit(early.exitCode);
}
const config = loadConfigOrExit();
const { database, close } = await commandDatabase(config);
// Standard output carries the command's own lines only: the new key must be its last line.
const silent = createLogger('silent', 'ingest-keys');
let exitCode = 1;
try {
  if (config.runMigrationsOnStartup) await runMigrations(database, silent, config.migrationDatabase);
  const pool = createPool(database, { max: 1, applicationName: 'ingest-keys', onIdleError: () => undefined });
  try {
    const outcome = await runKeysCommand(pool, process.argv.slice(2));
    for (const line of outcome.stderr) process.stderr.write(`${line}\n`);
    for (const line of outcome.stdout) process.stdout.write(`${line}\n`);
    exitCode = outcome.exitCode;
  } finally {
    await pool.end();
  }
} catch (error) {
  process.stderr.write(`npm run keys failed: ${(error as Error).message}\n`);
} finally {
  await close();
}
process.exit(exitCode);
