import type { EnvReader } from './envReader.js';

/**
 * What one client or tenant may hold of an API process, and for how long: request bodies in memory (the
 * in-flight budget and a tenant's share of it), the time a body may take to arrive, and `Prefer: wait`
 * requests held open. Each bound keeps one tenant, or anyone holding a write key, from stalling the others.
 */
export interface ClientBoundsConfig {
  /**
   * Request-body bytes the API holds at once; a body that does not fit is answered 503 with Retry-After
   * before it is read (admission control, see src/api/admission.ts).
   */
  maxInflightBytes: number;
  /** Of those, the most one tenant's requests hold at once (AUTH_MODE=keys); past it: 429. */
  maxInflightBytesPerTenant: number;
  /** Seconds every body has to arrive before the minimum rate counts. */
  bodyGraceSeconds: number;
  /** After the grace, a body must keep arriving at this average rate at least, or it is ended with 408. */
  bodyMinBytesPerSecond: number;
  /** `Prefer: wait` requests one API process holds at once; past it: 503. */
  maxWaits: number;
  /** Of those, the most for one tenant's jobs; past it: 429. */
  maxWaitsPerTenant: number;
}

/**
 * Reads the client bounds. The defaults: 8 MiB of bodies (docs/performance.md: the API stays under 300 MB
 * however many clients post), a quarter of it per tenant, bodies given 10 s and then 16 KiB/s (a poor
 * mobile uplink; a 1 MiB body then has 74 s), 2,000 waiting requests per process and a quarter of them
 * per tenant.
 * Neither budget is less than one largest body, so raising MAX_BODY_BYTES alone keeps its bodies
 * admissible.
 */
export function readClientBounds(read: EnvReader, maxBodyBytes: number): ClientBoundsConfig {
  const maxInflightBytes = read.integer(
    'API_MAX_INFLIGHT_BYTES',
    Math.max(8 * 1_048_576, maxBodyBytes),
    1024,
    16 * 1024 * 1_048_576,
  );
  if (maxInflightBytes < maxBodyBytes) {
    read.problems.push(
      `API_MAX_INFLIGHT_BYTES=${maxInflightBytes} is less than MAX_BODY_BYTES=${maxBodyBytes}: a body of the ` +
        'largest allowed size would never be admitted, so set it at least to MAX_BODY_BYTES.',
    );
  }
  const maxInflightBytesPerTenant = read.integer(
    'API_TENANT_MAX_INFLIGHT_BYTES',
    Math.min(maxInflightBytes, Math.max(maxBodyBytes, Math.floor(maxInflightBytes / 4))),
    1024,
    16 * 1024 * 1_048_576,
  );
  const shareSet = read.string('API_TENANT_MAX_INFLIGHT_BYTES') !== undefined;
  if (
    shareSet &&
    (maxInflightBytesPerTenant < maxBodyBytes || maxInflightBytesPerTenant > maxInflightBytes)
  ) {
    read.problems.push(
      `API_TENANT_MAX_INFLIGHT_BYTES=${maxInflightBytesPerTenant}: expected from MAX_BODY_BYTES ` +
        `(${maxBodyBytes}) to API_MAX_INFLIGHT_BYTES (${maxInflightBytes}): a tenant's largest body must fit ` +
        'in its share, and a share cannot be more than the whole.',
    );
  }
  const bodyGraceSeconds = read.positiveNumber('API_BODY_GRACE_SECONDS', 10, 3600);
  const bodyMinBytesPerSecond = read.integer('API_BODY_MIN_BYTES_PER_SECOND', 16_384, 1, 1024 * 1_048_576);
  const maxWaits = read.integer('PREFER_WAIT_MAX_REQUESTS', 2000, 1, 1_000_000);
  const maxWaitsPerTenant = read.integer(
    'PREFER_WAIT_TENANT_MAX_REQUESTS',
    Math.max(1, Math.floor(maxWaits / 4)),
    1,
    1_000_000,
  );
  if (maxWaitsPerTenant > maxWaits) {
    read.problems.push(
      `PREFER_WAIT_TENANT_MAX_REQUESTS=${maxWaitsPerTenant} is more than PREFER_WAIT_MAX_REQUESTS=${maxWaits}: ` +
        "a tenant's share cannot be more than the whole.",
    );
  }
  return {
    maxInflightBytes,
    maxInflightBytesPerTenant,
    bodyGraceSeconds,
    bodyMinBytesPerSecond,
    maxWaits,
    maxWaitsPerTenant,
  };
}
