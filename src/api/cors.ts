import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CorsConfig } from '../config/corsConfig.js';
import { sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Which origins a browser may call the route from: `submit` (CORS_ALLOWED_ORIGINS, and any origin
     * when it lists `*`) or `read` (the listed origins only). Routes without it never answer CORS.
     */
    cors?: CorsPolicy;
  }
}

/** What a route does, which decides the origins that may call it. */
export type CorsPolicy = 'submit' | 'read';

/** Seconds a browser may reuse a preflight's answer: Chromium's own cap (Firefox allows a day). */
export const preflightMaxAgeSeconds = 7200;

/** Request headers a page may send: the ones the /v1 routes read. */
export const corsAllowedHeaders = [
  'Authorization',
  'Content-Type',
  'Content-Encoding',
  'Idempotency-Key',
  'Prefer',
  'X-Correlation-Id',
];

/** Response headers a page may read besides the CORS-safelisted ones. */
export const corsExposedHeaders = [
  'Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'X-Correlation-Id',
  'Idempotent-Replayed',
  'Preference-Applied',
  'Accept-Encoding',
  'WWW-Authenticate',
];

/** Whether pages of `origin` may make requests of `policy`. */
export function originAllowed(cors: CorsConfig, policy: CorsPolicy, origin: string): boolean {
  if (policy === 'submit' && cors.anyOriginSubmits) return true;
  return cors.origins.includes(origin.toLowerCase());
}

/** Whether any origin at all may call the /v1 routes (CORS_ALLOWED_ORIGINS is set). */
export const corsEnabled = (cors: CorsConfig) => cors.anyOriginSubmits || cors.origins.length > 0;

/** Adds `value` to the Vary header without repeating what is there. */
function vary(reply: FastifyReply, ...names: string[]): void {
  const current = String(reply.getHeader('vary') ?? '');
  const present = current.split(',').map((name) => name.trim().toLowerCase());
  const added = names.filter((name) => !present.includes(name.toLowerCase()));
  if (added.length > 0) reply.header('vary', [current, ...added].filter(Boolean).join(', '));
}

/**
 * The CORS headers of the answers of routes that declare a policy (config.cors): an allowed Origin is
 * echoed with the headers a page needs to read; answers from other origins carry none, which is how a
 * browser learns it may not read them. Set in onSend, so errors and early refusals carry them too: a
 * page must be able to read a 401, 413 or 429 to act on it. Nothing changes while CORS is off.
 */
export function registerCors(app: FastifyInstance, cors: CorsConfig): void {
  if (!corsEnabled(cors)) return;
  app.addHook('onSend', async (request, reply) => {
    const policy = request.routeOptions.config?.cors;
    if (policy === undefined || request.method === 'OPTIONS') return;
    vary(reply, 'Origin');
    const origin = request.headers.origin;
    if (!origin || !originAllowed(cors, policy, origin)) return;
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-expose-headers', corsExposedHeaders.join(', '));
  });
}

/**
 * Answers a preflight (OPTIONS with Origin and Access-Control-Request-Method) for a path whose methods
 * have the given policies: 204 with what the origin may send, cached for {@link preflightMaxAgeSeconds}
 * by the browser; a 405 problem naming the methods the path answers, or a 403 problem saying what to
 * configure. A plain OPTIONS (no Origin) is told the
 * methods in Allow.
 */
export function answerPreflight(
  cors: CorsConfig,
  methods: Readonly<Partial<Record<string, CorsPolicy>>>,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const allow = ['OPTIONS', ...Object.keys(methods)].join(', ');
  const origin = request.headers.origin;
  const requested = request.headers['access-control-request-method'];
  if (!origin || requested === undefined) return reply.code(204).header('allow', allow).send();
  reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  const policy = methods[requested.trim().toUpperCase()];
  if (policy === undefined) {
    return sendProblem(request, reply.header('allow', allow), {
      status: 405,
      title: 'Method not allowed',
      detail: `${request.url.split('?')[0]} answers ${allow} only.`,
    });
  }
  if (!originAllowed(cors, policy, origin)) {
    const readsAnywhere = policy === 'read' && cors.anyOriginSubmits;
    return sendProblem(request, reply, {
      status: 403,
      title: 'Origin not allowed',
      detail: !corsEnabled(cors)
        ? 'This service answers no cross-origin requests: CORS_ALLOWED_ORIGINS is not set.'
        : `Pages of ${JSON.stringify(origin.slice(0, 200))} may not ${policy === 'submit' ? 'submit' : 'read'} here: ` +
          `list the origin in CORS_ALLOWED_ORIGINS${readsAnywhere ? ' (* lets any page submit events, not read)' : ''}.`,
    });
  }
  const allowedMethods = Object.entries(methods)
    .filter(([, methodPolicy]) => originAllowed(cors, methodPolicy!, origin))
    .map(([method]) => method);
  return reply
    .code(204)
    .header('access-control-allow-origin', origin)
    .header('access-control-allow-methods', allowedMethods.join(', '))
    .header('access-control-allow-headers', corsAllowedHeaders.join(', '))
    .header('access-control-max-age', String(preflightMaxAgeSeconds))
    .send();
}
