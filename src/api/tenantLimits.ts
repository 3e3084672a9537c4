import type { RateLimitConfig } from '../config/config.js';
import { TokenBucket } from '../domain/tokenBucket.js';

/** Limits of one caller, on top of its tenant's: an API key's own (`keys create --rps/--eps`). */
export interface CallerLimits {
  /** Requests per second over all API processes. */
  rps?: number | undefined;
  /** Events per second over all API processes. */
  eps?: number | undefined;
}

/** Who a request counts against: its tenant, and the key it came with if that key has limits of its own. */
export interface Caller {
  tenantId: string;
  /** The API key's id; its own limits are held per key, whichever other keys the tenant uses. */
  keyId?: string | undefined;
  limits?: CallerLimits | undefined;
}

/** What {@link TenantLimiter.check} decided. */
export type LimitDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: 'rate_limited' | 'pending_quota';
      retryAfterSeconds: number;
      detail: string;
      /** The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers). */
      headers: { 'ratelimit-policy': string; ratelimit: string };
    };

/** Tuning of a TenantLimiter. */
export interface TenantLimiterOptions {
  /** The clock, in milliseconds. */
  now?: () => number;
  /**
   * Whether callers may carry limits of their own (AUTH_MODE=keys): then the limiter is on even with no
   * setting, since any key may have been created with --rps or --eps.
   */
  keyLimits?: boolean;
  /** Called once, when the first caller with limits of its own is checked (the sync can start then). */
  onFirstKeyLimits?: () => void;
}

/** The buckets of one tenant (the settings' rates) or of one key (its own rates). */
interface Buckets {
  requests: TokenBucket | undefined;
  events: TokenBucket | undefined;
  rps: number;
  eps: number;
}

/** Whose buckets refused: the tenant's (the settings) or the key's own. */
type Scope = 'tenant' | 'key';

/** Seconds a tenant over its pending-events cap is asked to wait: about when the cached count is read again. */
const pendingRetryAfterSeconds = 5;

/**
 * Per-tenant requests/s, events/s and pending-events limits, and per-key requests/s and events/s, decided
 * in memory: checking a request makes no database round trip. A request must fit both its tenant's
 * buckets (the RATE_LIMIT_* settings) and, when its key has limits of its own, that key's buckets: a key's
 * limit narrows what the key may send and never widens the tenant's, and no sequence of keys gets more
 * than each key's own limit, or more than the tenant's in total. Buckets are made once per tenant and per
 * key, never anew because another key arrived. Each API process holds its share of every rate (the rate
 * divided by the number of live API processes, learnt off the request path from a heartbeat, see
 * TenantLimitSync), so with N processes behind a load balancer a tenant or key gets its rate in total,
 * not N times it. The pending-events count is a cache refreshed every few seconds, plus what this process
 * accepted since.
 */
export class TenantLimiter {
  readonly #settings: RateLimitConfig;
  readonly #now: () => number;
  readonly #keyLimits: boolean;
  readonly #tenants = new Map<string, Buckets>();
  readonly #keys = new Map<string, Buckets>();
  #onFirstKeyLimits: (() => void) | undefined;
  #live = 1;
  #pending = new Map<string, number>();

  constructor(settings: RateLimitConfig, options: TenantLimiterOptions = {}) {
    this.#settings = settings;
    this.#now = options.now ?? Date.now;
    this.#keyLimits = options.keyLimits ?? false;
    this.#onFirstKeyLimits = options.onFirstKeyLimits;
  }

  /** Whether any limit can apply; off, nothing is checked and nothing needs syncing. */
  get enabled(): boolean {
    return this.settingsOn || this.#keyLimits;
  }

  /** Whether a RATE_LIMIT_* or TENANT_MAX_PENDING_EVENTS setting is on. */
  get settingsOn(): boolean {
    return this.#settings.requestsPerSecond > 0 || this.#settings.eventsPerSecond > 0 || this.pendingCapped;
  }

  /** Whether the pending-events cap is on. */
  get pendingCapped(): boolean {
    return this.#settings.maxPendingEvents > 0;
  }

  /** Live API processes, this one included; each takes 1/n of every rate. */
  get liveProcesses(): number {
    return this.#live;
  }

  /** Sets the number of live API processes, and every bucket's share with it. */
  setLiveProcesses(count: number): void {
    const live = Math.max(1, Math.floor(count));
    if (live === this.#live) return;
    this.#live = live;
    const now = this.#now();
    for (const buckets of [...this.#tenants.values(), ...this.#keys.values()]) {
      buckets.requests?.resize(buckets.rps / live, buckets.rps / live, now);
      buckets.events?.resize(buckets.eps / live, buckets.eps / live, now);
    }
  }

  /** Replaces the cached per-tenant pending-event counts with the database's. */
  setPendingEvents(counts: Map<string, number>): void {
    this.#pending = counts;
  }

  /** Forgets tenants and keys whose buckets are full: they would behave the same if made anew. */
  sweep(): void {
    const now = this.#now();
    for (const map of [this.#tenants, this.#keys]) {
      for (const [id, buckets] of map) {
        if ((buckets.requests?.isFull(now) ?? true) && (buckets.events?.isFull(now) ?? true)) map.delete(id);
      }
    }
  }

  /**
   * Decides whether `caller` may submit a request of `events` events now; if so, it is counted against
   * every limit at once (a request refused by one limit consumes none).
   */
  check(caller: Caller, events: number): LimitDecision {
    const { requestsPerSecond: rps, eventsPerSecond: eps, maxPendingEvents: cap } = this.#settings;
    const keyRps = caller.limits?.rps ?? 0;
    const keyEps = caller.limits?.eps ?? 0;
    const now = this.#now();
    const tenant =
      rps > 0 || eps > 0 ? this.#buckets(this.#tenants, caller.tenantId, rps, eps, now) : undefined;
    let own: Buckets | undefined;
    if (caller.keyId !== undefined && (keyRps > 0 || keyEps > 0)) {
      own = this.#buckets(this.#keys, caller.keyId, keyRps, keyEps, now);
      const first = this.#onFirstKeyLimits;
      this.#onFirstKeyLimits = undefined;
      first?.();
    }
    const policy = this.#policy(tenant, own, cap);
    const scopes: Array<[Scope, Buckets | undefined]> = [
      ['key', own],
      ['tenant', tenant],
    ];
    for (const [scope, buckets] of scopes) {
      if (buckets?.requests && !buckets.requests.allows(1, now)) {
        const seconds = buckets.requests.secondsUntil(1, now);
        const what = `sent more than ${buckets.rps} requests a second, ${limitName(scope, 'rps')}`;
        return this.#refusal('rate_limited', policy, scope, 'requests', 0, seconds, what);
      }
    }
    for (const [scope, buckets] of scopes) {
      if (buckets?.events && !buckets.events.allows(events, now)) {
        const seconds = buckets.events.secondsUntil(events, now);
        const remaining = Math.max(0, Math.floor(buckets.events.available(now) * this.#live));
        const what = `sent more than ${buckets.eps} events a second, ${limitName(scope, 'eps')}`;
        return this.#refusal('rate_limited', policy, scope, 'events', remaining, seconds, what);
      }
    }
    const pending = this.#pending.get(caller.tenantId) ?? 0;
    if (cap > 0 && pending + events > cap) {
      return this.#refusal(
        'pending_quota',
        policy,
        'tenant',
        'pending-events',
        Math.max(0, Math.floor(cap - pending)),
        pendingRetryAfterSeconds,
        `has about ${Math.round(pending)} events waiting to be processed, and ${events} more would pass its cap of ${cap}`,
      );
    }
    for (const [, buckets] of scopes) {
      buckets?.requests?.take(1, now);
      buckets?.events?.take(events, now);
    }
    if (cap > 0) this.#pending.set(caller.tenantId, pending + events);
    return { allowed: true };
  }

  /**
   * The buckets of `id`, made full the first time it is seen. When its rates differ from the stored ones
   * (a key's limits changed) the buckets are resized, keeping what was used: nothing is refilled.
   */
  #buckets(map: Map<string, Buckets>, id: string, rps: number, eps: number, now: number): Buckets {
    const share = (rate: number, bucket: TokenBucket | undefined) => {
      if (rate <= 0) return undefined;
      if (!bucket) return new TokenBucket(rate / this.#live, rate / this.#live, now);
      bucket.resize(rate / this.#live, rate / this.#live, now);
      return bucket;
    };
    let buckets = map.get(id);
    if (!buckets) {
      buckets = { requests: share(rps, undefined), events: share(eps, undefined), rps, eps };
      map.set(id, buckets);
    } else if (buckets.rps !== rps || buckets.eps !== eps) {
      buckets.requests = share(rps, buckets.requests);
      buckets.events = share(eps, buckets.events);
      buckets.rps = rps;
      buckets.eps = eps;
    }
    return buckets;
  }

  /**
   * The RateLimit-Policy field: every limit on for this caller, in the draft's List of Items syntax; a key's
   * own limits are named key-requests and key-events.
   */
  #policy(tenant: Buckets | undefined, own: Buckets | undefined, cap: number): string {
    const items: string[] = [];
    if (tenant?.requests) items.push(`"requests";q=${tenant.rps};w=1`);
    if (tenant?.events) items.push(`"events";q=${tenant.eps};w=1`);
    if (own?.requests) items.push(`"key-requests";q=${own.rps};w=1`);
    if (own?.events) items.push(`"key-events";q=${own.eps};w=1`);
    if (cap > 0) items.push(`"pending-events";q=${cap}`);
    return items.join(', ');
  }

  #refusal(
    reason: 'rate_limited' | 'pending_quota',
    policy: string,
    scope: Scope,
    name: string,
    remaining: number,
    seconds: number,
    what: string,
  ): LimitDecision {
    const retryAfterSeconds = Math.max(1, Math.ceil(seconds));
    const item = scope === 'key' ? `key-${name}` : name;
    return {
      allowed: false,
      reason,
      retryAfterSeconds,
      detail:
        `This ${scope === 'key' ? 'API key' : 'tenant'} ${what}; nothing was stored. Retry in ${retryAfterSeconds} ` +
        `second${retryAfterSeconds === 1 ? '' : 's'} (RateLimit-Policy lists the limits).`,
      headers: { 'ratelimit-policy': policy, ratelimit: `"${item}";r=${remaining};t=${retryAfterSeconds}` },
    };
  }
}

/** How a refusal names the limit it applied. */
function limitName(scope: Scope, flag: 'rps' | 'eps'): string {
  return scope === 'key' ? `its own limit (keys create --${flag})` : 'its limit';
}
