import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { startEmbeddedPostgres } from '../embedded/embeddedPostgres.js';

/** The database a one-shot command (`npm run keys`, `npm run maintenance`) works on. */
export interface CommandDatabase {
  database: DatabaseConfig;
  /** Stops the embedded server if this command started it; one `npm start` runs is left running. */
  close(): Promise<void>;
}

/**
 * The configured database or, with none configured, the embedded PostgreSQL that `npm start` uses: taken
 * over while `npm start` runs it, else started for the command and stopped after.
 */
export async function commandDatabase(config: Config): Promise<CommandDatabase> {
  if (config.database) return { database: config.database, close: async () => undefined };
  const dataDir = join(config.dataDir, 'postgres');
  const running = serverRunning(join(dataDir, 'postmaster.pid'));
  const server = await startEmbeddedPostgres(dataDir);
  return { database: server.database, close: () => (running ? Promise.resolve() : server.stop()) };
}

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
