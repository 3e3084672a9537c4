import { Type, type Static } from '@sinclair/typebox';

const nonBlank = '\\S';

/** One event of a batch. */
export const EventSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 128, pattern: nonBlank, examples: ['page_viewed'] }),
  timestamp: Type.String({
    format: 'rfc3339-date-time',
    description: 'RFC 3339 date-time with an offset (Z or ±hh:mm).',
    examples: ['2024-05-01T12:00:00Z'],
  }),
  payload: Type.Optional(
    Type.Unknown({ description: 'Any JSON; stored as null when absent.', examples: [{ page: '/home' }] }),
  ),
});

/** The body of POST /v1/ingestions. `maxItems` is set from the configuration when the app is built. */
export function ingestionRequestSchema(maxEvents: number) {
  return Type.Object({
    tenantId: Type.String({ minLength: 1, maxLength: 128, pattern: nonBlank, examples: ['acme'] }),
    events: Type.Array(EventSchema, { minItems: 1, maxItems: maxEvents }),
  });
}

/** A submitted batch. */
export type IngestionRequest = Static<ReturnType<typeof ingestionRequestSchema>>;

/** The answer to an accepted batch. */
export const IngestionAcceptedSchema = Type.Object({ jobId: Type.String({ format: 'uuid' }) });

/** Path parameter of the job routes. */
export const JobIdParamsSchema = Type.Object({ jobId: Type.String({ format: 'uuid' }) });

/** The Idempotency-Key header. */
export const IngestionHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: nonBlank,
      description:
        'Makes a retry safe: the same key and body from the same tenant return the original job (202, ' +
        'Idempotent-Replayed: true); the same key with another body is refused with 422.',
      examples: ['order-42'],
    }),
  ),
});
