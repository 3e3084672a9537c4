import { describe, expect, it } from 'vitest';
import { TenantLimiter } from '../../src/api/tenantLimits.js';
import { TokenBucket } from '../../src/domain/tokenBucket.js';

describe('TokenBucket', () => {
  it('starts full, refills at its rate, and never holds more than its capacity', () => {
    const bucket = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i += 1) {
      expect(bucket.allows(1, 0)).toBe(true);
      bucket.take(1, 0);
    }
    expect(bucket.allows(1, 0)).toBe(false);
    expect(bucket.secondsUntil(1, 0)).toBeCloseTo(0.1);
    expect(bucket.allows(1, 100)).toBe(true);
    expect(bucket.available(60_000)).toBe(10);
  });

  it('lets a cost over its capacity through when full, and then owes it', () => {
    const bucket = new TokenBucket(100, 100, 0);
    expect(bucket.allows(250, 0)).toBe(true);
    bucket.take(250, 0);
    expect(bucket.available(0)).toBe(-150);
    expect(bucket.allows(1, 1000)).toBe(false);
    expect(bucket.secondsUntil(1, 1000)).toBeCloseTo(0.51);
  });
});

describe('TenantLimiter', () => {
  const at = { now: 0 };
  const clock = () => at.now;

  it('limits requests per tenant, each tenant on its own', () => {
    at.now = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 5, eventsPerSecond: 0, maxPendingEvents: 0 },
      { now: clock },
    );
    const outcomes = Array.from({ length: 6 }, () => limiter.check({ tenantId: 'a' }, 1).allowed);
    expect(outcomes).toEqual([true, true, true, true, true, false]);
    expect(limiter.check({ tenantId: 'b' }, 1).allowed).toBe(true);
    const refused = limiter.check({ tenantId: 'a' }, 1);
    expect(refused).toMatchObject({
      allowed: false,
      reason: 'rate_limited',
      retryAfterSeconds: 1,
      headers: { 'ratelimit-policy': '"requests";q=5;w=1', ratelimit: '"requests";r=0;t=1' },
    });
    at.now = 1000;
    expect(limiter.check({ tenantId: 'a' }, 1).allowed).toBe(true);
  });

  it('divides each rate by the number of live API processes', () => {
    at.now = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 10, eventsPerSecond: 0, maxPendingEvents: 0 },
      { now: clock },
    );
    limiter.setLiveProcesses(2);
    const allowed = Array.from({ length: 10 }, () => limiter.check({ tenantId: 'a' }, 1).allowed);
    expect(allowed.filter(Boolean)).toHaveLength(5);
  });

  it('holds a key to its own limits besides the tenant’s, and refuses on events without using a request', () => {
    at.now = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 100, eventsPerSecond: 100, maxPendingEvents: 0 },
      { now: clock },
    );
    const caller = { tenantId: 'a', keyId: 'k1', limits: { rps: 50, eps: 10 } };
    expect(limiter.check(caller, 10).allowed).toBe(true);
    const refused = limiter.check(caller, 5);
    expect(refused).toMatchObject({
      allowed: false,
      headers: {
        'ratelimit-policy':
          '"requests";q=100;w=1, "events";q=100;w=1, "key-requests";q=50;w=1, "key-events";q=10;w=1',
        ratelimit: '"key-events";r=0;t=1',
      },
    });
    expect(refused.allowed || refused.detail).toMatch(
      /^This API key sent more than 10 events a second, its own limit/,
    );
    // Another key of the tenant, without limits of its own, has only the tenant's.
    expect(limiter.check({ tenantId: 'a', keyId: 'k2' }, 50).allowed).toBe(true);
    at.now = 500;
    // Half a second later, 5 events are back: the refused request did not use them or a request.
    expect(limiter.check(caller, 5).allowed).toBe(true);
  });

  it('never lets a key widen the tenant’s limit, nor another key refill it', () => {
    at.now = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 1, eventsPerSecond: 0, maxPendingEvents: 0 },
      { now: clock },
    );
    const keys = [
      { tenantId: 'a', keyId: 'k1', limits: { rps: 1 } },
      { tenantId: 'a', keyId: 'k2', limits: { rps: 2 } },
      { tenantId: 'a', keyId: 'k3', limits: { rps: 50 } },
      { tenantId: 'a', keyId: 'k4' },
    ];
    const allowed = Array.from({ length: 12 }, (_, i) => limiter.check(keys[i % 4]!, 1).allowed);
    expect(allowed.filter(Boolean)).toHaveLength(1);
    const refused = limiter.check(keys[2]!, 1);
    expect(refused).toMatchObject({ headers: { ratelimit: '"requests";r=0;t=1' } });
  });

  it('applies a key’s own limits with no setting on, per key, shared among the live processes', () => {
    at.now = 0;
    let started = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 0, eventsPerSecond: 0, maxPendingEvents: 0 },
      { now: clock, keyLimits: true, onFirstKeyLimits: () => (started += 1) },
    );
    expect(limiter.enabled).toBe(true);
    expect(limiter.check({ tenantId: 'a', keyId: 'plain' }, 1).allowed).toBe(true);
    expect(started).toBe(0);
    limiter.setLiveProcesses(2);
    const one = { tenantId: 'a', keyId: 'k1', limits: { rps: 4 } };
    const two = { tenantId: 'a', keyId: 'k2', limits: { rps: 4 } };
    const turns = Array.from({ length: 12 }, (_, i) => limiter.check(i % 2 ? two : one, 1).allowed);
    // Each key its half of 4 a second on this process: 2 + 2.
    expect(turns.filter(Boolean)).toHaveLength(4);
    expect(started).toBe(1);
    // Changing a key's limits resizes its buckets; it does not refill them.
    expect(limiter.check({ ...one, limits: { rps: 8 } }, 1).allowed).toBe(false);
    at.now = 250;
    expect(limiter.check({ ...one, limits: { rps: 8 } }, 1).allowed).toBe(true);
  });

  it('caps pending events with the cached count plus what it accepted since', () => {
    at.now = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 0, eventsPerSecond: 0, maxPendingEvents: 100 },
      { now: clock },
    );
    limiter.setPendingEvents(new Map([['a', 90]]));
    expect(limiter.check({ tenantId: 'a' }, 10).allowed).toBe(true);
    expect(limiter.check({ tenantId: 'a' }, 1)).toMatchObject({
      allowed: false,
      reason: 'pending_quota',
      retryAfterSeconds: 5,
      headers: { ratelimit: '"pending-events";r=0;t=5' },
    });
    limiter.setPendingEvents(new Map());
    expect(limiter.check({ tenantId: 'a' }, 100).allowed).toBe(true);
  });

  it('forgets tenants whose buckets have refilled, so tenant names cannot grow memory without end', () => {
    at.now = 0;
    const limiter = new TenantLimiter(
      { requestsPerSecond: 1, eventsPerSecond: 0, maxPendingEvents: 0 },
      { now: clock },
    );
    expect(limiter.check({ tenantId: 'a' }, 1).allowed).toBe(true);
    expect(limiter.check({ tenantId: 'a' }, 1).allowed).toBe(false);
    at.now = 5000;
    limiter.sweep();
    expect(limiter.check({ tenantId: 'a' }, 1).allowed).toBe(true);
    expect(limiter.enabled).toBe(true);
    expect(new TenantLimiter({ requestsPerSecond: 0, eventsPerSecond: 0, maxPendingEvents: 0 }).enabled).toBe(
      false,
    );
  });
});
