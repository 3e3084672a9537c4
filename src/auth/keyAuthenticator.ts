import { apiKeyFindByDigest, apiKeyTouch } from '../data/apiKeyStore.js';
import type { Pool } from '../data/pool.js';
import { keyDigest, kindOfKeyText } from './apiKeyText.js';
import type { Caller } from './caller.js';

/** Tuning of ApiKeyAuthenticator; the defaults are what the service runs with. */
export interface KeyAuthenticatorOptions {
  /**
   * How long a look-up is reused. A revoked key stops working on every process within this time, with
   * no notification needed (so it holds behind a transaction-mode pooler too); 1 s costs one indexed
   * read per key per second per process.
   */
  cacheMillis?: number;
  /** How often a key's last-used time is written at most, per process (the statement also holds it). */
  touchIntervalMillis?: number;
  /** Look-ups remembered at most; the oldest go first. Bounds what a flood of random keys can hold. */
  maxCachedKeys?: number;
  /** Called when writing a last-used time failed: it never fails the request. */
  onTouchError?: (error: unknown) => void;
  /** The clock, in milliseconds. */
  now?: () => number;
}

interface Lookup {
  /** When the look-up started: a revocation after it is seen once the entry is older than cacheMillis. */
  at: number;
  caller: Promise<Caller | undefined>;
}

/**
 * Turns the API key a request carries into its Caller, or undefined for a key that is unknown, revoked
 * or expired (the three are not told apart, to the client or in timing worth measuring: each is one
 * look-up by digest). Keys are looked up by their SHA-256 digest, never stored or compared in clear.
 */
export class ApiKeyAuthenticator {
  private readonly cacheMillis: number;
  private readonly touchIntervalMillis: number;
  private readonly maxCachedKeys: number;
  private readonly now: () => number;
  private readonly lookups = new Map<string, Lookup>();
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly options: KeyAuthenticatorOptions = {},
  ) {
    this.cacheMillis = options.cacheMillis ?? 1000;
    this.touchIntervalMillis = options.touchIntervalMillis ?? 60_000;
    this.maxCachedKeys = options.maxCachedKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The caller `keyText` identifies, or undefined when it is not a usable key. */
  async authenticate(keyText: string): Promise<Caller | undefined> {
    const kind = kindOfKeyText(keyText);
    if (kind === undefined) return undefined;
    const digest = keyDigest(keyText);
    const cacheKey = digest.toString('base64');
    const now = this.now();
    let lookup = this.lookups.get(cacheKey);
    if (!lookup || now - lookup.at >= this.cacheMillis) {
      // Concurrent requests with one key share the look-up in flight.
      lookup = { at: now, caller: this.find(digest) };
      this.lookups.delete(cacheKey);
      this.lookups.set(cacheKey, lookup);
      if (this.lookups.size > this.maxCachedKeys) this.lookups.delete(this.lookups.keys().next().value!);
      // A failed look-up (database away) is not reused: the next request asks again.
      lookup.caller.catch(() => {
        if (this.lookups.get(cacheKey) === lookup) this.lookups.delete(cacheKey);
      });
    }
    const caller = await lookup.caller;
    // A prefix that does not say the stored kind is not this key.
    if (!caller || caller.kind !== kind) return undefined;
    this.touch(caller.keyId, now);
    return caller;
  }

  private async find(digest: Buffer): Promise<Caller | undefined> {
    const stored = await apiKeyFindByDigest(this.pool, digest);
    if (!stored?.usable) return undefined;
    return {
      keyId: stored.id,
      kind: stored.kind,
      tenantId: stored.tenantId ?? undefined,
      rateLimits: { requestsPerSecond: stored.requestsPerSecond, eventsPerSecond: stored.eventsPerSecond },
      allowedOrigins: stored.allowedOrigins ?? undefined,
    };
  }

  /** Writes the last-used time at most once per interval per key, without holding the request. */
  private touch(keyId: string, now: number): void {
    const last = this.touchedAt.get(keyId);
    if (last !== undefined && now - last < this.touchIntervalMillis) return;
    this.touchedAt.set(keyId, now);
    apiKeyTouch(this.pool, keyId).catch((error: unknown) => {
      this.touchedAt.delete(keyId);
      this.options.onTouchError?.(error);
    });
  }
}
