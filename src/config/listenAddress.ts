/** Where the HTTP server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses an ASP.NET Core `ASPNETCORE_URLS` value such as `http://+:8080`. Only one plain-HTTP URL is
 * supported: TLS is terminated in front of the service (App Platform, an ingress), so an https URL or a
 * list is reported rather than half-honoured.
 */
export function parseAspNetCoreUrls(raw: string): ListenAddress | string {
  const accepted = 'expected one URL such as http://+:8080 or http://0.0.0.0:8080';
  if (raw.includes(';')) return `only one URL is supported; ${accepted}`;
  const match = /^http:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d{1,5}))?\/?$/i.exec(raw.trim());
  if (!match) return accepted;
  const hostPart = match[1] ?? '';
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port < 0 || port > 65535) return `port ${port} is out of range; ${accepted}`;
  // Kestrel reads `+` and `*` as "every interface".
  const host = hostPart === '+' || hostPart === '*' ? '0.0.0.0' : hostPart.replace(/^\[|\]$/g, '');
  return { host, port };
}

/**
 * The address a client on the same machine (the container's HEALTHCHECK) reaches a server listening on
 * `host` at: a wildcard (`0.0.0.0`, `::`) is served on loopback; any other host only on itself.
 */
export function localProbeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}
