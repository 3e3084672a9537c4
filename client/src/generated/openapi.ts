// Generated from the service's OpenAPI document by `npm run client:types` (scripts/clientTypes.ts)
// with openapi-typescript. Do not edit: a test fails when this file differs from a fresh generation.
export interface paths {
    "/v1/ingestions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A tenant's jobs
         * @description The tenant's own jobs, newest first, optionally of some statuses and created in a time range, one page at a time: pass nextCursor back as cursor for the next page (a page costs the same however deep). With a read key, the key's tenant; the database's row-level security confines the read to it.
         */
        get: operations["listIngestions"];
        put?: never;
        /**
         * Submit a batch of events
         * @description Stores the job and all its events in one transaction before answering 202; a worker aggregates them in the background. Any answer other than 202 means nothing was stored, with one exception: a 503 titled Outcome unknown, sent when the database did not confirm whether the commit went through, names the jobId the batch has if it was stored. With an Idempotency-Key, repeating the same request returns the same job (even when the requests race), and reusing the key with another body is refused with 422.
         */
        post: operations["submitIngestion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingestions/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A job's status
         * @description Where the job is: Pending (waiting, or waiting for a retry until availableAt), Processing, Succeeded or Failed (after maxAttempts attempts; error says why the last one failed). With `Prefer: wait=N` (N ≤ 60), the answer comes once the job has Succeeded or Failed, or after N seconds, with `Preference-Applied: wait=N`; a wait past the caps of this instance (PREFER_WAIT_MAX_REQUESTS, and PREFER_WAIT_TENANT_MAX_REQUESTS for one tenant) is refused with Retry-After, and one whose key is revoked meanwhile ends with a 401.
         */
        get: operations["getIngestion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/results/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A job's results
         * @description Counts per event type (grouped ignoring case, named with the casing of the first event of the type), with the earliest and latest timestamp, ordered by type ignoring case. The list is empty until the job has Succeeded; status says where the job is. A job completed by a processor written in TypeScript has its result in `output` instead, and an empty list.
         */
        get: operations["getResults"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            /**
             * @description A URI naming the kind of problem: about:blank for every problem this service answers, whose kind is then told by status and title (RFC 9457, section 4.2.1).
             * @example about:blank
             */
            type: string;
            title: string;
            status: number;
            /** @description What went wrong with this request and how to fix it. */
            detail: string;
            instance?: string;
            correlationId?: string;
            /** @description Field path (tenantId, events[3].timestamp) to what is wrong with it. */
            errors?: {
                [key: string]: string[];
            };
            /**
             * Format: uuid
             * @description The job a 422 refers to (stored for the reused Idempotency-Key), or, on a 503 Outcome unknown, the job the batch has if it was stored.
             */
            jobId?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listIngestions: {
        parameters: {
            query?: {
                /**
                 * @description Optional with a read key, whose tenant it must be; required with an admin key, which belongs to no tenant.
                 * @example acme
                 */
                tenantId?: string;
                /**
                 * @description Comma-separated statuses, e.g. Failed or Pending,Processing; every status when absent.
                 * @example Pending,Processing
                 */
                status?: string;
                /**
                 * @description Created at or after (RFC 3339 date-time).
                 * @example 2024-05-01T00:00:00Z
                 */
                from?: string;
                /** @description Created before (RFC 3339 date-time). */
                to?: string;
                /** @description nextCursor of the previous page, unchanged. */
                cursor?: string;
                /** @description Page size, 1 to 200; 50 by default. */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs. */
            200: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Newest first. */
                        jobs: {
                            /** Format: uuid */
                            jobId: string;
                            /**
                             * @description Pending, Processing, Succeeded or Failed, as the .NET template spelled them.
                             * @enum {string}
                             */
                            status: "Pending" | "Processing" | "Succeeded" | "Failed";
                            /** @description Attempts started so far. */
                            attempt: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            /** @description When the job Succeeded or Failed. */
                            processedAt: string | null;
                            /** @description Why the last attempt failed. */
                            error: string | null;
                            tenantId: string;
                            eventCount: number;
                            maxAttempts: number;
                            /**
                             * Format: date-time
                             * @description When the job may next be attempted.
                             */
                            availableAt: string;
                        }[];
                        /** @description Pass it as cursor for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description The filter, cursor or page size is invalid; errors says what to fix. */
            400: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No usable API key: none sent, more than one Authorization header, a malformed one, or a key that is unknown, revoked or expired (these three answer alike). */
            401: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Bearer realm="ingest" (with error="invalid_request" or "invalid_token" when a credential was sent), and Basic realm="ingest" on POST /v1/ingestions. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key may not read (a write key only submits), tenantId names another tenant than the read key's, or the key is restricted to origins (keys create --origin) and the request comes from none of them. */
            403: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected server error; nothing was stored and the details are in the log under the correlation id. */
            500: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The database is unreachable (Retry-After: 5), this instance is shutting down (Retry-After: 1), it already holds as many request bodies as it may, API_MAX_INFLIGHT_BYTES (title Overloaded, Retry-After: 1), or, for a `Prefer: wait` status request, it holds as many waiting requests as it may, PREFER_WAIT_MAX_REQUESTS (Retry-After: 1). Nothing was stored; retry. */
            503: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Seconds to wait before retrying: 1 while this instance stops, holds as many request bodies as it may (API_MAX_INFLIGHT_BYTES) or as many waiting requests (PREFER_WAIT_MAX_REQUESTS), 5 while the database is unreachable. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    submitIngestion: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description gzip, deflate or br: the body is decompressed as it arrives, and MAX_BODY_BYTES applies to the decompressed body. Another coding is answered 415 with Accept-Encoding naming these.
                 * @example gzip
                 */
                "Content-Encoding"?: string;
                /**
                 * @description Makes a retry safe: the same key and body from the same tenant return the original job (202, Idempotent-Replayed: true); the same key with another body is refused with 422.
                 * @example order-42
                 */
                "Idempotency-Key"?: string;
                /**
                 * @description W3C Trace Context. Kept with the job: the API's spans, the worker's and the webhook deliveries' continue this trace (with tracing on; see docs/operations.md). One that is not valid is ignored.
                 * @example 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
                 */
                Traceparent?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description The tenant; optional, since the write key names it. When sent, it must be the key's.
                     * @example acme
                     */
                    tenantId?: string;
                    events: {
                        /** @example page_viewed */
                        type: string;
                        /**
                         * Format: date-time
                         * @description RFC 3339 date-time with an offset (Z or ±hh:mm).
                         * @example 2024-05-01T12:00:00Z
                         */
                        timestamp: string;
                        /**
                         * @description Any JSON; stored as null when absent.
                         * @example {
                         *       "page": "/home"
                         *     }
                         */
                        payload?: unknown;
                    }[];
                };
            };
        };
        responses: {
            /** @description Accepted: the job and its events are stored. */
            202: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Where the job can be followed: /v1/ingestions/{jobId}. */
                    Location?: string;
                    /** @description Present, as true, when this answer replays the job stored for an earlier request with the same Idempotency-Key and body; nothing new was stored. */
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        jobId: string;
                    };
                };
            };
            /** @description Invalid input: malformed or empty JSON, a compressed body that does not decompress, a body that breaks the rules, or a bad Idempotency-Key. `errors` maps each field path to what to fix. */
            400: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No usable API key: none sent, more than one Authorization header, a malformed one, or a key that is unknown, revoked or expired (these three answer alike). */
            401: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Bearer realm="ingest" (with error="invalid_request" or "invalid_token" when a credential was sent), and Basic realm="ingest" on POST /v1/ingestions. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key may not submit for this tenantId: it is not a write key, or it is another tenant's; or the key is restricted to origins (keys create --origin) and the request comes from none of them. */
            403: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request body arrived slower than API_BODY_MIN_BYTES_PER_SECOND bytes a second after its first API_BODY_GRACE_SECONDS seconds. Nothing was stored and the connection is closed; send the body right after the headers, or smaller batches. */
            408: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too large: the body (decompressed, when it is sent compressed) is over MAX_BODY_BYTES, there are more than MAX_EVENTS_PER_REQUEST (2500) events, or one payload is over MAX_PAYLOAD_BYTES (32768) of JSON. Split the batch. */
            413: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not sent as JSON (use Content-Type: application/json), is declared in a charset other than UTF-8, or is compressed with a coding other than gzip, deflate or br (then Accept-Encoding names those). */
            415: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description The content codings a request body may be sent in. */
                    "Accept-Encoding"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was already used by this tenant with a different body; `jobId` names the job stored for it. */
            422: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The tenant is over a limit: RATE_LIMIT_REQUESTS_PER_SECOND, RATE_LIMIT_EVENTS_PER_SECOND, or the key's own (key-requests, key-events), held across all API processes; TENANT_MAX_PENDING_EVENTS events waiting to be processed; or, with keys, the tenant's bodies in flight on this instance would pass API_TENANT_MAX_INFLIGHT_BYTES (title Too many bodies in flight, no RateLimit fields). Nothing was stored; retry after Retry-After seconds. */
            429: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    /** @description The limits that apply to the tenant and its key (draft-ietf-httpapi-ratelimit-headers): q is the quota, w the window in seconds; key-requests and key-events are the key's own. */
                    "RateLimit-Policy"?: string;
                    /** @description The limit that was passed: r what remains of it, t the seconds until it allows the request. */
                    RateLimit?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected server error; nothing was stored and the details are in the log under the correlation id. */
            500: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The database is unreachable (Retry-After: 5), this instance is shutting down (Retry-After: 1), or it already holds as many request bodies as it may, API_MAX_INFLIGHT_BYTES (title Overloaded, Retry-After: 1): nothing was stored; retry. The one exception is the title Outcome unknown (Retry-After: 5): the database did not confirm in time whether the batch was stored, and `jobId` names the job it has if it was. GET /v1/ingestions/{jobId} tells (404: it was not); a resend with the same Idempotency-Key answers the stored job if there is one. */
            503: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Seconds to wait before retrying: 1 while this instance stops, holds as many request bodies as it may (API_MAX_INFLIGHT_BYTES) or as many waiting requests (PREFER_WAIT_MAX_REQUESTS), 5 while the database is unreachable. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getIngestion: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description RFC 7240. `wait=N` (N ≤ 60 seconds) holds the answer until the job has Succeeded or Failed, or N seconds have passed; the answer then carries `Preference-Applied: wait=N`. Other preferences are ignored.
                 * @example wait=30
                 */
                Prefer?: string;
            };
            path: {
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description wait=N when the answer waited (at most N seconds) for the job to finish, as asked. */
                    "Preference-Applied"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        jobId: string;
                        /**
                         * @description Pending, Processing, Succeeded or Failed, as the .NET template spelled them.
                         * @enum {string}
                         */
                        status: "Pending" | "Processing" | "Succeeded" | "Failed";
                        /** @description Attempts started so far. */
                        attempt: number;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        /** @description When the job Succeeded or Failed. */
                        processedAt: string | null;
                        /** @description Why the last attempt failed. */
                        error: string | null;
                        tenantId: string;
                        eventCount: number;
                        maxAttempts: number;
                        /**
                         * Format: date-time
                         * @description When the job may next be attempted.
                         */
                        availableAt: string;
                    };
                };
            };
            /** @description The jobId is not a UUID (or the URL holds a malformed percent-escape). */
            400: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No usable API key: none sent, more than one Authorization header, a malformed one, or a key that is unknown, revoked or expired (these three answer alike). */
            401: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Bearer realm="ingest" (with error="invalid_request" or "invalid_token" when a credential was sent), and Basic realm="ingest" on POST /v1/ingestions. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key may not read: a write key only submits; or the key is restricted to origins (keys create --origin) and the request comes from none of them. */
            403: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No job has this id. */
            404: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The jobId path segment is longer than any valid value. */
            414: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description With `Prefer: wait`: the job's tenant already has PREFER_WAIT_TENANT_MAX_REQUESTS requests waiting on this instance. Retry after Retry-After seconds, or ask without the preference. */
            429: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected server error; nothing was stored and the details are in the log under the correlation id. */
            500: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The database is unreachable (Retry-After: 5) or this instance is shutting down (Retry-After: 1); with a tenant's read key also while the database lacks the row-level security that confines tenant reads, until the operator runs the migrations (Retry-After: 30). Retry. */
            503: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Seconds to wait before retrying: 1 while this instance stops, holds as many request bodies as it may (API_MAX_INFLIGHT_BYTES) or as many waiting requests (PREFER_WAIT_MAX_REQUESTS), 5 while the database is unreachable. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getResults: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job's results. */
            200: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        jobId: string;
                        /**
                         * @description Results are listed once the job has Succeeded; until then the list is empty.
                         * @enum {string}
                         */
                        status: "Pending" | "Processing" | "Succeeded" | "Failed";
                        /** @description The template's aggregation by type. Empty when a processor written in TypeScript completed the job: its result is `output`. */
                        results: {
                            /** @description The casing of the first event of this type in the batch. */
                            eventType: string;
                            count: number;
                            /** Format: date-time */
                            firstTimestamp: string;
                            /** Format: date-time */
                            lastTimestamp: string;
                        }[];
                        /** @description What the processor written in TypeScript (PROCESSOR_MODULE, see docs/customizing.md) returned for this job: any JSON value, stored with Succeeded in one statement. Absent when the job has not Succeeded or was completed by the template's aggregation (see `results`). */
                        output?: unknown;
                    };
                };
            };
            /** @description The jobId is not a UUID (or the URL holds a malformed percent-escape). */
            400: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No usable API key: none sent, more than one Authorization header, a malformed one, or a key that is unknown, revoked or expired (these three answer alike). */
            401: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Bearer realm="ingest" (with error="invalid_request" or "invalid_token" when a credential was sent), and Basic realm="ingest" on POST /v1/ingestions. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key may not read: a write key only submits; or the key is restricted to origins (keys create --origin) and the request comes from none of them. */
            403: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No job has this id. */
            404: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The jobId path segment is longer than any valid value. */
            414: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected server error; nothing was stored and the details are in the log under the correlation id. */
            500: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The database is unreachable (Retry-After: 5) or this instance is shutting down (Retry-After: 1); with a tenant's read key also while the database lacks the row-level security that confines tenant reads, until the operator runs the migrations (Retry-After: 30). Retry. */
            503: {
                headers: {
                    /** @description The X-Correlation-Id the request sent (printable ASCII, at most 128 characters), else a new UUID. Every log line of the request carries it: quote it when reporting a problem. */
                    "X-Correlation-Id"?: string;
                    /** @description Seconds to wait before retrying: 1 while this instance stops, holds as many request bodies as it may (API_MAX_INFLIGHT_BYTES) or as many waiting requests (PREFER_WAIT_MAX_REQUESTS), 5 while the database is unreachable. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
