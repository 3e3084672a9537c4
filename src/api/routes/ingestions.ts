import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { jobFind, type JobInsertOutcome, type NewJob } from '../../data/ingestionStore.js';
import type { Pool } from '../../data/pool.js';
import { eventTypeKey } from '../../domain/eventTypeKey.js';
import { requestFingerprint } from '../../domain/fingerprint.js';
import { findPayloadProblem, unstorableTextProblem } from '../../domain/payloadCheck.js';
import type { ApiMetrics } from '../../metrics/apiMetrics.js';
import { addFieldError, ProblemError, type FieldErrors } from '../problem.js';
import {
  IngestionAcceptedSchema,
  IngestionHeadersSchema,
  ingestionRequestSchema,
  JobIdParamsSchema,
  type IngestionRequest,
} from '../schemas/ingestion.js';
import { JobStatusSchema } from '../schemas/job.js';
import { ProblemSchema } from '../schemas/problem.js';

/** What the ingestion routes need. */
export interface IngestionRouteOptions {
  pool: Pool;
  metrics: ApiMetrics;
  /** Stores accepted jobs (see JobInsertBatcher). */
  jobInserter: { insert(job: NewJob): Promise<JobInsertOutcome> };
  maxAttempts: number;
  maxEventsPerRequest: number;
  maxPayloadBytes: number;
}

const problemResponses = {
  400: ProblemSchema,
  404: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  422: ProblemSchema,
  503: ProblemSchema,
};

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
      ts: event.timestamp,
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

/** POST /v1/ingestions and GET /v1/ingestions/{jobId}. */
export const ingestionRoutes: FastifyPluginAsyncTypebox<IngestionRouteOptions> = async (app, options) => {
  app.post(
    '/v1/ingestions',
    {
      schema: {
        summary: 'Submit a batch of events; it is stored before the answer and processed in the background.',
        body: ingestionRequestSchema(options.maxEventsPerRequest),
        headers: IngestionHeadersSchema,
        response: { 202: IngestionAcceptedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const idempotencyKey = request.headers['idempotency-key'];
      // Checked first: it bounds the payloads' nesting before the fingerprint walks the body recursively.
      const eventsJson = eventsJsonFor(body, options.maxPayloadBytes);
      const outcome = await options.jobInserter.insert({
        id: randomUUID(),
        tenantId: body.tenantId,
        maxAttempts: options.maxAttempts,
        eventCount: body.events.length,
        idempotencyKey,
        // Only a keyed request can be replayed, so only it pays for the canonical hash.
        requestFingerprint: idempotencyKey === undefined ? undefined : requestFingerprint(body),
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
      else options.metrics.jobAccepted(body.events.length);
      return reply
        .code(202)
        .header('location', `/v1/ingestions/${outcome.jobId}`)
        .send({ jobId: outcome.jobId });
    },
  );

  app.get(
    '/v1/ingestions/:jobId',
    {
      schema: {
        summary: "A job's status.",
        params: JobIdParamsSchema,
        response: { 200: JobStatusSchema, ...problemResponses },
      },
    },
    async (request) => {
      const job = await jobFind(options.pool, request.params.jobId);
      if (!job) throw new ProblemError(404, 'Job not found', `No job has the id ${request.params.jobId}.`);
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
