import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyAuthenticator } from '../auth/keyAuthenticator.js';
import type { AdminConfig } from '../config/config.js';
import { loopbackRefusal } from './loopbackRequest.js';

/** How the admin API and the dashboard are protected in this process. */
export type AdminAccessMode = 'keys' | 'token' | 'loopback' | 'refused';

/** Why a request may not use the admin API: a problem to answer with. */
export interface AccessRefusal {
  status: 401 | 403;
  title: string;
  detail: string;
  /** Sent as WWW-Authenticate on a 401. */
  challenge?: string;
}

/** Whether the address a server listens on is reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Decides who may use the admin API and the dashboard. With AUTH_MODE=keys (an `authenticator` given),
 * a request must carry `Authorization: Bearer <admin key>`, or the ADMIN_TOKEN when one is set. Otherwise,
 * with ADMIN_TOKEN set, a request must carry `Authorization: Bearer <token>`, compared in constant time
 * (both sides hashed first, so neither the length nor a common prefix shows in the timing). Without
 * either they are open only when the service listens on loopback, and then only to requests this host
 * made itself (see loopbackRequest.ts); otherwise they are refused.
 */
export class AdminAccess {
  readonly mode: AdminAccessMode;
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    config: AdminConfig,
    private readonly listenHost: string,
    private readonly authenticator?: ApiKeyAuthenticator,
  ) {
    this.tokenDigest = config.token === undefined ? undefined : digest(config.token);
    this.mode = authenticator
      ? 'keys'
      : config.token !== undefined
        ? 'token'
        : isLoopbackHost(listenHost)
          ? 'loopback'
          : 'refused';
  }

  /** One sentence for the start-up log. */
  describe(): string {
    switch (this.mode) {
      case 'keys':
        return (
          'admin API and dashboard (/admin, /ui) require Authorization: Bearer <admin key>' +
          (this.tokenDigest ? ' or <ADMIN_TOKEN>' : '')
        );
      case 'token':
        return 'admin API and dashboard (/admin, /ui) require Authorization: Bearer <ADMIN_TOKEN>';
      case 'loopback':
        return `admin API and dashboard (/admin, /ui) are open without a token: the service listens on loopback (${this.listenHost}) only, and they answer requests addressed to localhost, 127.0.0.1 or [::1] from no other site and through no proxy`;
      case 'refused':
        return `admin API and dashboard (/admin, /ui) are disabled: the service listens on ${this.listenHost} and ADMIN_TOKEN is not set`;
    }
  }

  /** Whether the dashboard's pages may be served: their data still needs the token, via the admin API. */
  refusesPages(headers: IncomingHttpHeaders): AccessRefusal | undefined {
    if (this.mode === 'loopback') return this.loopbackOnly(loopbackRefusal(headers, true));
    return this.mode === 'refused' ? this.disabled() : undefined;
  }

  /** Undefined when the request may use the admin API, else the problem to answer with. */
  async check(headers: IncomingHttpHeaders): Promise<AccessRefusal | undefined> {
    if (this.mode === 'loopback') return this.loopbackOnly(loopbackRefusal(headers));
    if (this.mode === 'refused') return this.disabled();
    const { authorization } = headers;
    // Longer than any key or token: not compared, not looked up.
    const match =
      (authorization?.length ?? 0) <= 1024 ? /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '') : null;
    if (match && this.tokenDigest && timingSafeEqual(digest(match[1]!), this.tokenDigest)) return undefined;
    if (this.mode === 'keys') return this.checkKey(match?.[1]);
    return {
      status: 401,
      title: 'Unauthorized',
      detail: match
        ? 'The bearer token is not the ADMIN_TOKEN this service was started with.'
        : 'Send the admin token as the header Authorization: Bearer <ADMIN_TOKEN>.',
      challenge: `Bearer realm="ingest-admin"${match ? ', error="invalid_token"' : ''}`,
    };
  }

  /** With AUTH_MODE=keys: an admin key may; another kind is refused, an unusable key is unknown. */
  private async checkKey(keyText: string | undefined): Promise<AccessRefusal | undefined> {
    const caller = keyText === undefined ? undefined : await this.authenticator!.authenticate(keyText);
    if (caller?.kind === 'admin') return undefined;
    if (caller) {
      return {
        status: 403,
        title: 'Forbidden',
        detail: `This is a ${caller.kind} key of a tenant; the admin API and dashboard need an admin key (ik_admin_…).`,
      };
    }
    return {
      status: 401,
      title: 'Unauthorized',
      detail:
        keyText === undefined
          ? 'Send an admin key as the header Authorization: Bearer <key> (npm run keys -- create --kind admin).'
          : 'The key is not valid: it is unknown, revoked or expired, and it is not the ADMIN_TOKEN.',
      challenge: `Bearer realm="ingest-admin"${keyText === undefined ? '' : ', error="invalid_token"'}`,
    };
  }

  private loopbackOnly(detail: string | undefined): AccessRefusal | undefined {
    return detail === undefined
      ? undefined
      : { status: 403, title: 'Admin API open to this host only', detail };
  }

  private disabled(): AccessRefusal {
    return {
      status: 403,
      title: 'Admin API disabled',
      detail:
        `This service listens on ${this.listenHost}, where others can reach it, and no ADMIN_TOKEN is set. ` +
        'Set ADMIN_TOKEN (16+ characters) and send Authorization: Bearer <token>, or listen on 127.0.0.1.',
    };
  }
}
