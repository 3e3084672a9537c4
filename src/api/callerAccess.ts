import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.js';
import { readCredential } from '../auth/credentials.js';
import type { ApiKeyAuthenticator } from '../auth/keyAuthenticator.js';
import { sendProblem } from './problem.js';

/** What a route does with a tenant's data: submit events, or read jobs and results. */
export type Permission = 'submit' | 'read';

const callers = new WeakMap<FastifyRequest, { caller: Caller; keyText: string }>();

/** The caller the request's key identified; undefined with AUTH_MODE=none. */
export function callerOf(request: FastifyRequest): Caller | undefined {
  return callers.get(request)?.caller;
}

/** The key the request was let in with, to look it up again while the request lasts (`Prefer: wait`). */
export function keyTextOf(request: FastifyRequest): string | undefined {
  return callers.get(request)?.keyText;
}

/**
 * RFC 6750's Bearer challenge, with the error when a credential was sent; Basic too where it is accepted
 * (submitting).
 */
export function keyChallenge(allowBasic: boolean, error?: string): string {
  return `Bearer realm="ingest"${error ? `, error="${error}"` : ''}${allowBasic ? ', Basic realm="ingest"' : ''}`;
}

/** Every Authorization header as the client sent it (Node keeps only the first of repeated ones). */
function authorizationHeaders(request: FastifyRequest): string[] {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.toLowerCase() === 'authorization') values.push(raw[i + 1]!);
  return values;
}

// What each kind of key may not do, and what to use instead: a write key may ship inside clients, so it
// reads nothing; read and admin keys submit nothing.
const refusedKind: Record<Permission, Record<Caller['kind'], string | undefined>> = {
  submit: {
    write: undefined,
    read: 'A read key cannot submit events; use a write key of the tenant (ik_write_…).',
    admin: 'An admin key cannot submit events; use a write key of the tenant (ik_write_…).',
  },
  read: {
    write:
      'A write key cannot read jobs or results (it may be shipped inside clients); use a read key of the tenant (ik_read_…).',
    read: undefined,
    admin: undefined,
  },
};

/**
 * Why a key restricted to origins (`keys create --origin`) may not be used from this request's Origin,
 * or undefined when it may. A request without an Origin is refused too: browsers always send one
 * with a cross-origin request, so a restricted key used without one is not used from its pages.
 */
function refusedOrigin(caller: Caller, origin: string | undefined): string | undefined {
  const allowed = caller.allowedOrigins;
  if (allowed === undefined || (origin !== undefined && allowed.includes(origin.toLowerCase())))
    return undefined;
  return (
    `This key may be used only from pages of ${allowed.join(', ')}; the request ` +
    (origin === undefined
      ? 'carries no Origin header.'
      : `comes from ${JSON.stringify(origin.slice(0, 200))}.`) +
    ' Use a key made for this origin (npm run keys -- create --origin <origin>).'
  );
}

/**
 * The onRequest hook of a route that needs a key (AUTH_MODE=keys): answers 401 with WWW-Authenticate
 * when the request carries no usable key (missing, malformed, unknown, revoked or expired: the last
 * three alike), 403 when the key's kind may not do `permission`, and otherwise remembers the caller for
 * the handler, which checks the tenant. It runs before the body is read: nothing is parsed for a
 * stranger.
 */
export function requireKey(authenticator: ApiKeyAuthenticator, permission: Permission) {
  const allowBasic = permission === 'submit';
  const challenge = (error?: string) => keyChallenge(allowBasic, error);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const credential = readCredential(authorizationHeaders(request), allowBasic);
    let detail: string;
    if (credential.outcome === 'missing') {
      reply.header('www-authenticate', challenge());
      detail = allowBasic
        ? 'This service requires an API key: send Authorization: Bearer <key> (or HTTP Basic with the key as user name and an empty password).'
        : 'This service requires an API key: send Authorization: Bearer <key>.';
    } else if (credential.outcome === 'malformed') {
      reply.header('www-authenticate', challenge('invalid_request'));
      detail = credential.detail;
    } else {
      const caller = await authenticator.authenticate(credential.text);
      if (caller) {
        const refusal = refusedKind[permission][caller.kind];
        if (refusal) return sendProblem(request, reply, { status: 403, title: 'Forbidden', detail: refusal });
        const originRefusal = refusedOrigin(caller, request.headers.origin);
        if (originRefusal)
          return sendProblem(request, reply, {
            status: 403,
            title: 'Origin not allowed',
            detail: originRefusal,
          });
        callers.set(request, { caller, keyText: credential.text });
        return;
      }
      reply.header('www-authenticate', challenge('invalid_token'));
      detail =
        'The API key is not valid: it is unknown, revoked or expired. Ask for a new key (npm run keys -- create).';
    }
    return sendProblem(request, reply, { status: 401, title: 'Unauthorized', detail });
  };
}
