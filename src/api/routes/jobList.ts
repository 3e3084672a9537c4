import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeyAuthenticator } from '../../auth/keyAuthenticator.js';
import type { Pool } from '../../data/pool.js';
import { jobsListForTenant } from '../../data/tenantReads.js';
import { encodeCursor } from '../../domain/jobCursor.js';
import { parseJobListWindow } from '../../domain/jobListFilter.js';
import { callerOf, requireKey } from '../callerAccess.js';
import { requestedPage } from '../jobListPaging.js';
import { jobStatusBody } from '../jobStatusBody.js';
import { ProblemError } from '../problem.js';
import { TenantJobListSchema, tenantJobListQuerySchema } from '../schemas/jobList.js';
import {
  internalErrorResponse,
  jsonResponse,
  keyRequirement,
  problemResponse,
  unavailableResponse,
} from '../schemas/responses.js';

/** What the job list needs. */
export interface JobListRouteOptions {
  pool: Pool;
  /** With AUTH_MODE=keys: who each request's key belongs to. Undefined: the route is open. */
  authenticator: ApiKeyAuthenticator | undefined;
}

/** The tenant whose jobs are listed: the read key's, which a tenantId sent must match, or the one named. */
function listedTenant(named: string | undefined, keyTenant: string | undefined, keyed: boolean): string {
  if (keyTenant !== undefined) {
    if (named !== undefined && named !== keyTenant) {
      throw new ProblemError(
        403,
        'Forbidden',
        `This key reads the jobs of tenant ${JSON.stringify(keyTenant)} only, not of ${JSON.stringify(named)}: ` +
          "leave tenantId out, or use that tenant's read key.",
      );
    }
    return keyTenant;
  }
  if (named === undefined) {
    throw new ProblemError(400, 'Invalid filter', 'Name the tenant whose jobs to list.', {
      errors: {
        tenantId: [
          keyed
            ? 'tenantId is required with an admin key, which belongs to no tenant'
            : 'tenantId is required',
        ],
      },
    });
  }
  return named;
}

/** GET /v1/ingestions: a tenant's own jobs, newest first, a page at a time. */
export const jobListRoutes: FastifyPluginAsyncTypebox<JobListRouteOptions> = async (app, options) => {
  const { authenticator } = options;
  const readKey = keyRequirement(authenticator !== undefined, 'read');
  app.get(
    '/v1/ingestions',
    {
      config: { cors: 'read' },
      ...(authenticator ? { onRequest: requireKey(authenticator, 'read') } : {}),
      schema: {
        ...(readKey.security ? { security: readKey.security } : {}),
        operationId: 'listIngestions',
        tags: ['Ingestion'],
        summary: "A tenant's jobs",
        description:
          "The tenant's own jobs, newest first, optionally of some statuses and created in a time range, one " +
          'page at a time: pass nextCursor back as cursor for the next page (a page costs the same however ' +
          "deep). With a read key, the key's tenant; the database's row-level security confines the read to it.",
        querystring: tenantJobListQuerySchema(authenticator !== undefined),
        response: {
          200: jsonResponse('A page of jobs.', TenantJobListSchema),
          400: problemResponse('The filter, cursor or page size is invalid; errors says what to fix.'),
          ...readKey.responses,
          ...(readKey.responses[403]
            ? {
                403: problemResponse(
                  "The key may not read (a write key only submits), tenantId names another tenant than the read key's, " +
                    'or the key is restricted to origins (keys create --origin) and the request comes from none of them.',
                ),
              }
            : {}),
          500: internalErrorResponse,
          503: unavailableResponse,
        },
      },
    },
    async (request) => {
      const { cursor, limit, tenantId: named, ...raw } = request.query;
      const tenantId = listedTenant(named, callerOf(request)?.tenantId, authenticator !== undefined);
      const errors: Record<string, string[]> = {};
      const window = parseJobListWindow(raw, errors);
      if (Object.keys(errors).length > 0) {
        throw new ProblemError(400, 'Invalid filter', 'The filter is invalid; see errors for what to fix.', {
          errors,
        });
      }
      const { after, size } = requestedPage(cursor, limit);
      // One row more than the page tells whether another page follows.
      const rows = await jobsListForTenant(options.pool, tenantId, window, after, size + 1);
      const page = rows.slice(0, size);
      return {
        jobs: page.map(jobStatusBody),
        nextCursor: rows.length > size ? encodeCursor(page[page.length - 1]!.key) : null,
      };
    },
  );
};
