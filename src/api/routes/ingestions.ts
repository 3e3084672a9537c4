import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeyAuthenticator } from '../../auth/keyAuthenticator.js';
import { jobFind, type JobInsertOutcome, type JobView, type NewJob } from '../../data/ingestionStore.js';
import { jobFindForTenant } from '../../data/tenantReads.js';
import type { Pool } from '../../data/pool.js';
import { eventTypeKey } from '../../domain/eventTypeKey.js';
import { jobIdCreate } from '../../domain/jobId.js';
import { requestFingerprint } from '../../domain/fingerprint.js';
import { findPayloadProblem, unstorableTextProblem } from '../../domain/payloadCheck.js';
import { preferredWaitSeconds } from '../../domain/preferWait.js';
import { callerOf, requireKey } from '../callerAccess.js';
import type { JobWaiters } from '../jobWaiters.js';
import { storableTimestamp } from '../../domain/timestamp.js';
import { scanOf, useScannedJsonBodies } from '../ingestionBodyScan.js';
import type { ApiMetrics } from '../../metrics/apiMetrics.js';
import { addFieldError, ProblemError, type FieldErrors } from '../problem.js';
import { markRejection } from '../rejectionMarks.js';
import type { TenantLimiter } from '../tenantLimits.js';
import {
  IngestionAcceptedSchema,
  IngestionHeadersSchema,
  ingestionRequestSchema,
  JobIdParamsSchema,
  JobStatusHeadersSchema,
  type IngestionRequest,
} from '../schemas/ingestion.js';
import { JobStatusSchema } from '../schemas/job.js';
import {
  idempotentReplayedHeader,
  internalErrorResponse,
  jobIdProblemResponses,
  jsonResponse,
  keyRequirement,
  locationHeader,
  preferenceAppliedHeader,
  problemResponse,
  tooManyRequestsResponse,
  unavailableResponse,
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
  /** Answers `Prefer: wait` requests when notifications can be had; without it the preference is ignored. */
  jobWaiters: JobWaiters | undefined;
  /** Per-tenant rate limits and pending-events cap; undefined when none is on. */
  tenantLimiter: TenantLimiter | undefined;
  /** With AUTH_MODE=keys: who each request's key belongs to. Undefined: the routes are open. */
  authenticator: ApiKeyAuthenticator | undefined;
}

const isFinished = (job: JobView) => job.status === 'Succeeded' || job.status === 'Failed';

/** The largest payload's JSON text in bytes, if it is larger than `limit`, with its field name. */
function oversizePayload(body: IngestionRequest, limit: number): string | undefined {
  for (let index = 0; index < body.events.length; index += 1) {
    const payload = JSON.stringify(body.events[index]!.payload ?? null);
    // One UTF-16 unit is at most 3 UTF-8 bytes: only a payload near the limit is measured exactly.
    if (payload.length * 3 > limit && Buffer.byteLength(payload) > limit) return `events[${index}].payload`;
  }
  return undefined;
}

/**
 * Serializes the events for the insert statement and checks what the schema cannot express: payload
 * size, nesting, unstorable characters. Throws a ProblemError naming every offending field.
 */
function eventsJsonFor(body: IngestionRequest, maxPayloadBytes: number): string {
  const errors: FieldErrors = {};
  const tenantProblem = unstorableTextProblem(body.tenantId);
  if (tenantProblem) addFieldError(errors, 'tenantId', tenantProblem);
  body.events.forEach((event, index) => {
    const typeProblem = unstorableTextProblem(event.type);
    if (typeProblem) addFieldError(errors, `events[${index}].type`, typeProblem);
    const problem = event.payload === undefined ? undefined : findPayloadProblem(event.payload);
    if (problem) addFieldError(errors, `events[${index}].payload`, problem);
  });
  if (Object.keys(errors).length > 0) {
    throw new ProblemError(
      400,
      'Invalid request',
      'The request body is invalid; see errors for what to fix in each field.',
      {
        errors,
      },
    );
  }
  // One serialization of the whole array: building each event's text separately allocated several
  // times its size. The nesting is bounded by now, so JSON.stringify cannot overflow its stack.
  const eventsJson = JSON.stringify(
    body.events.map((event) => ({
      t: event.type,
      k: eventTypeKey(event.type),
      ts: storableTimestamp(event.timestamp),
      p: event.payload ?? null,
    })),
  );
  // No payload is longer than all of them together: most requests never serialize one alone.
  const oversize =
    eventsJson.length * 3 > maxPayloadBytes && Buffer.byteLength(eventsJson) > maxPayloadBytes
      ? oversizePayload(body, maxPayloadBytes)
      : undefined;
  if (oversize) {
    throw new ProblemError(
      413,
      'Payload too large',
      `${oversize} is larger than ${maxPayloadBytes} bytes of JSON, the most one event may carry.`,
    );
  }
  return eventsJson;
}

/** How many times a header occurs in Node's raw header list (name, value, name, value …). */
function headerCount(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) count += 1;
  return count;
}

/**
 * What a job stores of its request, and so what its idempotency fingerprint covers: fields the schema
 * does not know are left out, and an absent payload is the null it is stored as. A client that adds a
 * field to its retries therefore replays its job instead of being told the body differs.
 */
function storedContent(body: IngestionRequest): unknown {
  return {
    tenantId: body.tenantId,
    events: body.events.map((event) => ({
      type: event.type,
      timestamp: storableTimestamp(event.timestamp),
      payload: event.payload ?? null,
    })),
  };
}

/** POST /v1/ingestions and GET /v1/ingestions/{jobId}. */
export const ingestionRoutes: FastifyPluginAsyncTypebox<IngestionRouteOptions> = async (app, options) => {
  const { authenticator } = options;
  useScannedJsonBodies(app, options.maxEventsPerRequest, options.maxPayloadBytes);
  const submitKey = keyRequirement(authenticator !== undefined, 'submit');
  const readKey = keyRequirement(authenticator !== undefined, 'read');
  app.post(
    '/v1/ingestions',
    {
      ...(authenticator ? { onRequest: requireKey(authenticator, 'submit') } : {}),
      schema: {
        ...(submitKey.security ? { security: submitKey.security } : {}),
        operationId: 'submitIngestion',
        tags: ['Ingestion'],
        summary: 'Submit a batch of events',
        description:
          'Stores the job and all its events in one transaction before answering 202; a worker aggregates ' +
          'them in the background. Any answer other than 202 means nothing was stored. With an ' +
          'Idempotency-Key, repeating the same request returns the same job (even when the requests race), ' +
          'and reusing the key with another body is refused with 422.',
        body: ingestionRequestSchema(options.maxEventsPerRequest),
        headers: IngestionHeadersSchema,
        response: {
          202: jsonResponse('Accepted: the job and its events are stored.', IngestionAcceptedSchema, {
            ...locationHeader,
            ...idempotentReplayedHeader,
          }),
          400: problemResponse(
            'Invalid input: malformed or empty JSON, a body that breaks the rules, or a bad Idempotency-Key. ' +
              '`errors` maps each field path to what to fix.',
          ),
          413: problemResponse(
            `Too large: the body is over MAX_BODY_BYTES, there are more than MAX_EVENTS_PER_REQUEST ` +
              `(${options.maxEventsPerRequest}) events, or one payload is over MAX_PAYLOAD_BYTES ` +
              `(${options.maxPayloadBytes}) of JSON. Split the batch.`,
          ),
          ...submitKey.responses,
          415: problemResponse('The body is not sent as JSON: use Content-Type: application/json.'),
          422: problemResponse(
            'The Idempotency-Key was already used by this tenant with a different body; `jobId` names the ' +
              'job stored for it.',
          ),
          429: tooManyRequestsResponse,
          500: internalErrorResponse,
          503: unavailableResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const scan = scanOf(body);
      const eventCount = scan?.eventCount ?? body.events.length;
      const caller = callerOf(request);
      if (caller && caller.tenantId !== body.tenantId) {
        throw new ProblemError(
          403,
          'Forbidden',
          `This key submits for tenant ${JSON.stringify(caller.tenantId)} only, not for tenantId ` +
            `${JSON.stringify(body.tenantId)}: send the tenant's own write key, or its tenantId.`,
        );
      }
      // In memory, before anything is checked further or stored: a tenant over a limit costs little. The
      // tenant is the body's, which a key has just been checked against; a key may carry its own limits.
      if (options.tenantLimiter) {
        const decision = options.tenantLimiter.check(
          {
            tenantId: body.tenantId,
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
      const eventsJson: string | Buffer = scan?.eventsJson ?? eventsJsonFor(body, options.maxPayloadBytes);
      const outcome = await options.jobInserter.insert({
        id: jobIdCreate(),
        tenantId: body.tenantId,
        maxAttempts: options.maxAttempts,
        eventCount,
        idempotencyKey,
        // Only a keyed request can be replayed, so only it pays for the canonical hash.
        requestFingerprint:
          idempotencyKey === undefined ? undefined : requestFingerprint(storedContent(body)),
        eventsJson,
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

  app.get(
    '/v1/ingestions/:jobId',
    {
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
          'seconds, with `Preference-Applied: wait=N`.',
        params: JobIdParamsSchema,
        headers: JobStatusHeadersSchema,
        response: {
          200: jsonResponse('The job.', JobStatusSchema, preferenceAppliedHeader),
          ...jobIdProblemResponses,
          ...readKey.responses,
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
        if (!isFinished(job) && waitSeconds > 0) {
          const wait = options.jobWaiters.wait(job.id, waitSeconds * 1000);
          try {
            // Read again once registered: the job may have finished between the first read and now,
            // and its notification would then have gone by unheard.
            job = (await find(job.id)) ?? job;
            if (!isFinished(job)) {
              await wait.done;
              job = (await find(job.id)) ?? job;
            }
          } finally {
            wait.cancel();
          }
        }
      }
      return {
        jobId: job.id,
        status: job.status,
        attempt: job.attempt,
        createdAt: job.createdAt.toISOString(),
        updatedAt: job.updatedAt.toISOString(),
        processedAt: job.processedAt?.toISOString() ?? null,
        error: job.error,
        tenantId: job.tenantId,
        eventCount: job.eventCount,
        maxAttempts: job.maxAttempts,
        availableAt: job.availableAt.toISOString(),
      };
    },
  );
};
