import { createPool, type Pool } from '../data/pool.js';
import { createLogger } from '../log/logger.js';
import { commandDatabase } from './commandDatabase.js';
import { loadConfigOrExit } from './runtime.js';
import { runMigrations } from './services.js';
import type { Config } from '../config/config.js';

/** What a run of a CLI printed and how it ended. */
export interface CommandOutcome {
  exitCode: number;
  stdout: string[];
  stderr: string[];
}

/** Prints what a command returned and exits with its code. */
function finish(outcome: CommandOutcome): never {
  for (const line of outcome.stderr) process.stderr.write(`${line}\n`);
  for (const line of outcome.stdout) process.stdout.write(`${line}\n`);
  process.exit(outcome.exitCode);
}

/**
 * Runs a CLI command (`npm run keys`, `npm run webhooks`) against the configured database or, with none
 * configured, the embedded PostgreSQL that `npm start` uses (taken over while it runs), prints what it
 * returns (standard output carries the command's own lines only: a new secret is its last line) and
 * exits with its code. `early` answers first, when it can, what needs no database (help, a mistyped
 * command line), so those answer at once and start nothing.
 */
export async function runDatabaseCommand(
  command: string,
  run: (pool: Pool, config: Config) => Promise<CommandOutcome>,
  early?: () => CommandOutcome | undefined,
): Promise<never> {
  const answered = early?.();
  if (answered) finish(answered);
  const config = loadConfigOrExit();
  const { database, close } = await commandDatabase(config);
  const silent = createLogger('silent', `ingest-${command}`);
  let exitCode = 1;
  try {
    if (config.runMigrationsOnStartup) await runMigrations(database, silent, config.migrationDatabase);
    const pool = createPool(database, {
      max: 1,
      applicationName: `ingest-${command}`,
      onIdleError: () => undefined,
    });
    try {
      const outcome = await run(pool, config);
      for (const line of outcome.stderr) process.stderr.write(`${line}\n`);
      for (const line of outcome.stdout) process.stdout.write(`${line}\n`);
      exitCode = outcome.exitCode;
    } finally {
      await pool.end();
    }
  } catch (error) {
    process.stderr.write(`npm run ${command} failed: ${(error as Error).message}\n`);
  } finally {
    await close();
  }
  process.exit(exitCode);
}
