import type { EnvReader } from './envReader.js';
import { normalizeOrigin, originForm } from './origin.js';

/** Which pages may call the /v1 routes from a browser (CORS). Both empty: none, the default. */
export interface CorsConfig {
  /** Origins that may call every /v1 route, as browsers send them in the Origin header. */
  origins: readonly string[];
  /**
   * `*` was listed: any origin may submit events (POST /v1/ingestions), since a write key may ship in
   * a page anyway; reads stay limited to `origins`.
   */
  anyOriginSubmits: boolean;
}

/** CORS_ALLOWED_ORIGINS: a comma-separated list of origins, and `*` for the write route. */
export function readCors(read: EnvReader): CorsConfig {
  const raw = read.string('CORS_ALLOWED_ORIGINS');
  const config = { origins: [] as string[], anyOriginSubmits: false };
  if (raw === undefined) return config;
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '*') {
      config.anyOriginSubmits = true;
      continue;
    }
    const origin = normalizeOrigin(entry);
    if (origin === undefined) {
      read.problems.push(
        `CORS_ALLOWED_ORIGINS: ${JSON.stringify(entry)} is not ${originForm}; expected a comma-separated ` +
          'list of them, and * to let any page submit events (reads never answer *)',
      );
    } else if (!config.origins.includes(origin)) config.origins.push(origin);
  }
  return config;
}
