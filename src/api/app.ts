import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HttpConfig } from '../config/config.js';
import { JobInsertBatcher } from '../data/jobInsertBatcher.js';
import type { Pool } from '../data/pool.js';
import { isRfc3339DateTime } from '../domain/timestamp.js';
import type { Logger } from '../log/logger.js';
import type { ApiMetrics } from '../metrics/apiMetrics.js';
import type { Exposition } from '../metrics/metricsRegistry.js';
import { correlationIdFor, correlationIdHeader } from './correlationId.js';
import { createErrorHandler, frameworkErrorHandler } from './errorHandler.js';
import { sendProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { ingestionRoutes } from './routes/ingestions.js';
import { resultRoutes } from './routes/results.js';

/** Everything the HTTP API needs from its surroundings. */
export interface AppDependencies {
  pool: Pool;
  healthPool: Pool;
  http: HttpConfig;
  /** Attempts stored on each accepted job. */
  maxAttempts: number;
  logger: Logger;
  isShuttingDown: () => boolean;
  /** Where requests, accepted jobs and rejections are recorded. */
  metrics: ApiMetrics;
  /** Serves GET /metrics when given (the process's whole registry, worker's too under `npm start`). */
  metricsExposition?: () => Promise<Exposition>;
}

/**
 * Builds the API without starting to listen, so tests drive it with `app.inject()` and the entry points
 * decide where it listens.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.http.maxBodyBytes,
    genReqId: correlationIdFor,
    // One line per response, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'correlationId', disableRequestLogging: true }),
    // Requests that arrive while closing get our own 503 problem document (the hook below) instead.
    return503OnClosing: false,
    // Malformed URLs are refused before routing; they too get a problem document.
    frameworkErrors: frameworkErrorHandler,
    ajv: {
      customOptions: {
        // A string where a number belongs is the client's mistake to hear about, not to be guessed at.
        coerceTypes: false,
        allErrors: true,
        formats: { 'rfc3339-date-time': isRfc3339DateTime },
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON is accepted: without this, a text/plain body would reach validation as a string.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    if (!deps.isShuttingDown() || request.url.startsWith('/health/')) return;
    reply.header('retry-after', '1').header('connection', 'close');
    return sendProblem(request, reply, {
      status: 503,
      title: 'Shutting down',
      detail: 'This instance is stopping; retry the request, another instance will take it.',
    });
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header(correlationIdHeader, request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL (whose job ids would make a label value per job).
    const route = request.routeOptions.url ?? 'unmatched';
    const statusCode = reply.statusCode;
    deps.metrics.requestCompleted(request.method, route, statusCode, reply.elapsedTime / 1000);
    if (statusCode >= 400 && route === '/v1/ingestions' && request.method === 'POST')
      deps.metrics.requestRejected(statusCode);
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
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Ingest service',
        version: '1',
        description:
          'Accepts event batches, aggregates them by type in the background, serves status and results.',
      },
    },
  });
  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
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
  await app.register(ingestionRoutes, {
    pool: deps.pool,
    metrics: deps.metrics,
    jobInserter: new JobInsertBatcher(deps.pool, {
      maxConcurrentStatements: deps.http.insertConcurrency,
      // Bounds a statement's size and time; a bigger request still goes, alone.
      maxEventsPerStatement: 5000,
    }),
    maxAttempts: deps.maxAttempts,
    maxEventsPerRequest: deps.http.maxEventsPerRequest,
    maxPayloadBytes: deps.http.maxPayloadBytes,
  });
  await app.register(resultRoutes, { pool: deps.pool });
  return app;
}
