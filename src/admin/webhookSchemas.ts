import { Type } from '@sinclair/typebox';

const dateTime = Type.String({ format: 'date-time' });
const nullableDateTime = Type.Union([dateTime, Type.Null()]);
const eventName = Type.Union([Type.Literal('ingestion.succeeded'), Type.Literal('ingestion.failed')]);
const uuid = Type.String({ format: 'uuid' });

/** Body of POST /admin/webhooks. */
export const WebhookEndpointCreateSchema = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S', examples: ['acme'] }),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'Where to POST the messages: https:// and a public address (WEBHOOK_ALLOW_PRIVATE_URLS=true also ' +
        'allows http:// and private addresses, for local development).',
      examples: ['https://example.com/webhooks/ingest'],
    }),
    events: Type.Optional(
      Type.Array(eventName, {
        minItems: 1,
        maxItems: 2,
        uniqueItems: true,
        description: 'The events to send; both by default.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A webhook endpoint as listed: never its secret. */
export const WebhookEndpointSchema = Type.Object({
  id: uuid,
  tenantId: Type.String(),
  url: Type.String(),
  events: Type.Array(eventName),
  createdAt: dateTime,
  rotatedAt: nullableDateTime,
  previousSecretExpiresAt: Type.Union([dateTime, Type.Null()], {
    description: 'Until when the secret the last rotation replaced still signs, beside the new one.',
  }),
  disabledAt: Type.Union([dateTime, Type.Null()], {
    description: 'Set when the endpoint answered 410 Gone: nothing more is sent to it.',
  }),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  pending: Type.Integer({ description: 'Messages waiting to be delivered (counted to 10,000).' }),
});

/** POST /admin/webhooks: the endpoint and its secret, shown this once. */
export const WebhookEndpointCreatedSchema = Type.Object({
  ...WebhookEndpointSchema.properties,
  secret: Type.String({
    description: 'The signing secret (whsec_…): shown this once. Keep it where the receiver verifies.',
  }),
});

/** GET /admin/webhooks. */
export const WebhookEndpointListSchema = Type.Object({ endpoints: Type.Array(WebhookEndpointSchema) });

/** Query of GET /admin/webhooks. */
export const WebhookEndpointListQuerySchema = Type.Object(
  { tenant: Type.Optional(Type.String({ maxLength: 128, description: 'Exactly this tenantId.' })) },
  { additionalProperties: false },
);

/** Path of the routes on one endpoint. */
export const WebhookEndpointParamsSchema = Type.Object({ endpointId: uuid });

/** POST /admin/webhooks/{endpointId}/rotate. */
export const WebhookSecretRotatedSchema = Type.Object({
  id: uuid,
  secret: Type.String({ description: 'The new signing secret: shown this once.' }),
  previousSecretExpiresAt: Type.String({
    format: 'date-time',
    description: 'Until then the previous secret signs too: every message carries both signatures.',
  }),
});

/** One attempt to deliver a message, or an operator's re-send (resentAt). */
export const DeliveryAttemptSchema = Type.Object({
  attempt: Type.Optional(Type.Integer()),
  startedAt: Type.Optional(Type.String()),
  durationMs: Type.Optional(Type.Number()),
  statusCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  worker: Type.Optional(Type.String()),
  resentAt: Type.Optional(Type.String()),
});

/** A job's webhook message with its attempts. */
export const JobWebhookSchema = Type.Object({
  webhookId: Type.String({ description: 'The webhook-id header: the same on every attempt.' }),
  endpointId: uuid,
  url: Type.Union([Type.String(), Type.Null()], { description: 'Null once the endpoint is deleted.' }),
  eventType: eventName,
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')], {
    description: 'pending: waiting for its next attempt (or being sent); failed: given up.',
  }),
  attempt: Type.Integer({ description: 'Attempts made (since the last re-send).' }),
  nextAttemptAt: nullableDateTime,
  sending: Type.Boolean({ description: 'An attempt is on its way now.' }),
  createdAt: dateTime,
  finishedAt: nullableDateTime,
  lastError: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Array(DeliveryAttemptSchema),
});

/** GET /admin/jobs/{jobId}/webhooks. */
export const JobWebhooksSchema = Type.Object({ jobId: uuid, webhooks: Type.Array(JobWebhookSchema) });

/** Path of the re-send route. */
export const WebhookMessageParamsSchema = Type.Object({
  webhookId: Type.String({
    pattern: '^msg_[0-9a-fA-F]{32}$',
    examples: ['msg_0193c1d2e3f4a5b6c7d8e9f0a1b2c3d4'],
  }),
});

/** POST /admin/webhooks/messages/{webhookId}/resend. */
export const WebhookResentSchema = Type.Object({
  webhookId: Type.String(),
  status: Type.Literal('pending'),
});
