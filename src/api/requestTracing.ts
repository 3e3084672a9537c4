import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseTraceparent } from '../domain/traceparent.js';
import type { JobInsertOutcome, NewJob } from '../data/ingestionStore.js';
import { inSpan, type TraceSpan, type Tracing } from '../tracing/tracing.js';

const requestSpans = new WeakMap<FastifyRequest, TraceSpan>();

/**
 * A server span per request, the child of the request's `traceparent` when it sends a valid one (W3C
 * Trace Context; an invalid one is ignored and a new trace starts). Health probes and /metrics are left
 * out: they are many and say nothing about a request. Nothing is registered when tracing is off.
 */
export function registerRequestTracing(app: FastifyInstance, tracing: Tracing): void {
  if (!tracing.enabled) return;
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined || route.startsWith('/health/') || route === '/metrics') return;
    const header = request.headers.traceparent;
    const span = tracing.startSpan(`${request.method} ${route}`, {
      parent: typeof header === 'string' ? header : undefined,
      kind: 'server',
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': request.url.split('?')[0],
      },
    });
    requestSpans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = requestSpans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.fail(new Error(`answered ${reply.statusCode}`));
    span.end();
  });
}

/** The request's span; undefined when tracing is off or the route is not traced. */
export function requestSpanOf(request: FastifyRequest): TraceSpan | undefined {
  return requestSpans.get(request);
}

/**
 * The traceparent a job submitted by this request keeps, for the workers to continue: the request's span
 * when tracing is on, else the request's own header when it is a valid one, else none.
 */
export function jobTraceparentOf(request: FastifyRequest): string | undefined {
  const span = requestSpans.get(request);
  if (span) return span.traceparent;
  const header = request.headers.traceparent;
  return typeof header === 'string' && parseTraceparent(header) ? header.trim() : undefined;
}

/** What stores an accepted job (the insert batcher). */
export interface JobInserter {
  insert(job: NewJob): Promise<JobInsertOutcome>;
}

/**
 * `inserter` with a span around each job's insert, from the request's wait for a statement to its commit:
 * a child of the request's span, whose traceparent the job carries.
 */
export function tracedJobInserter(inserter: JobInserter, tracing: Tracing): JobInserter {
  if (!tracing.enabled) return inserter;
  return {
    insert: (job) =>
      inSpan(
        tracing,
        'insert ingestion job',
        { parent: job.traceparent, attributes: { 'db.system.name': 'postgresql' } },
        () => inserter.insert(job),
      ),
  };
}
