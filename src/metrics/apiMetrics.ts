import { Counter, Histogram, type Registry } from 'prom-client';
import { httpBuckets } from './buckets.js';

/** Why an ingestion request was refused: a bounded set, one per kind of answer. */
export const rejectionReasons = [
  'invalid',
  'too_large',
  'unsupported_media_type',
  'idempotency_conflict',
  'rate_limited',
  'pending_quota',
  'overloaded',
  'tenant_inflight',
  'too_slow',
  'unavailable',
  'internal_error',
  'other',
] as const;

/** One of {@link rejectionReasons}. */
export type RejectionReason = (typeof rejectionReasons)[number];

/** What the HTTP API records. Every method is cheap enough to call on each request. */
export interface ApiMetrics {
  /** A new job was stored (a replayed Idempotency-Key stores nothing and is not counted). */
  jobAccepted(events: number): void;
  /**
   * An ingestion request was answered with a 4xx or 5xx; `reason` when the answer's status alone does not
   * say it (a 503 for lack of room rather than an unreachable database, a 429 for the pending-events cap).
   */
  requestRejected(statusCode: number, reason?: RejectionReason): void;
  /** Any request was answered; `route` is the route template, never the raw URL. */
  requestCompleted(method: string, route: string, statusCode: number, seconds: number): void;
}

/** The reason label of an ingestion request answered with `statusCode`. */
export function rejectionReason(statusCode: number): RejectionReason {
  switch (statusCode) {
    case 400:
    case 414:
      return 'invalid';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 408:
      return 'too_slow';
    case 422:
      return 'idempotency_conflict';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    case 500:
      return 'internal_error';
    default:
      return 'other';
  }
}

/** Records nothing: METRICS_ENABLED=false. */
export const noApiMetrics: ApiMetrics = {
  jobAccepted() {},
  requestRejected() {},
  requestCompleted() {},
};

/**
 * The API's metrics on `registry`. Label children are made once per distinct label set and kept, so a
 * request builds no label object: it finds its child with three map lookups of values it already holds.
 */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const jobsAccepted = new Counter({
    name: 'ingest_jobs_accepted_total',
    help: 'Jobs stored by POST /v1/ingestions (a replayed Idempotency-Key stores nothing and is not counted).',
    registers: [registry],
  });
  const eventsAccepted = new Counter({
    name: 'ingest_events_accepted_total',
    help: 'Events stored with the accepted jobs.',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'ingest_requests_rejected_total',
    help: 'POST /v1/ingestions requests answered with an error, by reason (invalid, too_large, unsupported_media_type, idempotency_conflict, rate_limited, pending_quota, overloaded, tenant_inflight, too_slow, unavailable, internal_error, other).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: httpBuckets,
    registers: [registry],
  });

  // Every reason from the start, at 0: rate() sees the first rejection, and an alert on a reason has a series.
  for (const reason of rejectionReasons) rejected.labels(reason).inc(0);
  const rejectedByStatus = new Map<number, { inc(): void }>();
  // route → method → status code → child: three lookups of values the request already holds.
  const durationChildren = new Map<string, Map<string, Map<number, { observe(value: number): void }>>>();

  return {
    jobAccepted(events) {
      jobsAccepted.inc();
      eventsAccepted.inc(events);
    },
    requestRejected(statusCode, reason) {
      if (reason !== undefined) {
        rejected.labels(reason).inc();
        return;
      }
      let child = rejectedByStatus.get(statusCode);
      if (!child) {
        child = rejected.labels(rejectionReason(statusCode));
        rejectedByStatus.set(statusCode, child);
      }
      child.inc();
    },
    requestCompleted(method, route, statusCode, seconds) {
      let byMethod = durationChildren.get(route);
      if (!byMethod) durationChildren.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let child = byStatus.get(statusCode);
      if (!child) {
        child = duration.labels(method, route, String(statusCode));
        byStatus.set(statusCode, child);
      }
      child.observe(seconds);
    },
  };
}
