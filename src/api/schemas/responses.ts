import { Type, type TSchema } from '@sinclair/typebox';
import { ProblemSchema, type Problem } from './problem.js';

// Route response declarations in the form both Fastify and @fastify/swagger read: Fastify serializes each
// body with the schema of its status and content type, @fastify/swagger documents the same schema, the
// response's description and its headers. One declaration, so the document cannot drift from the code.

/** A response header's schema; its description is what the document shows for the header. */
type HeaderSchema = TSchema;

/** Sent on every answer by the app's onSend hook (and by the framework-error handler). */
const correlationIdHeader = {
  'X-Correlation-Id': Type.String({
    description:
      'The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. ' +
      'Every log line of the request carries it: quote it when reporting a problem.',
  }),
};

/** The Location header of an accepted batch. */
export const locationHeader = {
  Location: Type.String({
    description: 'Where the job can be followed: /v1/ingestions/{jobId}.',
    examples: ['/v1/ingestions/3f0c2a4e-8f53-4f0b-9c55-2e0e5e7d8a61'],
  }),
};

/** Set on the 415 that refuses a body's Content-Encoding (RFC 7694): the codings accepted. */
export const acceptEncodingHeader = {
  'Accept-Encoding': Type.String({
    description: 'The content codings a request body may be sent in.',
    examples: ['gzip, deflate, br'],
  }),
};

/** Set on a 202 that answers a repeated Idempotency-Key with the original job. */
export const idempotentReplayedHeader = {
  'Idempotent-Replayed': Type.Literal('true', {
    description:
      'Present, as true, when this answer replays the job stored for an earlier request with the same ' +
      'Idempotency-Key and body; nothing new was stored.',
  }),
};

/** Set on a status answer that honoured `Prefer: wait` (RFC 7240). */
export const preferenceAppliedHeader = {
  'Preference-Applied': Type.String({
    description: 'wait=N when the answer waited (at most N seconds) for the job to finish, as asked.',
    examples: ['wait=30'],
  }),
};

/** Set on every 503: when to try again. */
const retryAfterHeader = {
  'Retry-After': Type.Integer({
    minimum: 0,
    description:
      'Seconds to wait before retrying: 1 while this instance stops, holds as many request bodies as it ' +
      'may (API_MAX_INFLIGHT_BYTES) or as many waiting requests (PREFER_WAIT_MAX_REQUESTS), 5 while the ' +
      'database is unreachable.',
  }),
};

/** A JSON answer with `schema` as its body; generic, so the route's reply stays typed by the schema. */
export function jsonResponse<Schema extends TSchema>(
  description: string,
  schema: Schema,
  headers: Record<string, HeaderSchema> = {},
) {
  return {
    description,
    headers: { ...correlationIdHeader, ...headers },
    content: { 'application/json': { schema } },
  };
}

/** An answer without a body (204); `type: 'null'` is how @fastify/swagger is told there is no content. */
export function emptyResponse(description: string, headers: Record<string, HeaderSchema> = {}) {
  return { type: 'null' as const, description, headers: { ...correlationIdHeader, ...headers } };
}

/**
 * The shared Problem schema by reference (a component of the document), typed as a Problem so that
 * routes keep typed replies.
 */
const problemRef = Type.Unsafe<Problem>(Type.Ref(ProblemSchema.$id!));

/** An `application/problem+json` answer (RFC 9457). */
export function problemResponse(description: string, headers: Record<string, HeaderSchema> = {}) {
  return {
    description,
    headers: { ...correlationIdHeader, ...headers },
    content: { 'application/problem+json': { schema: problemRef } },
  };
}

/** The 500 any route that reaches the database can answer. */
export const internalErrorResponse = problemResponse(
  'An unexpected server error; nothing was stored and the details are in the log under the correlation id.',
);

const unavailableCauses =
  'The database is unreachable (Retry-After: 5), this instance is shutting down (Retry-After: 1)';
const overloadedCause =
  'it already holds as many request bodies as it may, API_MAX_INFLIGHT_BYTES (title Overloaded, Retry-After: 1)';

/** The 503 any route that reaches the database can answer. */
export const unavailableResponse = problemResponse(
  `${unavailableCauses}, ${overloadedCause}, or, for a \`Prefer: wait\` status request, it holds as many ` +
    'waiting requests as it may, PREFER_WAIT_MAX_REQUESTS (Retry-After: 1). Nothing was stored; retry.',
  retryAfterHeader,
);

/** The 503 of POST /v1/ingestions: as any route's, and the one answer that may follow a stored batch. */
export const submitUnavailableResponse = problemResponse(
  `${unavailableCauses}, or ${overloadedCause}: nothing was stored; retry. The one exception is the title ` +
    'Outcome unknown (Retry-After: 5): the database did not confirm in time whether the batch was stored, and ' +
    '`jobId` names the job it has if it was. GET /v1/ingestions/{jobId} tells (404: it was not); a resend ' +
    'with the same Idempotency-Key answers the stored job if there is one.',
  retryAfterHeader,
);

/** The 408 of a route that reads a body: the body arrived too slowly. */
export const bodyTooSlowResponse = problemResponse(
  'The request body arrived slower than API_BODY_MIN_BYTES_PER_SECOND bytes a second after its first ' +
    'API_BODY_GRACE_SECONDS seconds. Nothing was stored and the connection is closed; send the body ' +
    'right after the headers, or smaller batches.',
);

/** The 429 of a `Prefer: wait` status request: the tenant already holds as many waits as it may. */
export const tooManyWaitsResponse = problemResponse(
  "With `Prefer: wait`: the job's tenant already has PREFER_WAIT_TENANT_MAX_REQUESTS requests " +
    'waiting on this instance. Retry after Retry-After seconds, or ask without the preference.',
  { 'Retry-After': Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying.' }) },
);

/** The 429 of POST /v1/ingestions: a tenant over one of its limits. */
export const tooManyRequestsResponse = problemResponse(
  'The tenant is over a limit: RATE_LIMIT_REQUESTS_PER_SECOND, RATE_LIMIT_EVENTS_PER_SECOND, or the ' +
    "key's own (key-requests, key-events), held across all API processes; TENANT_MAX_PENDING_EVENTS " +
    "events waiting to be processed; or, with keys, the tenant's bodies in flight on this instance " +
    'would pass API_TENANT_MAX_INFLIGHT_BYTES (title Too many bodies in flight, no RateLimit ' +
    'fields). Nothing was stored; retry after Retry-After seconds.',
  {
    'Retry-After': Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying.' }),
    'RateLimit-Policy': Type.String({
      description:
        'The limits that apply to the tenant and its key (draft-ietf-httpapi-ratelimit-headers): q is the ' +
        "quota, w the window in seconds; key-requests and key-events are the key's own.",
      examples: ['"requests";q=100;w=1, "key-requests";q=20;w=1, "pending-events";q=1000000'],
    }),
    RateLimit: Type.String({
      description:
        'The limit that was passed: r what remains of it, t the seconds until it allows the request.',
      examples: ['"requests";r=0;t=1'],
    }),
  },
);

/** The problems of the routes that look a job up by the `jobId` in their path. */
export const jobIdProblemResponses = {
  400: problemResponse('The jobId is not a UUID (or the URL holds a malformed percent-escape).'),
  404: problemResponse('No job has this id.'),
  414: problemResponse('The jobId path segment is longer than any valid value.'),
  500: internalErrorResponse,
  503: problemResponse(
    'The database is unreachable (Retry-After: 5) or this instance is shutting down (Retry-After: 1); with ' +
      "a tenant's read key also while the database lacks the row-level security that confines tenant " +
      'reads, until the operator runs the migrations (Retry-After: 30). Retry.',
    retryAfterHeader,
  ),
};

/** Sent with every 401: how to authenticate (RFC 9110, RFC 6750). */
const wwwAuthenticateHeader = {
  'WWW-Authenticate': Type.String({
    description:
      'Bearer realm="ingest" (with error="invalid_request" or "invalid_token" when a credential was sent), ' +
      'and Basic realm="ingest" on POST /v1/ingestions.',
    examples: ['Bearer realm="ingest", error="invalid_token"'],
  }),
};

/**
 * The security requirement and the 401/403 answers of a route that needs an API key (AUTH_MODE=keys);
 * nothing with AUTH_MODE=none, where the route takes no credentials.
 */
export function keyRequirement(
  keysRequired: boolean,
  permission: 'submit' | 'read',
): {
  security: Record<string, string[]>[] | undefined;
  responses: { 401?: ReturnType<typeof problemResponse>; 403?: ReturnType<typeof problemResponse> };
} {
  if (!keysRequired) return { security: undefined, responses: {} };
  return {
    security: permission === 'submit' ? [{ apiKey: [] }, { apiKeyBasic: [] }] : [{ apiKey: [] }],
    responses: {
      401: problemResponse(
        'No usable API key: none sent, more than one Authorization header, a malformed one, or a key that ' +
          'is unknown, revoked or expired (these three answer alike).',
        wwwAuthenticateHeader,
      ),
      403: problemResponse(
        (permission === 'submit'
          ? "The key may not submit for this tenantId: it is not a write key, or it is another tenant's"
          : 'The key may not read: a write key only submits') +
          '; or the key is restricted to origins (keys create --origin) and the request comes from none of them.',
      ),
    },
  };
}
