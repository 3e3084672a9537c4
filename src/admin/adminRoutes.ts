import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../api/problem.js';
import type { AdminRouteOptions } from './adminShared.js';
import { jobActionRoutes } from './jobActionRoutes.js';
import { jobRoutes } from './jobRoutes.js';
import { overviewRoutes } from './overviewRoutes.js';
import { tenantRoutes } from './tenantRoutes.js';
import { workerRoutes } from './workerRoutes.js';

export type { AdminRouteOptions } from './adminShared.js';

/**
 * The admin API: the overview, jobs (list, inspect, retry, cancel, run now), tenants (list, pause,
 * resume), processing (pause, resume) and the worker processes. Every route is behind AdminAccess; the
 * actions are refused in read-only mode.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = await options.access.check(request.headers);
    if (!refusal) return;
    if (refusal.challenge) reply.header('www-authenticate', refusal.challenge);
    return sendProblem(request, reply, refusal);
  });
  // Registered inside this plugin, so the access hook above guards every one of them.
  for (const routes of [overviewRoutes, jobRoutes, jobActionRoutes, tenantRoutes, workerRoutes])
    await app.register(routes, options);
};
