import type { EnvReader } from './envReader.js';

/** Where the HTTP server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Where the HTTP server listens, and which setting chose its host. */
export interface HttpListen extends ListenAddress {
  /** `default`: neither HOST nor ASPNETCORE_URLS named one, so the contract's 0.0.0.0 applies. */
  hostFrom: 'HOST' | 'ASPNETCORE_URLS' | 'default';
}

/**
 * Reads HOST, PORT and ASPNETCORE_URLS (`http://+:8080` by default, as the .NET template): HOST and PORT
 * win over the URL's parts when set.
 */
export function readListenAddress(read: EnvReader): HttpListen {
  let listen: ListenAddress = { host: '0.0.0.0', port: 8080 };
  let hostFrom: HttpListen['hostFrom'] = 'default';
  const urls = read.string('ASPNETCORE_URLS');
  if (urls !== undefined) {
    const parsed = parseAspNetCoreUrls(urls);
    if (typeof parsed === 'string') read.problems.push(`ASPNETCORE_URLS=${JSON.stringify(urls)}: ${parsed}`);
    else [listen, hostFrom] = [parsed, 'ASPNETCORE_URLS'];
  }
  const host = read.string('HOST');
  if (host !== undefined) hostFrom = 'HOST';
  return { host: host ?? listen.host, port: read.integer('PORT', listen.port, 0, 65535), hostFrom };
}

/**
 * Where `npm start` listens when it runs its embedded database: on loopback unless HOST or
 * ASPNETCORE_URLS names a host. That run is a laptop's (its data lives in the checkout), where the
 * dashboard and the unauthenticated API should reach this machine only, and where the dashboard then
 * opens without a token. PORT alone moves the port, not the interface. Deployments have a database and
 * keep the contract's 0.0.0.0.
 */
export function embeddedListen(http: HttpListen): HttpListen {
  return http.hostFrom === 'default' ? { ...http, host: '127.0.0.1' } : http;
}

/**
 * An address a browser on this machine opens for a server listening on `listen`: a wildcard host is
 * written as loopback, since `http://0.0.0.0:8080` does not open everywhere.
 */
export function localUrl(listen: ListenAddress): string {
  const host = localProbeHost(listen.host);
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`;
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
