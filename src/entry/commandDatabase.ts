import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { startEmbeddedPostgres } from '../embedded/embeddedPostgres.js';

/** The database a one-shot command (`npm run keys`, `npm run maintenance`) works on. */
export interface CommandDatabase {
  database: DatabaseConfig;
  /** Stops the embedded server unless another process (`npm start`) still uses it. */
  close(): Promise<void>;
}

/**
 * The configured database or, with none configured, the embedded PostgreSQL that `npm start` uses: used
 * as it is while `npm start` runs it, else started for the command and stopped after.
 */
export async function commandDatabase(config: Config): Promise<CommandDatabase> {
  if (config.database) return { database: config.database, close: async () => undefined };
  const server = await startEmbeddedPostgres(join(config.dataDir, 'postgres'));
  return { database: server.database, close: async () => void (await server.stop()) };
}
