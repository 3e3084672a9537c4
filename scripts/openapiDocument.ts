// The OpenAPI document the API serves at /openapi.json, built without a database: the app is built
// exactly as the entry points build it, with the default configuration (the limits in the document are
// those defaults) but AUTH_MODE=keys, whose document is the whole one (security schemes, 401 and 403
// answers, tenantId optional in a submission) and the one deployments serve. The pool connects only on
// the first query, and nothing here queries. Used by `npm run lint:openapi` (openapi-dump.ts) and by the
// client's generated types (clientTypes.ts).
import { buildApp } from '../src/api/app.js';
import { ApiKeyAuthenticator } from '../src/auth/keyAuthenticator.js';
import { loadConfig } from '../src/config/config.js';
import { createPool } from '../src/data/pool.js';
import { createLogger } from '../src/log/logger.js';
import { noApiMetrics } from '../src/metrics/apiMetrics.js';
import { operatorRoutes } from '../src/entry/operatorRoutes.js';

/** The document, as a parsed JSON object. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({ AUTH_MODE: 'keys' });
  // Port 1 on loopback: were anything to query, it would fail at once instead of reaching a real database.
  const pool = createPool(
    {
      host: '127.0.0.1',
      port: 1,
      database: 'none',
      user: 'none',
      password: undefined,
      sslMode: 'disable',
      sslRootCertFile: undefined,
      applicationName: undefined,
      maxPoolSize: undefined,
    },
    { max: 1, applicationName: 'openapi-dump', onIdleError: () => undefined },
  );
  const authenticator = new ApiKeyAuthenticator(pool);
  const app = await buildApp({
    pool,
    healthPool: pool,
    http: config.http,
    maxAttempts: config.worker.maxAttempts,
    logger: createLogger('silent', 'openapi-dump'),
    isShuttingDown: () => false,
    metrics: noApiMetrics,
    // The admin API is part of the document too.
    extraRoutes: (instance) => operatorRoutes(config, pool, authenticator).register(instance),
    authenticator,
  });
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  await app.close();
  await pool.end();
  if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
  return response.json();
}
