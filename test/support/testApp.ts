import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { ApiKeyAuthenticator } from '../../src/auth/keyAuthenticator.js';
import { loadConfig } from '../../src/config/config.js';
import type { Pool, PoolOptions } from '../../src/data/pool.js';
import { operatorRoutes } from '../../src/entry/operatorRoutes.js';
import { createLogger } from '../../src/log/logger.js';
import { checkInjectedResponses } from './openapiConformance.js';
import { MetricsRegistry } from '../../src/metrics/metricsRegistry.js';
import type { TestDatabase } from './testDatabase.js';

const appPools = new WeakMap<FastifyInstance, Pool>();

/** The database pool a test app serves its routes from (for tests that hold its connections). */
export function testAppPool(app: FastifyInstance): Pool {
  const pool = appPools.get(app);
  if (!pool) throw new Error('not an app from buildTestApp');
  return pool;
}

/**
 * The API, built as the entry points build it, on the test file's database. Every `app.inject` answer is
 * checked against the app's OpenAPI document (see openapiConformance.ts).
 */
export async function buildTestApp(
  db: TestDatabase,
  env: Record<string, string> = {},
  isShuttingDown = () => false,
  poolOptions: Partial<PoolOptions> = {},
): Promise<FastifyInstance> {
  const config = loadConfig(env);
  const pool = db.createPool(10, poolOptions);
  const healthPool = db.createPool(1);
  const metrics = new MetricsRegistry(config.metrics.enabled);
  const authenticator = config.auth.mode === 'keys' ? new ApiKeyAuthenticator(pool) : undefined;
  const app = await buildApp({
    pool,
    healthPool,
    http: config.http,
    maxAttempts: config.worker.maxAttempts,
    logger: createLogger('silent', 'test-api'),
    isShuttingDown,
    listenDatabase: db.listenConfig,
    extraRoutes: (app) => operatorRoutes(config, pool, authenticator).register(app),
    authenticator,
    metrics: metrics.apiMetrics(),
    metricsExposition: () => metrics.exposition(),
  });
  // As in the entry points, the pools outlive the app and are closed after it.
  app.addHook('onClose', async () => {
    await Promise.all([pool.end(), healthPool.end()]);
  });
  checkInjectedResponses(app);
  appPools.set(app, pool);
  return app;
}

/** A valid event, with overrides. */
export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { page: '/home' }, ...overrides };
}
