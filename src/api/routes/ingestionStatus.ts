import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeyAuthenticator } from '../../auth/keyAuthenticator.js';
import { jobFind } from '../../data/ingestionStore.js';
import type { Pool } from '../../data/pool.js';
import { jobFindForTenant } from '../../data/tenantReads.js';
import { preferredWaitSeconds } from '../../domain/preferWait.js';
import { callerOf, keyTextOf, requireKey } from '../callerAccess.js';
import type { JobWaiters } from '../jobWaiters.js';
import { jobStatusBody } from '../jobStatusBody.js';
import type { KeyRevocationWatch } from '../keyRevocationWatch.js';
import { ProblemError } from '../problem.js';
import { JobIdParamsSchema, JobStatusHeadersSchema } from '../schemas/ingestion.js';
import { JobStatusSchema } from '../schemas/job.js';
import {
  jobIdProblemResponses,
  jsonResponse,
  keyRequirement,
  preferenceAppliedHeader,
  tooManyWaitsResponse,
} from '../schemas/responses.js';
import { waitForJob } from '../waitForJob.js';

/** What the status route needs. */
export interface IngestionStatusRouteOptions {
  pool: Pool;
  /** Answers `Prefer: wait` requests when notifications can be had; without it the preference is ignored. */
  jobWaiters: JobWaiters | undefined;
  /** With AUTH_MODE=keys: who each request's key belongs to. Undefined: the route is open. */
  authenticator: ApiKeyAuthenticator | undefined;
  /** With AUTH_MODE=keys: ends a wait whose key is revoked or expires meanwhile. */
  revocations: KeyRevocationWatch | undefined;
}

/** GET /v1/ingestions/{jobId}, with `Prefer: wait`. */
export const ingestionStatusRoute: FastifyPluginAsyncTypebox<IngestionStatusRouteOptions> = async (
  app,
  options,
) => {
  const { authenticator } = options;
  const readKey = keyRequirement(authenticator !== undefined, 'read');
  app.get(
    '/v1/ingestions/:jobId',
    {
      config: { cors: 'read' },
      ...(authenticator ? { onRequest: requireKey(authenticator, 'read') } : {}),
      schema: {
        ...(readKey.security ? { security: readKey.security } : {}),
        operationId: 'getIngestion',
        tags: ['Ingestion'],
        summary: "A job's status",
        description:
          'Where the job is: Pending (waiting, or waiting for a retry until availableAt), Processing, ' +
          'Succeeded or Failed (after maxAttempts attempts; error says why the last one failed). With ' +
          '`Prefer: wait=N` (N ≤ 60), the answer comes once the job has Succeeded or Failed, or after N ' +
          'seconds, with `Preference-Applied: wait=N`; a wait past the caps of this instance ' +
          '(PREFER_WAIT_MAX_REQUESTS, and PREFER_WAIT_TENANT_MAX_REQUESTS for one tenant) is refused ' +
          'with Retry-After, and one whose key is revoked meanwhile ends with a 401.',
        params: JobIdParamsSchema,
        headers: JobStatusHeadersSchema,
        response: {
          200: jsonResponse('The job.', JobStatusSchema, preferenceAppliedHeader),
          ...jobIdProblemResponses,
          ...readKey.responses,
          429: tooManyWaitsResponse,
        },
      },
    },
    async (request, reply) => {
      // The canonical, lowercase form, as every answer shows it.
      const jobId = request.params.jobId.toLowerCase();
      // A tenant's read key reads through row-level security, and another tenant's job is not found,
      // by the same statement as an unknown id (an admin key reads any job).
      const tenantId = callerOf(request)?.tenantId;
      const find = (id: string) =>
        tenantId === undefined ? jobFind(options.pool, id) : jobFindForTenant(options.pool, id, tenantId);
      let job = await find(jobId);
      if (!job) throw new ProblemError(404, 'Job not found', `No job has the id ${jobId}.`);
      // Prefer: wait=N (RFC 7240): hold the answer until the job has finished, at most N seconds.
      const waitSeconds = preferredWaitSeconds(request.headers.prefer);
      if (waitSeconds !== undefined && options.jobWaiters?.listening) {
        reply.header('preference-applied', `wait=${waitSeconds}`);
        const keyText = keyTextOf(request);
        const waited = await waitForJob(reply, {
          waiters: options.jobWaiters,
          job,
          seconds: waitSeconds,
          find,
          revocation: options.revocations && keyText ? { watch: options.revocations, keyText } : undefined,
        });
        // The client went away: nothing more is read or sent.
        if (!waited) return reply.hijack();
        job = waited;
      }
      return jobStatusBody(job);
    },
  );
};
