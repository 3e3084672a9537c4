import { loadConfig, type Config } from '../config/config.js';
import { ConfigError } from '../config/configError.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import type { Logger } from '../log/logger.js';
import { startTracing } from '../tracing/tracingSetup.js';
import type { Tracing } from '../tracing/tracing.js';
import { nodeVersionWarning } from './nodeVersion.js';

/** Reads the configuration, or prints every problem and exits with status 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix the variables above and start again.\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** The configured database, or a message and exit for the processes that have no embedded default. */
export function requireDatabase(config: Config, command: string): DatabaseConfig {
  if (config.database) return config.database;
  process.stderr.write(
    `${command} needs a database: set DATABASE_URL (postgres://user:password@host:5432/db) or ` +
      'ConnectionStrings__Db. `npm start` runs an embedded PostgreSQL when neither is set.\n',
  );
  process.exit(2);
}

/**
 * One Ctrl-C can arrive more than once: the terminal signals the whole process group, and the launchers
 * in it (npm, tsx) relay the signal to their child as well. Signals within this window of the first are
 * taken as that same one.
 */
const repeatedSignalWindowMs = 1000;

/**
 * Runs `shutdown` once on SIGTERM or SIGINT and exits 0 when it finishes; a second signal (a second or
 * more after the first), or a shutdown that overruns `deadlineMs`, exits 1 at once.
 */
export function onShutdownSignal(logger: Logger, deadlineMs: number, shutdown: () => Promise<void>): void {
  let startedAt: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (startedAt !== undefined) {
      if (performance.now() - startedAt < repeatedSignalWindowMs) return;
      logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
      process.exit(1);
    }
    startedAt = performance.now();
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, deadlineMs).unref();
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/** Logs a fatal start-up error and exits 1. */
export function exitOnStartupError(logger: Logger, error: unknown): never {
  logger.fatal({ err: error }, (error as Error).message ?? 'start-up failed');
  process.exit(1);
}

/** Logs one warning line at start when Node.js is older than the supported lines (it still runs). */
export function warnOnOldNode(logger: Logger): void {
  const warning = nodeVersionWarning();
  if (warning) logger.warn({ node: process.versions.node }, warning);
}

/**
 * The process's tracing from the OTEL_* settings (nothing loaded when they leave it off), logging what
 * it does and the SDK's own warnings. `serviceName` applies when OTEL_SERVICE_NAME is unset.
 */
export async function startProcessTracing(
  config: Config,
  logger: Logger,
  serviceName: string,
): Promise<Tracing> {
  const tracing = await startTracing(config.tracing, serviceName, (message) =>
    logger.warn({ component: 'tracing' }, message),
  );
  if (tracing.enabled) {
    const { exporter, protocol, sampler } = config.tracing;
    logger.info({ exporter, protocol, sampler }, 'tracing on (OpenTelemetry)');
  }
  return tracing;
}
