import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { jsonResponse } from '../api/schemas/responses.js';
import { adminOverview } from '../data/adminStore.js';
import { finishedHoursRead, historyHours } from '../data/jobHistory.js';
import { pausesSummary } from '../data/pauseStore.js';
import { adminDocs, iso, refusals, type AdminRouteOptions } from './adminShared.js';
import { OverviewSchema } from './adminSchemas.js';
import { sharedRead } from './sharedRead.js';

/** How long one read of the hourly history serves every overview (dashboards refresh every few seconds). */
const historyMaxAgeMs = 10_000;

/** The overview: counts, the last hour per minute, the last 7 days per hour, pauses, the oldest job. */
export const overviewRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  const { pool, readOnly } = options;
  const history = sharedRead(() => finishedHoursRead(pool, historyHours), historyMaxAgeMs);

  app.get(
    '/admin/overview',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminOverview',
        summary: 'Overview',
        description:
          'Jobs by status; jobs finished per minute over the last hour and per hour over the last 7 days, by ' +
          'outcome, with the time from acceptance to finish (p50, p95); pauses; the oldest pending job.',
        response: { 200: jsonResponse('The overview.', OverviewSchema), ...refusals },
      },
    },
    async () => {
      const [overview, hours, pauses] = await Promise.all([
        adminOverview(pool),
        history(),
        pausesSummary(pool),
      ]);
      const oldest = overview.oldestPending;
      return {
        counts: overview.counts,
        estimated: overview.estimated,
        perMinute: overview.perMinute.map((m) => ({ ...m, minute: m.minute.toISOString() })),
        perHour: hours.map(({ start, ...bucket }) => ({ hour: start.toISOString(), ...bucket })),
        paused: { processingPausedAt: iso(pauses.processingPausedAt), tenants: pauses.pausedTenants },
        oldestPending: oldest
          ? {
              jobId: oldest.id,
              tenantId: oldest.tenantId,
              createdAt: oldest.createdAt.toISOString(),
              availableAt: oldest.availableAt.toISOString(),
              ageSeconds: (oldest.now.getTime() - oldest.createdAt.getTime()) / 1000,
            }
          : null,
        now: new Date().toISOString(),
        readOnly,
      };
    },
  );
};
