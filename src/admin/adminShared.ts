import type { FastifyInstance } from 'fastify';
import { ProblemError, sendProblem } from '../api/problem.js';
import { internalErrorResponse, problemResponse, unavailableResponse } from '../api/schemas/responses.js';
import type { AdminJobRow } from '../data/adminStore.js';
import type { Pool } from '../data/pool.js';
import type { AdminAccess } from './adminAccess.js';
import { parseJobFilter, type RawJobFilter } from './jobFilter.js';

/** What the admin routes need. */
export interface AdminRouteOptions {
  pool: Pool;
  access: AdminAccess;
  /** DASHBOARD_READ_ONLY: every action (retry, cancel, run now, pause, resume) is refused. */
  readOnly: boolean;
}

/** The OpenAPI tag and security requirement of every admin route. */
export const adminDocs = { tags: ['admin'], security: [{ adminToken: [] }] };

/** The refusals every admin route may answer with. */
export const refusals = {
  401: problemResponse(
    'An admin key (AUTH_MODE=keys) or ADMIN_TOKEN is required and the request carries no valid ' +
      '`Authorization: Bearer <key or token>` (WWW-Authenticate says so).',
  ),
  403: problemResponse(
    "The key is a tenant's, not an admin key; or no ADMIN_TOKEN is set and the service listens beyond " +
      'loopback without AUTH_MODE=keys; or, open on loopback without a token, the request named another ' +
      'Host, came from another site or through a proxy; or (for actions) DASHBOARD_READ_ONLY=true.',
  ),
  500: internalErrorResponse,
  503: unavailableResponse,
};

/** A 400 of a route with a filter, cursor or id. */
export const invalidInput = problemResponse(
  'The filter, cursor or job id is invalid; errors says what to fix.',
);
/** A 404 of a job route. */
export const jobNotFound = problemResponse('No job has this id.');
/** A 414 of a route with an id in its path. */
export const pathTooLong = {
  414: problemResponse('A path segment is longer than any valid value (a job id, a tenant id).'),
};

/** A time for a response; null stays null. */
export const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** A job as the admin API shows it in lists and on its page. */
export function jobView(row: Omit<AdminJobRow, 'key'>) {
  return {
    jobId: row.id,
    tenantId: row.tenantId,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    eventCount: row.eventCount,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    processedAt: iso(row.processedAt),
    availableAt: row.availableAt.toISOString(),
    cancelledAt: iso(row.cancelledAt),
  };
}

/** The filter a request names, or a 400 problem saying what is wrong with each field. */
export function filterOrThrow(raw: RawJobFilter) {
  const outcome = parseJobFilter(raw, new Date());
  if ('errors' in outcome) {
    throw new ProblemError(400, 'Invalid filter', 'The filter is invalid; see errors for what to fix.', {
      errors: outcome.errors,
    });
  }
  return outcome.filter;
}

/** Throws the read-only refusal when DASHBOARD_READ_ONLY is set: every action calls it first. */
export function refuseInReadOnly(readOnly: boolean): void {
  if (readOnly) {
    throw new ProblemError(
      403,
      'Read-only dashboard',
      'This service runs with DASHBOARD_READ_ONLY=true: jobs, tenants and workers can be looked at, but ' +
        'nothing can be retried, cancelled, run now, paused or resumed. Unset it to allow actions.',
    );
  }
}

/** Puts every route of the plugin `app` behind `access`: a refused request gets its problem, with its challenge. */
export function guardAdminRoutes(app: FastifyInstance, access: AdminAccess): void {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = await access.check(request.headers);
    if (!refusal) return;
    if (refusal.challenge) reply.header('www-authenticate', refusal.challenge);
    return sendProblem(request, reply, refusal);
  });
}
