// The API as it ships (admin routes and dashboard included, no authentication: it listens on loopback),
// served from the bench's own pool on a free port of 127.0.0.1, for benches that time admin views over
// real HTTP.
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config/config.js';
import type { Pool } from '../src/data/pool.js';
import { operatorRoutes } from '../src/entry/operatorRoutes.js';
import { createLogger } from '../src/log/logger.js';
import { noApiMetrics } from '../src/metrics/apiMetrics.js';

/** Starts the API on `pool`; returns its base URL and how to stop it (the pool stays open). */
export async function listenAdminApp(pool: Pool): Promise<{ base: string; close(): Promise<void> }> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0' });
  const app = await buildApp({
    pool,
    healthPool: pool,
    http: config.http,
    maxAttempts: 5,
    logger: createLogger('silent', 'admin-bench'),
    isShuttingDown: () => false,
    metrics: noApiMetrics,
    extraRoutes: (instance) => operatorRoutes(config, pool).register(instance),
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { base, close: () => app.close() };
}
