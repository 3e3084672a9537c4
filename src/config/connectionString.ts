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
 * Returns the parsed config, or a message saying what is wrong and what is accepted. The message never
 * quotes the string: a mistyped one usually goes wrong next to its password (an unquoted ";" splits it),
 * so it names the part by its position and the key before it, and a known key by its own name.
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
    return 'not a valid URL; expected postgres://user:password@host:5432/database (percent-encode @ : / ? # in the password)';
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
  let position = 0;
  for (const [key, value] of url.searchParams) {
    position += 1;
    switch (key) {
      case 'sslmode': {
        const mode = parseSslMode(value);
        if (!mode) return 'sslmode is not supported; use disable, prefer, require, verify-ca or verify-full';
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
        return `URL parameter ${position} is not supported; supported: sslmode, sslrootcert, application_name, host`;
    }
  }
  return config;
}

type KeyValueSetter = (config: DatabaseConfig, value: string) => string | undefined;

function setPort(config: DatabaseConfig, value: string): string | undefined {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return 'Port is not a port number; expected 1-65535';
  config.port = Number(value);
  return undefined;
}

function setSslMode(config: DatabaseConfig, value: string): string | undefined {
  const mode = parseSslMode(value);
  if (!mode) return `SSL Mode is not supported; use ${acceptedSslModes}`;
  config.sslMode = mode;
  return undefined;
}

function setTrustServerCertificate(config: DatabaseConfig, value: string): string | undefined {
  if (!/^(true|false)$/i.test(value)) return 'Trust Server Certificate: expected true or false';
  if (value.toLowerCase() === 'true' && config.sslMode !== 'disable') config.sslMode = 'require';
  return undefined;
}

function setMaxPoolSize(config: DatabaseConfig, value: string): string | undefined {
  if (!/^\d+$/.test(value) || Number(value) < 1) return 'Maximum Pool Size: expected a whole number ≥ 1';
  config.maxPoolSize = Number(value);
  return undefined;
}

function ignore(): undefined {
  return undefined;
}

/** A key of the Npgsql form: the name messages use for it, and what its value sets. */
interface KeyValueKey {
  name: string;
  set: KeyValueSetter;
}

const key = (name: string, set: KeyValueSetter): KeyValueKey => ({ name, set });
const hostKey = key('Host', (c, v) => {
  if (v.includes(',')) return 'several hosts are not supported; give one Host';
  c.host = v;
  return undefined;
});
const databaseKey = key('Database', (c, v) => void (c.database = v));
const userKey = key('Username', (c, v) => void (c.user = v));
const passwordKey = key('Password', (c, v) => void (c.password = v));
const maxPoolSizeKey = key('Maximum Pool Size', setMaxPoolSize);

// Npgsql's keys are case-insensitive and spaces are optional ("SSL Mode" = "sslmode").
const keyValueKeys: Readonly<Record<string, KeyValueKey>> = {
  host: hostKey,
  server: hostKey,
  port: key('Port', setPort),
  database: databaseKey,
  db: databaseKey,
  username: userKey,
  user: userKey,
  userid: userKey,
  password: passwordKey,
  pwd: passwordKey,
  psw: passwordKey,
  sslmode: key('SSL Mode', setSslMode),
  trustservercertificate: key('Trust Server Certificate', setTrustServerCertificate),
  rootcertificate: key('Root Certificate', (c, v) => void (c.sslRootCertFile = v)),
  applicationname: key('Application Name', (c, v) => void (c.applicationName = v)),
  maximumpoolsize: maxPoolSizeKey,
  maxpoolsize: maxPoolSizeKey,
  // Accepted for compatibility with strings written for Npgsql; the service manages these itself.
  pooling: key('Pooling', ignore),
  minimumpoolsize: key('Minimum Pool Size', ignore),
  minpoolsize: key('Minimum Pool Size', ignore),
  includeerrordetail: key('Include Error Detail', ignore),
  timeout: key('Timeout', ignore),
  commandtimeout: key('Command Timeout', ignore),
  keepalive: key('Keepalive', ignore),
};

const supportedKeys =
  'supported: Host, Port, Database, Username, Password, SSL Mode, Trust Server Certificate, Root Certificate, Application Name, Maximum Pool Size';

/**
 * Where part `index` (0-based) of a key=value string is, in words that quote none of it: its position,
 * and the known key before it. After a password, the likely cause is a ";" in it.
 */
function partPlace(index: number, total: number, previous: KeyValueKey | undefined): string {
  const after = previous ? ` (after ${previous.name})` : '';
  return `part ${index + 1} of ${total}${after}`;
}

function passwordHint(previous: KeyValueKey | undefined): string {
  return previous === passwordKey ? `; a password holding ";" must be quoted: Password='…;…'` : '';
}

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
  const parts = splitParts(raw);
  if (parts.length === 0) return 'empty; expected a postgres:// URL or Host=...;Database=...;Username=...';
  let previous: KeyValueKey | undefined;
  for (const [index, part] of parts.entries()) {
    const place = partPlace(index, parts.length, previous);
    if (part === undefined)
      return `${place} is not Key=Value; expected a postgres:// URL or Key=Value parts separated by ";"${passwordHint(previous)}`;
    const known = keyValueKeys[part[0].toLowerCase().replace(/\s+/g, '')];
    if (!known)
      return `${place} has an unknown key (not shown: it may be part of a password); ${supportedKeys}${passwordHint(previous)}`;
    const problem = known.set(config, part[1]);
    if (problem) return problem;
    previous = known;
  }
  return config;
}

/**
 * Splits `a=1;b='x;y'` into its parts, honouring single and double quotes as DbConnectionStringBuilder
 * does: a [key, value] pair for each, undefined for a part that is not Key=Value (then the rest is split
 * at each ";" alone, to count the parts).
 */
function splitParts(raw: string): Array<[string, string] | undefined> {
  const parts: Array<[string, string] | undefined> = [];
  const pattern = /\s*([^=;]+?)\s*=\s*("(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*?)\s*(?:;|$)/y;
  let index = 0;
  while (index < raw.length) {
    if (/^[\s;]*$/.test(raw.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(raw);
    if (!match || match[0] === '') {
      const rest = raw
        .slice(index)
        .split(';')
        .filter((part) => part.trim() !== '');
      return [...parts, ...rest.map(() => undefined)];
    }
    let value = match[2] ?? '';
    if (/^".*"$/s.test(value)) value = value.slice(1, -1).replace(/""/g, '"');
    else if (/^'.*'$/s.test(value)) value = value.slice(1, -1).replace(/''/g, "'");
    parts.push([match[1] ?? '', value]);
    index = pattern.lastIndex;
  }
  return parts;
}
