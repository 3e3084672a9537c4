import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { isLoopbackHost, type AdminAccessMode } from '../admin/adminAccess.js';
import { buildApp } from '../api/app.js';
import { ApiKeyAuthenticator } from '../auth/keyAuthenticator.js';
import { jobsCountByStatus } from '../data/jobCounts.js';
import { pausesSummary } from '../data/pauseStore.js';
import { createPool, poolerSettingsRefusal, type Pool } from '../data/pool.js';
import { TenantReadsUnprotectedError, type TenantReadMode } from '../data/tenantReadProtection.js';
import { tenantReadModeOf } from '../data/tenantReads.js';
import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import { noTracing, type Tracing } from '../tracing/tracing.js';
import { operatorRoutes } from './operatorRoutes.js';
import { listenDatabaseFor, type Running } from './services.js';

/** A started API, and how its admin API and dashboard are protected (for the start-up log). */
export interface RunningApi extends Running {
  adminAccess: AdminAccessMode;
}

/**
 * Starts the HTTP API and listens on the configured address; it serves `metrics` at GET /metrics and
 * traces requests through `tracing`.
 */
export async function startApi(
  config: Config,
  database: DatabaseConfig,
  logger: Logger,
  metrics: MetricsRegistry,
  tracing: Tracing = noTracing,
): Promise<RunningApi> {
  // Its pools send statement and lock timeouts, which a pooler refuses on every connection: the API could
  // never serve. Stop at start, saying what to set, rather than log the refusal on every request.
  const refusal = await poolerSettingsRefusal(database);
  if (refusal) throw refusal;
  const onIdleError = (error: Error) => logger.warn({ err: error }, 'idle database connection failed');
  const pool: Pool = createPool(database, {
    max: config.http.poolSize,
    applicationName: 'ingest-api',
    // A request waits at most this long for the database before it is answered 503.
    connectionTimeoutMillis: 3000,
    // A statement runs at most 10 s; a server that stopped answering altogether (frozen, or a network
    // path that drops packets) is given up on by the client just after: both are answered 503.
    statementTimeoutMillis: 10_000,
    queryTimeoutMillis: 10_500,
    // Nor does it wait longer on a lock (a locked jobs table): 55P03, answered 503 with Retry-After.
    lockTimeoutMillis: 3000,
    onIdleError,
  });
  // One connection: the readiness query is a trivial read that probes take turns on. Together with the
  // LISTEN connection of `Prefer: wait` an API process holds API_POOL_SIZE + 2 (docs/operations.md).
  const healthPool = createPool(database, {
    max: 1,
    applicationName: 'ingest-api-health',
    connectionTimeoutMillis: 800,
    statementTimeoutMillis: 800,
    queryTimeoutMillis: 800,
    onIdleError,
  });
  metrics.watchPool('api', pool);
  metrics.watchPool('api_health', healthPool);
  metrics.watchJobCounts({
    count: () => jobsCountByStatus(pool),
    cacheSeconds: config.metrics.jobCountsCacheSeconds,
    onError: (error) => logger.warn({ err: error }, 'could not count jobs for the metrics'),
  });
  metrics.watchPauses({
    read: () => pausesSummary(pool),
    cacheSeconds: config.metrics.jobCountsCacheSeconds,
    onError: (error) => logger.warn({ err: error }, 'could not read the pauses for the metrics'),
  });
  let shuttingDown = false;
  const authenticator =
    config.auth.mode === 'keys'
      ? new ApiKeyAuthenticator(pool, {
          onTouchError: (error) => logger.warn({ err: error }, "could not record an API key's last use"),
        })
      : undefined;
  await logAuthMode(config, pool, logger);
  const operator = operatorRoutes(config, pool, authenticator);
  const app = await buildApp({
    pool,
    healthPool,
    http: config.http,
    maxAttempts: config.worker.maxAttempts,
    logger,
    isShuttingDown: () => shuttingDown,
    listenDatabase: listenDatabaseFor(config, database),
    extraRoutes: (instance) => operator.register(instance),
    authenticator,
    metrics: metrics.apiMetrics(),
    tracing,
    ...(metrics.enabled ? { metricsExposition: () => metrics.exposition() } : {}),
  });
  logger.info(
    { adminAccess: operator.access.mode, readOnly: config.admin.readOnly },
    operator.access.describe() + (config.admin.readOnly ? ' (read-only: DASHBOARD_READ_ONLY=true)' : ''),
  );
  const { host, port } = config.http;
  await app.listen({ host, port }).catch((error: NodeJS.ErrnoException) => {
    // Node's own words ("listen EADDRINUSE: address already in use") do not say what to do.
    throw error.code === 'EADDRINUSE'
      ? new Error(
          `port ${port} on ${host} is already in use (another npm start or API process?): stop it, or set ` +
            'PORT to a free port.',
          { cause: error },
        )
      : error;
  });
  return {
    adminAccess: operator.access.mode,
    async stop() {
      shuttingDown = true;
      // Finishes the requests in flight; a 202 already sent was stored before it was sent. A connection
      // busy when closing began stays open as an idle keep-alive once its answer is sent, and close()
      // would wait for it until the keep-alive timeout (72 s, past the shutdown deadline): close each
      // one as soon as it falls idle.
      const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(closeIdle);
      }
      await Promise.all([pool.end(), healthPool.end()]);
    },
  };
}

/**
 * Says how the public API is protected: a warning when anyone who can reach it may submit and read
 * (AUTH_MODE=none beyond loopback), and whether a tenant's reads are confined by row-level security.
 */
async function logAuthMode(config: Config, pool: Pool, logger: Logger): Promise<void> {
  if (config.auth.mode === 'none') {
    if (!isLoopbackHost(config.http.host)) {
      logger.warn(
        { authMode: 'none', host: config.http.host },
        `AUTH_MODE=none and the API listens on ${config.http.host}: anyone who can reach it may submit ` +
          'events for any tenant and read any job. Set AUTH_MODE=keys (docs/security.md), or listen on 127.0.0.1.',
      );
    }
    return;
  }
  let mode: TenantReadMode | undefined;
  try {
    mode = await tenantReadModeOf(pool);
  } catch (error) {
    logger.warn({ err: error }, 'could not check the role ingest_tenant_reader; will check on first read');
  }
  if (mode === 'unconfined') {
    logger.warn(
      { authMode: 'keys' },
      'AUTH_MODE=keys, but this database role cannot become ingest_tenant_reader (the migration could not ' +
        "create or grant it): a tenant's reads are confined by the application's WHERE only (docs/security.md).",
    );
  } else if (mode === 'lost') {
    logger.error({ authMode: 'keys' }, new TenantReadsUnprotectedError().message);
  } else logger.info({ authMode: 'keys' }, 'AUTH_MODE=keys: /v1 routes require an API key');
}
