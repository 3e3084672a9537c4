import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeyAuthenticator } from '../../auth/keyAuthenticator.js';
import { resultsFind } from '../../data/ingestionStore.js';
import { resultsFindForTenant } from '../../data/tenantReads.js';
import type { Pool } from '../../data/pool.js';
import { instantText } from '../../domain/timestamp.js';
import { callerOf, requireKey } from '../callerAccess.js';
import { ProblemError } from '../problem.js';
import { JobIdParamsSchema } from '../schemas/ingestion.js';
import { JobResultsSchema } from '../schemas/job.js';
import { jobIdProblemResponses, jsonResponse, keyRequirement } from '../schemas/responses.js';

/** What the results route needs. */
export interface ResultRouteOptions {
  pool: Pool;
  /** With AUTH_MODE=keys: who each request's key belongs to. Undefined: the route is open. */
  authenticator: ApiKeyAuthenticator | undefined;
}

/** GET /v1/results/{jobId}. */
export const resultRoutes: FastifyPluginAsyncTypebox<ResultRouteOptions> = async (app, options) => {
  const { authenticator } = options;
  const readKey = keyRequirement(authenticator !== undefined, 'read');
  app.get(
    '/v1/results/:jobId',
    {
      config: { cors: 'read' },
      ...(authenticator ? { onRequest: requireKey(authenticator, 'read') } : {}),
      schema: {
        ...(readKey.security ? { security: readKey.security } : {}),
        operationId: 'getResults',
        tags: ['Ingestion'],
        summary: "A job's results",
        description:
          'Counts per event type (grouped ignoring case, named with the casing of the first event of the ' +
          'type), with the earliest and latest timestamp, ordered by type ignoring case. The list is empty ' +
          'until the job has Succeeded; status says where the job is. A job completed by a processor ' +
          'written in TypeScript has its result in `output` instead, and an empty list.',
        params: JobIdParamsSchema,
        response: {
          200: jsonResponse("The job's results.", JobResultsSchema),
          ...jobIdProblemResponses,
          ...readKey.responses,
        },
      },
    },
    async (request) => {
      // The canonical, lowercase form, as every answer shows it.
      const jobId = request.params.jobId.toLowerCase();
      // As the status route: a tenant's read key reads through row-level security, another tenant's job
      // answers as an unknown one.
      const tenantId = callerOf(request)?.tenantId;
      const found =
        tenantId === undefined
          ? await resultsFind(options.pool, jobId)
          : await resultsFindForTenant(options.pool, jobId, tenantId);
      if (!found) throw new ProblemError(404, 'Job not found', `No job has the id ${jobId}.`);
      return {
        jobId,
        status: found.status,
        results: found.results.map((result) => ({
          eventType: result.eventType,
          count: result.count,
          firstTimestamp: instantText(result.firstMicros),
          lastTimestamp: instantText(result.lastMicros),
        })),
        ...('output' in found ? { output: found.output } : {}),
      };
    },
  );
};
