// `npm start`: API and worker in one process. With no database configured it runs an embedded
// PostgreSQL whose data stays under DATA_DIR (./.data) between runs, so nothing but Node is needed.
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../embedded/embeddedPostgres.js';
import { createLogger } from '../log/logger.js';
import { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { embeddedListen } from '../config/listenAddress.js';
import {
  exitOnStartupError,
  loadConfigOrExit,
  onShutdownSignal,
  startProcessTracing,
  warnOnOldNode,
} from './runtime.js';
import { startApi } from './apiService.js';
import { runMigrations, type Running } from './services.js';
import { listeningMessage } from './startupLinks.js';
import { startWorker } from './workerService.js';

const loaded = loadConfigOrExit();
// With its embedded database `npm start` is a laptop's run: loopback unless HOST or ASPNETCORE_URLS says.
const config = loaded.database
  ? loaded
  : { ...loaded, http: { ...loaded.http, ...embeddedListen(loaded.http) } };
const logger = createLogger(config.logLevel, 'ingest', config.logFormat);
warnOnOldNode(logger);

let embedded: EmbeddedPostgres | undefined;
const started: Running[] = [];

/** Stops the embedded server, unless another process of this checkout still uses it: then says so. */
async function releaseEmbedded(): Promise<void> {
  const outcome = await embedded?.stop();
  if (outcome?.stopped === false) {
    logger.info(
      { usedBy: outcome.usedBy },
      `embedded PostgreSQL left running: still used by process ${outcome.usedBy.join(', ')}`,
    );
  }
}

try {
  let database = config.database;
  if (!database) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'postgres'));
    database = embedded.database;
    logger.info(
      {
        dataDir: embedded.dataDir,
        port: database.port,
        log: embedded.logFile,
        startedHere: embedded.startedHere,
      },
      embedded.startedHere
        ? `embedded PostgreSQL on 127.0.0.1:${database.port}, data in ${embedded.dataDir}`
        : `embedded PostgreSQL already running on 127.0.0.1:${database.port} (data in ${embedded.dataDir}): ` +
            'using it; it keeps running while another process uses it',
    );
  }
  if (config.runMigrationsOnStartup) await runMigrations(database, logger, config.migrationDatabase);
  // One registry: GET /metrics on the API's port reports the worker too.
  const metrics = new MetricsRegistry(config.metrics.enabled, config.metrics.buildCommit);
  const tracing = await startProcessTracing(config, logger, 'ingest');
  const api = await startApi(config, database, logger, metrics, tracing);
  started.push(api);
  started.push(await startWorker(config, database, logger, { metrics, tracing }));
  // Last to stop: spans of the shutdown itself are still sent.
  started.push({ stop: () => tracing.shutdown() });
  logger.info(
    { host: config.http.host, port: config.http.port },
    listeningMessage('ingest service listening', config.http, api.adminAccess),
  );
  onShutdownSignal(logger, (config.worker.shutdownGraceSeconds + 15) * 1000, async () => {
    // The API stops first so no new job is accepted; the worker then drains; the database goes last.
    for (const part of started) await part.stop();
    await releaseEmbedded();
  });
} catch (error) {
  for (const part of started.reverse()) await part.stop().catch(() => undefined);
  await releaseEmbedded().catch(() => undefined);
  exitOnStartupError(logger, error);
}
