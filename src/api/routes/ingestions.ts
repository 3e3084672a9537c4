import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeyAuthenticator } from '../../auth/keyAuthenticator.js';
import type { JobInsertOutcome, NewJob } from '../../data/ingestionStore.js';
import type { Pool } from '../../data/pool.js';
import { jobIdCreate } from '../../domain/jobId.js';
import { requestFingerprint } from '../../domain/fingerprint.js';
import { callerOf, requireKey } from '../callerAccess.js';
import { scanOf, useScannedJsonBodies } from '../ingestionBodyScan.js';
import type { ApiMetrics } from '../../metrics/apiMetrics.js';
import { ProblemError } from '../problem.js';
import { markRejection } from '../rejectionMarks.js';
import { jobTraceparentOf } from '../requestTracing.js';
import type { TenantLimiter } from '../tenantLimits.js';
import { batchTenant, eventsJsonFor, headerCount, storedContent } from './submittedBatch.js';
import {
  IngestionAcceptedSchema,
  IngestionHeadersSchema,
  ingestionRequestSchema,
} from '../schemas/ingestion.js';
import {
  acceptEncodingHeader,
  bodyTooSlowResponse,
  idempotentReplayedHeader,
  internalErrorResponse,
  jsonResponse,
  keyRequirement,
  locationHeader,
  problemResponse,
  submitUnavailableResponse,
  tooManyRequestsResponse,
} from '../schemas/responses.js';

/** What the ingestion routes need. */
export interface IngestionRouteOptions {
  pool: Pool;
  metrics: ApiMetrics;
  /** Stores accepted jobs (see JobInsertBatcher). */
  jobInserter: { insert(job: NewJob): Promise<JobInsertOutcome> };
  maxAttempts: number;
  maxEventsPerRequest: number;
  maxPayloadBytes: number;
  /** Per-tenant rate limits and pending-events cap; undefined when none is on. */
  tenantLimiter: TenantLimiter | undefined;
  /** With AUTH_MODE=keys: who each request's key belongs to. Undefined: the routes are open. */
  authenticator: ApiKeyAuthenticator | undefined;
}

/** POST /v1/ingestions (GET /v1/ingestions/{jobId} is in ingestionStatus.ts). */
export const ingestionRoutes: FastifyPluginAsyncTypebox<IngestionRouteOptions> = async (app, options) => {
  const { authenticator } = options;
  useScannedJsonBodies(app, options.maxEventsPerRequest, options.maxPayloadBytes);
  const submitKey = keyRequirement(authenticator !== undefined, 'submit');
  app.post(
    '/v1/ingestions',
    {
      config: { cors: 'submit' },
      ...(authenticator ? { onRequest: requireKey(authenticator, 'submit') } : {}),
      schema: {
        ...(submitKey.security ? { security: submitKey.security } : {}),
        operationId: 'submitIngestion',
        tags: ['Ingestion'],
        summary: 'Submit a batch of events',
        description:
          'Stores the job and all its events in one transaction before answering 202; a worker aggregates ' +
          'them in the background. Any answer other than 202 means nothing was stored, with one exception: a ' +
          '503 titled Outcome unknown, sent when the database did not confirm whether the commit went through, ' +
          'names the jobId the batch has if it was stored. With an ' +
          'Idempotency-Key, repeating the same request returns the same job (even when the requests race), ' +
          'and reusing the key with another body is refused with 422.',
        body: ingestionRequestSchema(options.maxEventsPerRequest, authenticator !== undefined),
        headers: IngestionHeadersSchema,
        response: {
          202: jsonResponse('Accepted: the job and its events are stored.', IngestionAcceptedSchema, {
            ...locationHeader,
            ...idempotentReplayedHeader,
          }),
          400: problemResponse(
            'Invalid input: malformed or empty JSON, a compressed body that does not decompress, a body that ' +
              'breaks the rules, or a bad Idempotency-Key. ' +
              '`errors` maps each field path to what to fix.',
          ),
          413: problemResponse(
            `Too large: the body (decompressed, when it is sent compressed) is over MAX_BODY_BYTES, there ` +
              `are more than MAX_EVENTS_PER_REQUEST ` +
              `(${options.maxEventsPerRequest}) events, or one payload is over MAX_PAYLOAD_BYTES ` +
              `(${options.maxPayloadBytes}) of JSON. Split the batch.`,
          ),
          ...submitKey.responses,
          408: bodyTooSlowResponse,
          415: problemResponse(
            'The body is not sent as JSON (use Content-Type: application/json), is declared in a charset other ' +
              'than UTF-8, or is compressed with a coding other than gzip, deflate or br (then Accept-Encoding ' +
              'names those).',
            acceptEncodingHeader,
          ),
          422: problemResponse(
            'The Idempotency-Key was already used by this tenant with a different body; `jobId` names the ' +
              'job stored for it.',
          ),
          429: tooManyRequestsResponse,
          500: internalErrorResponse,
          503: submitUnavailableResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const scan = scanOf(body);
      const eventCount = scan?.eventCount ?? body.events.length;
      const caller = callerOf(request);
      const tenantId = batchTenant(body, caller);
      const batch = { body, tenantId };
      // In memory, before anything is checked further or stored: a tenant over a limit costs little. The
      // tenant is the body's, which a key has just been checked against, or the key's; a key may carry its
      // own limits.
      if (options.tenantLimiter) {
        const decision = options.tenantLimiter.check(
          {
            tenantId,
            keyId: caller?.keyId,
            limits: {
              rps: caller?.rateLimits.requestsPerSecond ?? undefined,
              eps: caller?.rateLimits.eventsPerSecond ?? undefined,
            },
          },
          eventCount,
        );
        if (!decision.allowed) {
          reply.headers(decision.headers);
          markRejection(request, decision.reason);
          throw new ProblemError(
            429,
            decision.reason === 'pending_quota' ? 'Too many pending events' : 'Too many requests',
            decision.detail,
            { retryAfterSeconds: decision.retryAfterSeconds },
          );
        }
      }
      const idempotencyKey = request.headers['idempotency-key'];
      // Node joins repeated headers with ", ": two keys would silently become one key "a, b".
      if (idempotencyKey?.includes(',') && headerCount(request.raw.rawHeaders, 'idempotency-key') > 1) {
        throw new ProblemError(
          400,
          'Invalid request',
          'The request carries more than one Idempotency-Key header; send exactly one.',
          { errors: { 'Idempotency-Key': ['must be sent once'] } },
        );
      }
      // Checked first: it bounds the payloads' nesting before the fingerprint walks the body recursively.
      const eventsJson: string | Buffer = scan?.eventsJson ?? eventsJsonFor(batch, options.maxPayloadBytes);
      const outcome = await options.jobInserter.insert({
        id: jobIdCreate(),
        tenantId,
        maxAttempts: options.maxAttempts,
        eventCount,
        idempotencyKey,
        // Only a keyed request can be replayed, so only it pays for the canonical hash.
        requestFingerprint:
          idempotencyKey === undefined ? undefined : requestFingerprint(storedContent(batch)),
        eventsJson,
        traceparent: jobTraceparentOf(request),
      });
      if (outcome.kind === 'conflict') {
        throw new ProblemError(
          422,
          'Idempotency key reused',
          'This Idempotency-Key was already used by this tenant with a different request body. ' +
            'Send the original body to get its job again, or use a new key for a new batch.',
          { jobId: outcome.jobId },
        );
      }
      if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
      else options.metrics.jobAccepted(eventCount);
      return reply
        .code(202)
        .header('location', `/v1/ingestions/${outcome.jobId}`)
        .send({ jobId: outcome.jobId });
    },
  );
};
