import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiKeyAuthenticator } from '../auth/keyAuthenticator.js';
import type { HttpConfig } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { JobInsertBatcher } from '../data/jobInsertBatcher.js';
import type { Pool } from '../data/pool.js';
import { isRfc3339DateTime } from '../domain/timestamp.js';
import type { Logger } from '../log/logger.js';
import type { ApiMetrics } from '../metrics/apiMetrics.js';
import type { Exposition } from '../metrics/metricsRegistry.js';
import { noTracing, type Tracing } from '../tracing/tracing.js';
import { correlationIdFor, correlationIdHeader } from './correlationId.js';
import { createClientErrorHandler } from './clientErrorHandler.js';
import { registerDocsPage } from './docsPage.js';
import { createErrorHandler, frameworkErrorHandler } from './errorHandler.js';
import { JobWaiters } from './jobWaiters.js';
import { KeyRevocationWatch } from './keyRevocationWatch.js';
import { InflightBytes, registerAdmission } from './admission.js';
import { callerOf } from './callerAccess.js';
import { rejectionReasonOf } from './rejectionMarks.js';
import { TenantLimiter } from './tenantLimits.js';
import { TenantLimitSync } from './tenantLimitSync.js';
import { lingerIfBodyUnread } from './lingeringClose.js';
import { registerOpenApi } from './openapi.js';
import { ProblemError } from './problem.js';
import { registerRequestTracing, tracedJobInserter } from './requestTracing.js';
import { sendProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { ingestionRoutes } from './routes/ingestions.js';
import { jobListRoutes } from './routes/jobList.js';
import { preflightRoutes } from './routes/preflight.js';
import { registerCors } from './cors.js';
import { registerRequestDecompression } from './requestDecompression.js';
import { ingestionStatusRoute } from './routes/ingestionStatus.js';
import { resultRoutes } from './routes/results.js';
import { maxParamLength } from './schemas/ingestion.js';

/** Everything the HTTP API needs from its surroundings. */
export interface AppDependencies {
  pool: Pool;
  healthPool: Pool;
  http: HttpConfig;
  /** Attempts stored on each accepted job. */
  maxAttempts: number;
  logger: Logger;
  isShuttingDown: () => boolean;
  /**
   * A connection that can LISTEN (not a transaction-mode pooler), for `Prefer: wait`; without one the
   * preference is ignored and clients poll.
   */
  listenDatabase?: DatabaseConfig | undefined;
  /**
   * Registers more routes (the admin API, the dashboard) once the API's own are in place, so they share
   * its error handling and OpenAPI document without the API importing them.
   */
  extraRoutes?: (app: FastifyInstance) => Promise<void>;
  /** Where requests, accepted jobs and rejections are recorded. */
  metrics: ApiMetrics;
  /**
   * With AUTH_MODE=keys: identifies each request's API key, and the /v1 routes require one. Undefined
   * (AUTH_MODE=none): they are open to whoever reaches the service.
   */
  authenticator?: ApiKeyAuthenticator | undefined;
  /** Serves GET /metrics when given (the process's whole registry, worker's too under `npm start`). */
  metricsExposition?: () => Promise<Exposition>;
  /** A span per request and per insert when tracing is on (src/tracing/); none by default. */
  tracing?: Tracing;
}

/**
 * Builds the API without starting to listen, so tests drive it with `app.inject()` and the entry points
 * decide where it listens.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.http.maxBodyBytes,
    // Fastify's default (100) is shorter than a valid tenant id in a path, percent-encoded.
    routerOptions: { maxParamLength },
    genReqId: correlationIdFor,
    // One line per response, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: true }),
    // Requests that arrive while closing get our own 503 problem document (the hook below) instead.
    return503OnClosing: false,
    // Malformed URLs are refused before routing; they too get a problem document.
    frameworkErrors: frameworkErrorHandler,
    // So are requests Node's HTTP parser refuses before routing.
    clientErrorHandler: createClientErrorHandler(deps.logger),
    // The README accepts any JSON payload, and JSON.parse gives "__proto__" or "constructor" keys as
    // plain own properties, which are stored as sent. Nothing in the service merges request objects
    // into others (no Object.assign, no deep merge), the only way such keys reach a prototype.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    ajv: {
      customOptions: {
        // A string where a number belongs is the client's mistake to hear about, not to be guessed at.
        coerceTypes: false,
        allErrors: true,
        // Fastify's default strips the fields a schema does not declare and goes on: a typo in a bulk
        // action's filter ({"tenantt": …}) would widen the action to every job. Refused instead, by name.
        removeAdditional: false,
        // Errors then carry the schema and the value, so messages can name the fields a request may send.
        verbose: true,
        formats: { 'rfc3339-date-time': isRfc3339DateTime },
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON is accepted: without this, a text/plain body would reach validation as a string.
  app.removeContentTypeParser('text/plain');
  // First, so a request refused by any hook below still has its span.
  registerRequestTracing(app, deps.tracing ?? noTracing);

  app.addHook('onRequest', async (request, reply) => {
    if (!deps.isShuttingDown() || request.url.startsWith('/health/')) return;
    reply.header('retry-after', '1').header('connection', 'close');
    return sendProblem(request, reply, {
      status: 503,
      title: 'Shutting down',
      detail: 'This instance is stopping; retry the request, another instance will take it.',
    });
  });
  // After the shutdown check: a stopping instance refuses before it reserves anything.
  const bounds = deps.http.clientBounds;
  registerAdmission(app, {
    budget: new InflightBytes(bounds.maxInflightBytes, bounds.maxInflightBytesPerTenant),
    maxBodyBytes: deps.http.maxBodyBytes,
    pace: { graceMs: bounds.bodyGraceSeconds * 1000, minBytesPerSecond: bounds.bodyMinBytesPerSecond },
    // With keys, a tenant's bodies hold at most its share; without, no tenant is known before the body.
    holderOf: (request) => callerOf(request)?.tenantId,
  });
  // Bodies are read as UTF-8, what JSON is (RFC 8259): a body declared in another charset would be
  // stored with U+FFFD in place of every character it does not share with UTF-8.
  app.addHook('preParsing', async (request) => {
    const contentType = request.headers['content-type'];
    if (contentType === undefined || !contentType.includes('charset')) return;
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new ProblemError(
        415,
        'Unsupported charset',
        `The body is declared as charset=${charset}; send it as UTF-8 (Content-Type: application/json or application/json; charset=utf-8).`,
      );
    }
  });
  // After admission (whose budget counts the decompressed bytes too) and the charset check.
  registerRequestDecompression(app, { maxBodyBytes: deps.http.maxBodyBytes });
  registerCors(app, deps.http.cors);
  app.addHook('onSend', async (request, reply) => {
    reply.header(correlationIdHeader, request.id);
    // An answer sent before the body arrived (too large, not JSON, shutting down) must still reach the
    // client: read the rest, within bounds, before closing. Not for a body too slow: waiting for the rest
    // of it is what the 408 ends.
    if (reply.statusCode !== 408)
      lingerIfBodyUnread(request, reply, {
        maxBytes: Math.max(16 * 1_048_576, 4 * deps.http.maxBodyBytes),
        maxMs: 10_000,
      });
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL (whose job ids would make a label value per job).
    const route = request.routeOptions.url ?? 'unmatched';
    const statusCode = reply.statusCode;
    deps.metrics.requestCompleted(request.method, route, statusCode, reply.elapsedTime / 1000);
    if (statusCode >= 400 && route === '/v1/ingestions' && request.method === 'POST')
      deps.metrics.requestRejected(statusCode, rejectionReasonOf(request));
    if (route.startsWith('/health/') || route === '/metrics') return;
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });

  app.setErrorHandler(
    createErrorHandler({
      maxBodyBytes: deps.http.maxBodyBytes,
      maxEventsPerRequest: deps.http.maxEventsPerRequest,
    }),
  );
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      status: 404,
      title: 'Not found',
      detail: `There is no ${request.method} ${request.url.split('?')[0]}. See the README for the endpoints.`,
    }),
  );

  // The route schemas that validate requests also describe the API: GET /openapi.json.
  await registerOpenApi(app);
  const exposition = deps.metricsExposition;
  if (exposition) {
    app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
      const { contentType, body } = await exposition();
      return reply.type(contentType).send(body);
    });
  }

  await app.register(healthRoutes, {
    healthPool: deps.healthPool,
    isShuttingDown: deps.isShuttingDown,
    readyTimeoutMs: 800,
  });
  let jobWaiters: JobWaiters | undefined;
  if (deps.listenDatabase) {
    const waiters = new JobWaiters(deps.listenDatabase, deps.logger, bounds);
    await waiters.start();
    // Before the server closes: waiting requests answer at once, so closing does not wait a minute.
    app.addHook('preClose', async () => waiters.stop());
    jobWaiters = waiters;
  }
  const authenticator = deps.authenticator;
  const revocations = authenticator && new KeyRevocationWatch((text) => authenticator.authenticate(text));
  if (revocations) app.addHook('preClose', async () => revocations.stop());
  // With keys, any key may carry limits of its own: the limiter is on, and its sync starts with the
  // first such key unless a setting started it with the API.
  let sync: TenantLimitSync | undefined;
  const tenantLimiter = new TenantLimiter(deps.http.rateLimits, {
    keyLimits: deps.authenticator !== undefined,
    onFirstKeyLimits: () => void sync?.start(),
  });
  if (tenantLimiter.enabled) {
    const limitSync = new TenantLimitSync(deps.pool, tenantLimiter, deps.logger, deps.listenDatabase);
    sync = limitSync;
    if (tenantLimiter.settingsOn) await limitSync.start();
    app.addHook('onClose', async () => limitSync.stop());
  }
  await app.register(ingestionRoutes, {
    tenantLimiter: tenantLimiter.enabled ? tenantLimiter : undefined,
    pool: deps.pool,
    metrics: deps.metrics,
    jobInserter: tracedJobInserter(
      new JobInsertBatcher(deps.pool, {
        maxConcurrentStatements: deps.http.insertConcurrency,
        // Bounds a statement's size and time; a bigger request still goes, alone.
        maxEventsPerStatement: 5000,
      }),
      deps.tracing ?? noTracing,
    ),
    maxAttempts: deps.maxAttempts,
    maxEventsPerRequest: deps.http.maxEventsPerRequest,
    maxPayloadBytes: deps.http.maxPayloadBytes,
    authenticator,
  });
  await app.register(jobListRoutes, { pool: deps.pool, authenticator: deps.authenticator });
  await app.register(preflightRoutes, { cors: deps.http.cors });
  await app.register(ingestionStatusRoute, { pool: deps.pool, jobWaiters, authenticator, revocations });
  await app.register(resultRoutes, { pool: deps.pool, authenticator: deps.authenticator });
  // The interactive docs: routes of their own, none of their hooks run on the API's routes.
  await registerDocsPage(app);
  if (deps.extraRoutes) await deps.extraRoutes(app);
  return app;
}
