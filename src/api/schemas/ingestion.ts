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

/** The longest tenantId, in UTF-16 code units (JavaScript string length). */
export const tenantIdMaxLength = 128;

/**
 * The longest path parameter the router takes. A tenantId in a path is percent-encoded: each UTF-16 code
 * unit is at most 3 bytes of UTF-8, each byte `%XX`, so the longest valid tenant id fits; anything longer
 * is refused with 414 before routing.
 */
export const maxParamLength = tenantIdMaxLength * 9;

const tenantIdSchema = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: tenantIdMaxLength,
    pattern: nonBlank,
    description,
    examples: ['acme'],
  });

/**
 * The body of POST /v1/ingestions. `maxItems` is set from the configuration when the app is built.
 * With API keys the key names its tenant, so `tenantId` may be left out (when present it must be the
 * key's); without keys nothing else names the tenant and it stays required, as the template had it.
 */
export function ingestionRequestSchema(maxEvents: number, keysRequired: boolean) {
  const events = Type.Array(EventSchema, { minItems: 1, maxItems: maxEvents });
  return keysRequired
    ? Type.Object({
        tenantId: Type.Optional(
          tenantIdSchema(
            "The tenant; optional, since the write key names it. When sent, it must be the key's.",
          ),
        ),
        events,
      })
    : Type.Object({ tenantId: tenantIdSchema('The tenant the events belong to.'), events });
}

/** A submitted batch; `tenantId` is absent only where a key names the tenant. */
export type IngestionRequest = Static<ReturnType<typeof ingestionRequestSchema>>;

/** The answer to an accepted batch. */
export const IngestionAcceptedSchema = Type.Object({ jobId: Type.String({ format: 'uuid' }) });

/**
 * A UUID in its plain 8-4-4-4-12 hexadecimal form, either case. The `uuid` format alone also passes
 * `urn:uuid:…`, which PostgreSQL refuses.
 */
export const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Path parameter of the job routes. */
export const JobIdParamsSchema = Type.Object({
  jobId: Type.String({ format: 'uuid', pattern: uuidPattern }),
});

/** The headers POST /v1/ingestions reads: Content-Encoding and Idempotency-Key. */
export const IngestionHeadersSchema = Type.Object({
  'content-encoding': Type.Optional(
    Type.String({
      description:
        'gzip, deflate or br: the body is decompressed as it arrives, and MAX_BODY_BYTES applies to the ' +
        'decompressed body. Another coding is answered 415 with Accept-Encoding naming these.',
      examples: ['gzip'],
    }),
  ),
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
  traceparent: Type.Optional(
    Type.String({
      description:
        "W3C Trace Context. Kept with the job: the API's spans, the worker's and the webhook deliveries' " +
        'continue this trace (with tracing on; see docs/operations.md). One that is not valid is ignored.',
      examples: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    }),
  ),
});

/** The headers GET /v1/ingestions/{jobId} reads. */
export const JobStatusHeadersSchema = Type.Object({
  prefer: Type.Optional(
    Type.String({
      description:
        'RFC 7240. `wait=N` (N ≤ 60 seconds) holds the answer until the job has Succeeded or Failed, or N ' +
        'seconds have passed; the answer then carries `Preference-Applied: wait=N`. Other preferences are ignored.',
      examples: ['wait=30'],
    }),
  ),
});
