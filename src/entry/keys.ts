// `npm run keys -- create|list|revoke`: manages API keys (AUTH_MODE=keys) in the configured database, or,
// with none configured, in the embedded PostgreSQL that `npm start` uses (taken over while it runs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseConfig } from '../config/connectionString.js';
import { createPool } from '../data/pool.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../embedded/embeddedPostgres.js';
import { createLogger } from '../log/logger.js';
import { runKeysCommand } from './keysCommand.js';
import { loadConfigOrExit } from './runtime.js';
import { runMigrations } from './services.js';

const config = loadConfigOrExit();
let embedded: EmbeddedPostgres | undefined;
let database: DatabaseConfig | undefined = config.database;
if (!database) {
  const dataDir = join(config.dataDir, 'postgres');
  // A server `npm start` is running is used and left running; one started here is stopped again.
  const running = serverRunning(join(dataDir, 'postmaster.pid'));
  const server = await startEmbeddedPostgres(dataDir);
  if (!running) embedded = server;
  database = server.database;
}
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
  await embedded?.stop();
}
process.exit(exitCode);

/** Whether the PostgreSQL process named by a postmaster.pid file is alive (a stale file is not). */
function serverRunning(pidFile: string): boolean {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!(pid > 0)) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
