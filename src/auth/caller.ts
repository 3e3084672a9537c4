import type { KeyKind } from './apiKeyText.js';

/** Who is calling: the key a request carried, once it was found usable. */
export interface Caller {
  keyId: string;
  kind: KeyKind;
  /** The tenant the key belongs to; undefined for an admin key, which belongs to none. */
  tenantId: string | undefined;
  /**
   * Overrides of the tenant's rate limits set on this key (`keys create --rps/--eps`); null where the
   * settings' defaults apply. Consumed by the rate limiter.
   */
  rateLimits: { requestsPerSecond: number | null; eventsPerSecond: number | null };
  /**
   * The origins the key may be used from (`keys create --origin`), as browsers write the Origin header;
   * undefined: any, and requests without an Origin too.
   */
  allowedOrigins: readonly string[] | undefined;
}
