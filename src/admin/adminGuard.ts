import type { FastifyInstance } from 'fastify';
import { ProblemError, sendProblem } from '../api/problem.js';
import { internalErrorResponse, problemResponse, unavailableResponse } from '../api/schemas/responses.js';
import type { AdminAccess } from './adminAccess.js';

/** The OpenAPI tags and security requirement of every admin route. */
export const adminRouteDoc = { tags: ['admin'], security: [{ adminToken: [] }] };

/** The answers every admin route may give besides its own: refused, or the database away. */
export const adminRefusals = {
  401: problemResponse(
    'An admin key (AUTH_MODE=keys) or ADMIN_TOKEN is required and the request carries no valid ' +
      '`Authorization: Bearer <key or token>` (WWW-Authenticate says so).',
  ),
  403: problemResponse(
    "The key is a tenant's, not an admin key; or no ADMIN_TOKEN is set and the service listens beyond " +
      'loopback without AUTH_MODE=keys; or (for actions) DASHBOARD_READ_ONLY=true.',
  ),
  500: internalErrorResponse,
  503: unavailableResponse,
};

/** Puts every route of the plugin `app` behind `access`: a refused request gets its problem, with its challenge. */
export function guardAdminRoutes(app: FastifyInstance, access: AdminAccess): void {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = await access.check(request.headers.authorization);
    if (!refusal) return;
    if (refusal.challenge) reply.header('www-authenticate', refusal.challenge);
    return sendProblem(request, reply, refusal);
  });
}

/**
 * What an action route calls first: refuses it with 403 when DASHBOARD_READ_ONLY is on. `what` says, to
 * the caller, what can still be done and how to change things, after the setting's name.
 */
export function readOnlyRefusal(readOnly: boolean, what: string): () => void {
  return () => {
    if (readOnly)
      throw new ProblemError(
        403,
        'Read-only dashboard',
        `This service runs with DASHBOARD_READ_ONLY=true: ${what}`,
      );
  };
}
