import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError } from '../api/problem.js';
import { jsonResponse, problemResponse } from '../api/schemas/responses.js';
import { jobFind } from '../data/ingestionStore.js';
import type { Pool } from '../data/pool.js';
import { webhookDeliveriesForJob, webhookDeliveryResend } from '../data/webhookDeliveries.js';
import {
  webhookEndpointDelete,
  webhookEndpointEnable,
  webhookEndpointsList,
  type WebhookEndpoint,
} from '../data/webhookEndpoints.js';
import { deliveryIdOf, webhookIdOf } from '../domain/webhookRetry.js';
import { webhookEndpointCreate, webhookSecretRotate } from '../webhooks/endpointRegistry.js';
import type { AdminAccess } from './adminAccess.js';
import { adminDocs, guardAdminRoutes, refusals } from './adminShared.js';
import { AdminJobParamsSchema } from './adminSchemas.js';
import {
  JobWebhooksSchema,
  WebhookEndpointCreatedSchema,
  WebhookEndpointCreateSchema,
  WebhookEndpointListQuerySchema,
  WebhookEndpointListSchema,
  WebhookEndpointParamsSchema,
  WebhookMessageParamsSchema,
  WebhookResentSchema,
  WebhookSecretRotatedSchema,
} from './webhookSchemas.js';

/** What the webhook admin routes need. */
export interface WebhookRouteOptions {
  pool: Pool;
  access: AdminAccess;
  /** DASHBOARD_READ_ONLY: every change is refused. */
  readOnly: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_URLS: endpoints may be http:// and on private addresses. */
  allowPrivateUrls: boolean;
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

function endpointView(endpoint: Omit<WebhookEndpoint, 'pending'> & { pending?: number }) {
  return {
    id: endpoint.id,
    tenantId: endpoint.tenantId,
    url: endpoint.url,
    events: endpoint.events,
    createdAt: endpoint.createdAt.toISOString(),
    rotatedAt: iso(endpoint.rotatedAt),
    previousSecretExpiresAt: iso(endpoint.previousSecretUntil),
    disabledAt: iso(endpoint.disabledAt),
    disabledReason: endpoint.disabledReason,
    pending: endpoint.pending ?? 0,
  };
}

const { tags, security } = adminDocs;
const endpointNotFound = problemResponse('No webhook endpoint has this id.');
const noSuchEndpoint = (id: string) =>
  new ProblemError(404, 'Webhook endpoint not found', `No webhook endpoint has the id ${id}.`);
const invalidId = problemResponse('The id in the path is malformed.');
/** The answers of a route on one endpoint besides its own success. */
const endpointProblems = { 400: invalidId, 404: endpointNotFound, ...refusals };

/**
 * Completion webhooks in the admin API: a tenant's endpoints (make, list, rotate the secret, turn one
 * back on after it was disabled, delete), a job's messages with every attempt, and a re-send. Behind
 * AdminAccess like every admin route; changes are refused in read-only mode. docs/webhooks.md says what
 * a receiver gets.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteOptions> = async (app, options) => {
  const { pool, access, readOnly } = options;

  guardAdminRoutes(app, access);

  const refuseInReadOnly = () => {
    if (readOnly)
      throw new ProblemError(
        403,
        'Read-only dashboard',
        'This service runs with DASHBOARD_READ_ONLY=true: webhook endpoints and messages can be looked at ' +
          'but not changed. Unset it to allow changes, or use `npm run webhooks` against the database.',
      );
  };

  app.post(
    '/admin/webhooks',
    {
      schema: {
        tags,
        security,
        operationId: 'adminCreateWebhook',
        summary: 'Add a webhook endpoint for a tenant',
        description:
          "The tenant's finished jobs are POSTed to it, signed as Standard Webhooks specifies; the answer " +
          'carries the signing secret, shown this once.',
        body: WebhookEndpointCreateSchema,
        response: {
          201: jsonResponse('The endpoint, with its secret.', WebhookEndpointCreatedSchema),
          400: problemResponse('The URL, tenant or events are not acceptable; errors says what to fix.'),
          ...refusals,
        },
      },
    },
    async (request, reply) => {
      refuseInReadOnly();
      const created = await webhookEndpointCreate(pool, request.body, options.allowPrivateUrls);
      if ('problems' in created) {
        throw new ProblemError(
          400,
          'Invalid webhook endpoint',
          'The endpoint cannot be used; see errors for what to fix.',
          { errors: created.problems },
        );
      }
      const view = endpointView({
        ...created,
        rotatedAt: null,
        previousSecretUntil: null,
        disabledAt: null,
        disabledReason: null,
      });
      return reply.code(201).send({ ...view, secret: created.secret });
    },
  );

  app.get(
    '/admin/webhooks',
    {
      schema: {
        tags,
        security,
        operationId: 'adminListWebhooks',
        summary: 'List webhook endpoints',
        description:
          'Every endpoint, or one tenant’s, newest first, with its messages waiting; never the secrets.',
        querystring: WebhookEndpointListQuerySchema,
        response: { 200: jsonResponse('The endpoints.', WebhookEndpointListSchema), ...refusals },
      },
    },
    async (request) => ({
      endpoints: (await webhookEndpointsList(pool, request.query.tenant)).map(endpointView),
    }),
  );

  app.delete(
    '/admin/webhooks/:endpointId',
    {
      schema: {
        tags,
        security,
        operationId: 'adminDeleteWebhook',
        summary: 'Delete a webhook endpoint',
        description:
          'Nothing more is written for it; its messages still waiting are given up. Their history stays with their jobs.',
        params: WebhookEndpointParamsSchema,
        response: {
          200: jsonResponse(
            'Deleted.',
            Type.Object({ id: Type.String({ format: 'uuid' }), deleted: Type.Literal(true) }),
          ),
          ...endpointProblems,
        },
      },
    },
    async (request) => {
      refuseInReadOnly();
      const { endpointId } = request.params;
      if (!(await webhookEndpointDelete(pool, endpointId))) throw noSuchEndpoint(endpointId);
      return { id: endpointId, deleted: true as const };
    },
  );

  app.post(
    '/admin/webhooks/:endpointId/rotate',
    {
      schema: {
        tags,
        security,
        operationId: 'adminRotateWebhookSecret',
        summary: "Rotate a webhook endpoint's secret",
        description:
          'A new secret signs from now on; the previous one signs too for 24 hours (every message carries both ' +
          'signatures), so the receiver can switch without losing a message.',
        params: WebhookEndpointParamsSchema,
        response: {
          200: jsonResponse('The new secret, shown this once.', WebhookSecretRotatedSchema),
          ...endpointProblems,
        },
      },
    },
    async (request) => {
      refuseInReadOnly();
      const { endpointId } = request.params;
      const rotated = await webhookSecretRotate(pool, endpointId);
      if (!rotated) throw noSuchEndpoint(endpointId);
      return {
        id: endpointId,
        secret: rotated.secret,
        previousSecretExpiresAt: rotated.previousSecretUntil.toISOString(),
      };
    },
  );

  app.post(
    '/admin/webhooks/:endpointId/enable',
    {
      schema: {
        tags,
        security,
        operationId: 'adminEnableWebhook',
        summary: 'Turn a disabled webhook endpoint back on',
        description:
          'An endpoint that answered 410 Gone is disabled; once its receiver is back, this makes messages be ' +
          'written for it again, for jobs that finish from now on. Messages given up meanwhile can be re-sent ' +
          'one by one. An endpoint that is on stays on.',
        params: WebhookEndpointParamsSchema,
        response: {
          200: jsonResponse(
            'On.',
            Type.Object({ id: Type.String({ format: 'uuid' }), enabled: Type.Literal(true) }),
          ),
          ...endpointProblems,
        },
      },
    },
    async (request) => {
      refuseInReadOnly();
      const { endpointId } = request.params;
      if (!(await webhookEndpointEnable(pool, endpointId))) throw noSuchEndpoint(endpointId);
      return { id: endpointId, enabled: true as const };
    },
  );

  app.get(
    '/admin/jobs/:jobId/webhooks',
    {
      schema: {
        tags,
        security,
        operationId: 'adminGetJobWebhooks',
        summary: "A job's webhook messages",
        description:
          'Each message written when the job finished, with every attempt: status, duration, error.',
        params: AdminJobParamsSchema,
        response: {
          200: jsonResponse("The job's messages, oldest first.", JobWebhooksSchema),
          400: invalidId,
          404: problemResponse('No job has this id.'),
          ...refusals,
        },
      },
    },
    async (request) => {
      const { jobId } = request.params;
      const [job, deliveries] = await Promise.all([
        jobFind(pool, jobId),
        webhookDeliveriesForJob(pool, jobId),
      ]);
      if (!job) throw new ProblemError(404, 'Job not found', `No job has the id ${jobId}.`);
      return {
        jobId: job.id,
        webhooks: deliveries.map((delivery) => ({
          webhookId: webhookIdOf(delivery.id),
          endpointId: delivery.endpointId,
          url: delivery.url,
          eventType: delivery.eventType as 'ingestion.succeeded' | 'ingestion.failed',
          status: delivery.status,
          attempt: delivery.attempt,
          nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
          sending: delivery.sending,
          createdAt: delivery.createdAt.toISOString(),
          finishedAt: iso(delivery.finishedAt),
          lastError: delivery.lastError,
          attempts: delivery.attempts,
        })),
      };
    },
  );

  app.post(
    '/admin/webhooks/messages/:webhookId/resend',
    {
      schema: {
        tags,
        security,
        operationId: 'adminResendWebhook',
        summary: 'Send a webhook message again',
        description:
          'The same message (same webhook-id and body, signed anew) is due again at once, with a fresh set of ' +
          'attempts, whether it was delivered, given up, or is waiting for a retry.',
        params: WebhookMessageParamsSchema,
        response: {
          200: jsonResponse('It is due now.', WebhookResentSchema),
          400: invalidId,
          404: problemResponse('No message has this webhook-id.'),
          409: problemResponse(
            'An attempt is on its way right now, or the endpoint was deleted or disabled (410 Gone).',
          ),
          ...refusals,
        },
      },
    },
    async (request) => {
      refuseInReadOnly();
      const { webhookId } = request.params;
      const id = deliveryIdOf(webhookId)!;
      const outcome = await webhookDeliveryResend(pool, id);
      if (outcome === 'resent') return { webhookId: webhookIdOf(id), status: 'pending' as const };
      if (outcome === 'unknown')
        throw new ProblemError(
          404,
          'Webhook message not found',
          `No webhook message has the id ${webhookId}.`,
        );
      throw new ProblemError(
        409,
        'Webhook message not resendable',
        'An attempt is on its way right now (try again in a moment), or its endpoint was deleted or disabled.',
      );
    },
  );
};
