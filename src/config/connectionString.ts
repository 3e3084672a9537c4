/**
 * How to reach PostgreSQL, whichever form the connection string came in. `sslMode` keeps libpq's meaning:
 * `require` encrypts without checking the certificate (what managed databases such as DigitalOcean's hand
 * out), `verify-ca` checks the chain, `verify-full` the chain and the host name.
 */
export interface DatabaseConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
  sslMode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  /** A CA bundle to trust (libpq `sslrootcert`, Npgsql `Root Certificate`). */
  sslRootCertFile: string | undefined;
  /** The same as PEM text, from DATABASE_CA_CERT (App Platform hands the CA out as `${db.CA_CERT}`). */
  sslRootCertPem?: string | undefined;
  applicationName: string | undefined;
  /** Npgsql `Maximum Pool Size`, when given; the service otherwise sizes its pools itself. */
  maxPoolSize: number | undefined;
  /**
   * How a pooler between the service and PostgreSQL hands out server connections (DATABASE_POOL_MODE).
   * `transaction` (PgBouncer's `pool_mode=transaction`) means no state may outlive a transaction: no named
   * prepared statements, no per-connection settings, no LISTEN. Unset means a session of our own.
   */
  poolMode?: PoolMode;
}

/** `session`: a connection of our own (direct, or a session-mode pooler); `transaction`: see poolMode. */
export type PoolMode = 'session' | 'transaction';

type SslMode = DatabaseConfig['sslMode'];

// libpq's `allow` and `prefer` try TLS and fall back to plain text; node-postgres cannot negotiate that,
// and a user who asked for "TLS if possible" on a local database is best served by plain text.
const sslModes: Readonly<Record<string, SslMode>> = {
  disable: 'disable',
  allow: 'disable',
  prefer: 'disable',
  require: 'require',
  verifyca: 'verify-ca',
  'verify-ca': 'verify-ca',
  verifyfull: 'verify-full',
  'verify-full': 'verify-full',
};

function parseSslMode(raw: string): SslMode | undefined {
  return sslModes[raw.trim().toLowerCase()];
}

const acceptedSslModes = 'Disable, Allow, Prefer, Require, VerifyCA or VerifyFull';

/**
 * Parses a `postgres://` URL or an Npgsql key=value string (`Host=db;Port=5432;Database=ingestion;...`).
 * Returns the parsed config, or a message saying what is wrong and what is accepted.
 */
export function parseConnectionString(raw: string): DatabaseConfig | string {
  const trimmed = raw.trim();
  return /^postgres(ql)?:\/\//i.test(trimmed) ? parseUrl(trimmed) : parseKeyValue(trimmed);
}

function parseUrl(raw: string): DatabaseConfig | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL; expected postgres://user:password@host:5432/database';
  }
  if (url.hostname.includes(',')) return 'several hosts are not supported; give one host';
  const config: DatabaseConfig = {
    host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '') || 'localhost',
    port: url.port === '' ? 5432 : Number(url.port),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
    user: decodeURIComponent(url.username) || 'postgres',
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    sslMode: 'disable',
    sslRootCertFile: undefined,
    applicationName: undefined,
    maxPoolSize: undefined,
  };
  for (const [key, value] of url.searchParams) {
    switch (key) {
      case 'sslmode': {
        const mode = parseSslMode(value);
        if (!mode)
          return `sslmode=${value} is not supported; use disable, prefer, require, verify-ca or verify-full`;
        config.sslMode = mode;
        break;
      }
      case 'sslrootcert':
        config.sslRootCertFile = value;
        break;
      case 'application_name':
        config.applicationName = value;
        break;
      case 'host':
        // libpq's way to name a Unix socket directory: postgres://user@/db?host=/var/run/postgresql
        config.host = value;
        break;
      default:
        return `URL parameter "${key}" is not supported; supported: sslmode, sslrootcert, application_name, host`;
    }
  }
  return config;
}

type KeyValueSetter = (config: DatabaseConfig, value: string) => string | undefined;

function setPort(config: DatabaseConfig, value: string): string | undefined {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return `Port=${value} is not a port number`;
  config.port = Number(value);
  return undefined;
}

function setSslMode(config: DatabaseConfig, value: string): string | undefined {
  const mode = parseSslMode(value);
  if (!mode) return `SSL Mode=${value} is not supported; use ${acceptedSslModes}`;
  config.sslMode = mode;
  return undefined;
}

function setTrustServerCertificate(config: DatabaseConfig, value: string): string | undefined {
  if (!/^(true|false)$/i.test(value)) return `Trust Server Certificate=${value}: expected true or false`;
  if (value.toLowerCase() === 'true' && config.sslMode !== 'disable') config.sslMode = 'require';
  return undefined;
}

function setMaxPoolSize(config: DatabaseConfig, value: string): string | undefined {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    return `Maximum Pool Size=${value}: expected a whole number ≥ 1`;
  config.maxPoolSize = Number(value);
  return undefined;
}

function ignore(): undefined {
  return undefined;
}

// Npgsql's keys are case-insensitive and spaces are optional ("SSL Mode" = "sslmode").
const keyValueSetters: Readonly<Record<string, KeyValueSetter>> = {
  host: (c, v) => {
    if (v.includes(',')) return 'several hosts are not supported; give one Host';
    c.host = v;
    return undefined;
  },
  server: (c, v) => keyValueSetters.host!(c, v),
  port: setPort,
  database: (c, v) => void (c.database = v),
  db: (c, v) => void (c.database = v),
  username: (c, v) => void (c.user = v),
  user: (c, v) => void (c.user = v),
  userid: (c, v) => void (c.user = v),
  password: (c, v) => void (c.password = v),
  pwd: (c, v) => void (c.password = v),
  psw: (c, v) => void (c.password = v),
  sslmode: setSslMode,
  trustservercertificate: setTrustServerCertificate,
  rootcertificate: (c, v) => void (c.sslRootCertFile = v),
  applicationname: (c, v) => void (c.applicationName = v),
  maximumpoolsize: setMaxPoolSize,
  maxpoolsize: setMaxPoolSize,
  // Accepted for compatibility with strings written for Npgsql; the service manages these itself.
  pooling: ignore,
  minimumpoolsize: ignore,
  minpoolsize: ignore,
  includeerrordetail: ignore,
  timeout: ignore,
  commandtimeout: ignore,
  keepalive: ignore,
};

function parseKeyValue(raw: string): DatabaseConfig | string {
  const config: DatabaseConfig = {
    host: 'localhost',
    port: 5432,
    database: 'postgres',
    user: 'postgres',
    password: undefined,
    sslMode: 'disable',
    sslRootCertFile: undefined,
    applicationName: undefined,
    maxPoolSize: undefined,
  };
  const pairs = splitPairs(raw);
  if (typeof pairs === 'string') return pairs;
  if (pairs.length === 0) return 'empty; expected a postgres:// URL or Host=...;Database=...;Username=...';
  for (const [key, value] of pairs) {
    const normalized = key.toLowerCase().replace(/\s+/g, '');
    const setter = keyValueSetters[normalized];
    if (!setter) {
      return `unknown key "${key}"; supported: Host, Port, Database, Username, Password, SSL Mode, Trust Server Certificate, Root Certificate, Application Name, Maximum Pool Size`;
    }
    const problem = setter(config, value);
    if (problem) return problem;
  }
  return config;
}

/** Splits `a=1;b='x;y'` into pairs, honouring single and double quotes as DbConnectionStringBuilder does. */
function splitPairs(raw: string): Array<[string, string]> | string {
  const pairs: Array<[string, string]> = [];
  const pattern = /\s*([^=;]+?)\s*=\s*("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*?)\s*(?:;|$)/y;
  let index = 0;
  while (index < raw.length) {
    if (/^[\s;]*$/.test(raw.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(raw);
    if (!match || match[0] === '') {
      return `cannot read "${raw.slice(index, index + 20)}"; expected Key=Value pairs separated by ";"`;
    }
    const key = match[1] ?? '';
    let value = match[2] ?? '';
    if (/^".*"$/s.test(value)) value = value.slice(1, -1).replace(/""/g, '"');
    else if (/^'.*'$/s.test(value)) value = value.slice(1, -1).replace(/''/g, "'");
    pairs.push([key, value]);
    index = pattern.lastIndex;
  }
  return pairs;
}
