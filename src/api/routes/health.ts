import type { FastifyPluginAsync } from 'fastify';
import type { Pool } from '../../data/pool.js';
import { sendProblem } from '../problem.js';
import { HealthySchema } from '../schemas/health.js';
import { jsonResponse, problemResponse } from '../schemas/responses.js';

/** What the health routes need. */
export interface HealthRouteOptions {
  /** A small pool of its own, so a busy API still answers probes and a stuck probe blocks no request. */
  healthPool: Pool;
  /** True once shutdown has begun: the load balancer should stop sending traffic. */
  isShuttingDown: () => boolean;
  /** How long the readiness check waits for `SELECT 1`; under Kubernetes' 1 s probe timeout. */
  readyTimeoutMs: number;
}

/** GET /health/live and GET /health/ready, as the .NET template answered them. */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  app.get(
    '/health/live',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'getLiveness',
        tags: ['Health'],
        summary: 'Liveness probe',
        description:
          'Answers 200 while the process runs, even while it shuts down; checks nothing outside the ' +
          'process, so a database outage never makes an orchestrator restart it.',
        response: { 200: jsonResponse('The process is running.', HealthySchema) },
      },
    },
    async () => ({ status: 'Healthy' as const }),
  );

  app.get(
    '/health/ready',
    {
      logLevel: 'warn',
      schema: {
        operationId: 'getReadiness',
        tags: ['Health'],
        summary: 'Readiness probe',
        description:
          `Answers 200 when the database answers a query on the jobs table within ${options.readyTimeoutMs} ` +
          'ms, so the instance can take work; 503 otherwise, and from the moment shutdown begins.',
        response: {
          200: jsonResponse('Ready to take work.', HealthySchema),
          503: problemResponse('Not ready: the database did not answer in time, or shutdown has begun.'),
        },
      },
    },
    async (request, reply) => {
      if (options.isShuttingDown()) {
        return sendProblem(request, reply, {
          status: 503,
          title: 'Shutting down',
          detail: 'This instance is stopping and takes no new work.',
        });
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          // Through the jobs table, not a bare SELECT 1: while that table is locked (a migration, a stuck
          // session) every ingestion would hang, so this instance is not ready. LIMIT 0 reads no row.
          options.healthPool.query('SELECT 1 FROM ingestion_jobs LIMIT 0'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer in time')), options.readyTimeoutMs);
          }),
        ]);
        return { status: 'Healthy' as const };
      } catch (error) {
        // The reason goes to the log only: the probe needs no credentials, and the database's own text
        // names roles, databases and hosts. The correlation id ties the answer to its log line.
        request.log.warn({ err: error }, 'readiness check failed');
        return sendProblem(request, reply, {
          status: 503,
          title: 'Not ready',
          detail:
            `The database did not answer a query on the jobs table within ${options.readyTimeoutMs} ms. ` +
            "The reason is in this instance's log under this answer's correlationId.",
        });
      } finally {
        clearTimeout(timer);
      }
    },
  );
};
