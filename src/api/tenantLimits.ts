import type { RateLimitConfig } from '../config/config.js';
import { TokenBucket } from '../domain/tokenBucket.js';

/** Limits of one caller that replace the settings' defaults: an API key's own (`keys create --rps/--eps`). */
export interface CallerLimits {
  /** Requests per second over all API processes. */
  rps?: number | undefined;
  /** Events per second over all API processes. */
  eps?: number | undefined;
}

/** Who a request counts against: its tenant, and that caller's own limits if it has any. */
export interface Caller {
  tenantId: string;
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

interface TenantState {
  requests: TokenBucket | undefined;
  events: TokenBucket | undefined;
  rps: number;
  eps: number;
}

/** Seconds a tenant over its pending-events cap is asked to wait: about when the cached count is read again. */
const pendingRetryAfterSeconds = 5;

/**
 * Per-tenant requests/s, events/s and pending-events limits, decided in memory: checking a request makes
 * no database round trip. Each API process holds token buckets with its share of every tenant's global
 * rate (the rate divided by the number of live API processes, learnt off the request path from a
 * heartbeat table, see TenantLimitSync), so with N processes behind a load balancer that spreads a
 * tenant's requests, the tenant gets its rate in total, not N times it. The pending-events count is a
 * cache refreshed every few seconds, plus what this process accepted since.
 */
export class TenantLimiter {
  readonly #settings: RateLimitConfig;
  readonly #now: () => number;
  readonly #tenants = new Map<string, TenantState>();
  #live = 1;
  #pending = new Map<string, number>();

  constructor(settings: RateLimitConfig, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Whether any limit is on; off, nothing is checked and nothing needs syncing. */
  get enabled(): boolean {
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
    for (const state of this.#tenants.values()) {
      state.requests?.resize(state.rps / live, state.rps / live, now);
      state.events?.resize(state.eps / live, state.eps / live, now);
    }
  }

  /** Replaces the cached per-tenant pending-event counts with the database's. */
  setPendingEvents(counts: Map<string, number>): void {
    this.#pending = counts;
  }

  /** Forgets tenants whose buckets are full: they would behave the same if made anew. */
  sweep(): void {
    const now = this.#now();
    for (const [tenantId, state] of this.#tenants) {
      if ((state.requests?.isFull(now) ?? true) && (state.events?.isFull(now) ?? true))
        this.#tenants.delete(tenantId);
    }
  }

  /**
   * Decides whether `caller` may submit a request of `events` events now; if so, it is counted against
   * every limit at once (a request refused by one limit consumes none).
   */
  check(caller: Caller, events: number): LimitDecision {
    const rps = caller.limits?.rps ?? this.#settings.requestsPerSecond;
    const eps = caller.limits?.eps ?? this.#settings.eventsPerSecond;
    const cap = this.#settings.maxPendingEvents;
    const policy = this.#policy(rps, eps, cap);
    const now = this.#now();
    const state = rps > 0 || eps > 0 ? this.#state(caller.tenantId, rps, eps, now) : undefined;
    if (state?.requests && !state.requests.allows(1, now)) {
      const seconds = state.requests.secondsUntil(1, now);
      return this.#refusal(
        'rate_limited',
        policy,
        'requests',
        0,
        seconds,
        `sent more than ${rps} requests a second, its limit`,
      );
    }
    if (state?.events && !state.events.allows(events, now)) {
      const seconds = state.events.secondsUntil(events, now);
      const remaining = Math.max(0, Math.floor(state.events.available(now) * this.#live));
      return this.#refusal(
        'rate_limited',
        policy,
        'events',
        remaining,
        seconds,
        `sent more than ${eps} events a second, its limit`,
      );
    }
    const pending = this.#pending.get(caller.tenantId) ?? 0;
    if (cap > 0 && pending + events > cap) {
      return this.#refusal(
        'pending_quota',
        policy,
        'pending-events',
        Math.max(0, Math.floor(cap - pending)),
        pendingRetryAfterSeconds,
        `has about ${Math.round(pending)} events waiting to be processed, and ${events} more would pass its cap of ${cap}`,
      );
    }
    state?.requests?.take(1, now);
    state?.events?.take(events, now);
    if (cap > 0) this.#pending.set(caller.tenantId, pending + events);
    return { allowed: true };
  }

  #state(tenantId: string, rps: number, eps: number, now: number): TenantState {
    let state = this.#tenants.get(tenantId);
    const share = (rate: number) =>
      rate > 0 ? new TokenBucket(rate / this.#live, rate / this.#live, now) : undefined;
    if (!state || state.rps !== rps || state.eps !== eps) {
      // A new tenant, or its limits changed (another key of the tenant, or new settings): fresh buckets.
      state = { requests: share(rps), events: share(eps), rps, eps };
      this.#tenants.set(tenantId, state);
    }
    return state;
  }

  /** The RateLimit-Policy field: every limit on for this caller, in the draft's List of Items syntax. */
  #policy(rps: number, eps: number, cap: number): string {
    const items: string[] = [];
    if (rps > 0) items.push(`"requests";q=${rps};w=1`);
    if (eps > 0) items.push(`"events";q=${eps};w=1`);
    if (cap > 0) items.push(`"pending-events";q=${cap}`);
    return items.join(', ');
  }

  #refusal(
    reason: 'rate_limited' | 'pending_quota',
    policy: string,
    name: string,
    remaining: number,
    seconds: number,
    what: string,
  ): LimitDecision {
    const retryAfterSeconds = Math.max(1, Math.ceil(seconds));
    return {
      allowed: false,
      reason,
      retryAfterSeconds,
      detail:
        `This tenant ${what}; nothing was stored. Retry in ${retryAfterSeconds} ` +
        `second${retryAfterSeconds === 1 ? '' : 's'} (RateLimit-Policy lists the limits).`,
      headers: { 'ratelimit-policy': policy, ratelimit: `"${name}";r=${remaining};t=${retryAfterSeconds}` },
    };
  }
}
