/**
 * An origin as browsers write it in the Origin header (RFC 6454: scheme, host and port, the host in
 * lower case and a default port left out), or undefined when `text` is not an http or https origin
 * alone (a path, a query, credentials or a trailing slash make it something else).
 */
export function normalizeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  if (text.trim().endsWith('/')) return undefined;
  return url.origin;
}

/** How an origin is written, for messages that refuse one. */
export const originForm =
  'an origin: scheme, host and optional port, without a path (https://app.example.com, http://localhost:3000)';
