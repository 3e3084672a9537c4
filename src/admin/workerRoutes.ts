import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { jsonResponse } from '../api/schemas/responses.js';
import { workersList } from '../data/workerRegistry.js';
import { adminDocs, iso, refusals, type AdminRouteOptions } from './adminShared.js';
import { WorkerListSchema } from './workerSchemas.js';

/** How long a worker that went quiet or stopped stays listed. */
const recentSeconds = 3600;

/** The worker processes: the live ones and those gone or stopped in the last hour. */
export const workerRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, { pool }) => {
  app.get(
    '/admin/workers',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminListWorkers',
        summary: 'List worker processes',
        description:
          'Each worker process announces itself every 5 s (host, pid, version, start, concurrency, jobs in ' +
          'hand). Live ones first, then those gone quiet (no announcement for 20 s: killed, frozen or cut off) ' +
          'or stopped in the last hour.',
        response: { 200: jsonResponse('The worker processes.', WorkerListSchema), ...refusals },
      },
    },
    async () => {
      const rows = await workersList(pool, recentSeconds);
      const now = rows[0]?.now ?? new Date();
      return {
        workers: rows.map((w) => ({
          workerId: w.id,
          host: w.host,
          pid: w.pid,
          version: w.version,
          startedAt: w.startedAt.toISOString(),
          concurrency: w.concurrency,
          jobsInHand: w.jobsInHand,
          leasedJobs: w.leasedJobs,
          lastHeartbeatAt: w.heartbeatAt.toISOString(),
          lastHeartbeatAgeSeconds: (w.now.getTime() - w.heartbeatAt.getTime()) / 1000,
          stoppedAt: iso(w.stoppedAt),
          state: w.state,
        })),
        now: now.toISOString(),
      };
    },
  );
};
