import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { guardAdminRoutes, type AdminRouteOptions } from './adminShared.js';
import { jobActionRoutes } from './jobActionRoutes.js';
import { jobRoutes } from './jobRoutes.js';
import { overviewRoutes } from './overviewRoutes.js';
import { tenantRoutes } from './tenantRoutes.js';
import { workerRoutes } from './workerRoutes.js';

export type { AdminRouteOptions } from './adminShared.js';

/**
 * The admin API: the overview, jobs (list, inspect, retry, cancel, run now), tenants (list, pause,
 * resume), processing (pause, resume) and the worker processes (webhook endpoints: webhookRoutes.ts). Every route is behind AdminAccess; the
 * actions are refused in read-only mode.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  guardAdminRoutes(app, options.access);
  // Registered inside this plugin, so the access hook above guards every one of them.
  for (const routes of [overviewRoutes, jobRoutes, jobActionRoutes, tenantRoutes, workerRoutes])
    await app.register(routes, options);
};
