import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { DatabaseConfig } from '../config/connectionString.js';
import { explainPoolerRefusal, PoolerSettingRefusedError } from './poolerSettings.js';

/** A node-postgres pool; the only way the service talks to the database. */
export type Pool = pg.Pool;

/** A connection taken from a pool, to be released to it. */
export type PoolClient = pg.PoolClient & { processID?: number | null };

/** Options that differ between the API, the worker and the tests. */
export interface PoolOptions {
  /** Most connections open at once. */
  max: number;
  /** Shown in `pg_stat_activity`, to tell the service's processes apart. */
  applicationName: string;
  /** How long to wait for a connection before giving up (the database is down or saturated). */
  connectionTimeoutMillis?: number;
  /** Server-side limit for each statement, in milliseconds; 0 for none. */
  statementTimeoutMillis?: number;
  /** Client-side limit for each query, in milliseconds: also covers a server that stopped answering. */
  queryTimeoutMillis?: number;
  /** Server-side limit on waiting for a lock, in milliseconds; 0 for none (then statement timeout). */
  lockTimeoutMillis?: number;
  /** How long an unused connection stays open; 30 s when absent. */
  idleTimeoutMillis?: number;
  /** Called for errors on idle connections (the database restarted); they must not crash the process. */
  onIdleError: (error: Error) => void;
  /**
   * Send a connection's queued queries without waiting for each answer (node-postgres' pipeline mode;
   * each query is still its own transaction). Only matters when a caller queues several on one
   * connection it took from the pool; no cursor queries on such a pool.
   */
  pipeline?: boolean;
}

/** The `ssl` option node-postgres needs for a libpq-style `sslMode`. */
export function tlsOptions(database: DatabaseConfig): pg.ClientConfig['ssl'] {
  if (database.sslMode === 'disable') return false;
  const ca =
    database.sslRootCertPem ??
    (database.sslRootCertFile ? readFileSync(database.sslRootCertFile, 'utf8') : undefined);
  if (database.sslMode === 'require') return { rejectUnauthorized: false };
  if (database.sslMode === 'verify-ca')
    return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  return { rejectUnauthorized: true, ca };
}

/** The client settings shared by pools and single connections (the LISTEN connection). */
export function clientConfig(database: DatabaseConfig, applicationName: string): pg.ClientConfig {
  return {
    host: database.host,
    port: database.port,
    database: database.database,
    user: database.user,
    password: database.password,
    ssl: tlsOptions(database),
    application_name: database.applicationName ?? applicationName,
  };
}

/**
 * A client that sends every statement unnamed. Behind a transaction-mode pooler, consecutive
 * transactions of one client run on different server connections: a statement prepared under a name on
 * one is missing on the next ("prepared statement does not exist") or already there from another client
 * ("already exists"). Unnamed, each statement is parsed where it runs; that costs a parse per call.
 */
class UnnamedStatementClient extends pg.Client {
  // The overloads of pg's query() cannot be restated in a subclass; this forwards whatever it is given.
  override query(...args: unknown[]): never {
    const [config] = args;
    if (config !== null && typeof config === 'object' && 'name' in config && config.name !== undefined) {
      args[0] = { ...config, name: undefined };
    }
    return (super.query as (...forwarded: unknown[]) => never)(...args);
  }
}

/**
 * A client that sends connection settings (statement_timeout, lock_timeout) and explains a pooler's
 * refusal of them (poolerSettings.ts) instead of passing on PgBouncer's bare "unsupported startup
 * parameter", which otherwise reaches every log line of every failed connection.
 */
class SessionClient extends pg.Client {
  // As in UnnamedStatementClient: the overloads of connect() cannot be restated, so this forwards them.
  override connect(...args: unknown[]): never {
    const [callback] = args;
    const explain = (error: Error) => explainPoolerRefusal(error, `${this.host}:${this.port}`);
    if (typeof callback === 'function') {
      return super.connect((error: Error | null) =>
        (callback as (error: Error | null) => void)(error && explain(error)),
      ) as never;
    }
    return super.connect().catch((error: Error) => Promise.reject(explain(error))) as never;
  }
}

/**
 * Whether connections with the settings the API's pools send are refused by a pooler in front of the
 * database: the refusal (whose message says what to set), or undefined. Any other failure (the database
 * is down) is left to the pools, which try again on each use. Opens and closes one connection.
 */
export async function poolerSettingsRefusal(
  database: DatabaseConfig,
): Promise<PoolerSettingRefusedError | undefined> {
  if (database.poolMode === 'transaction') return undefined;
  const pool = createPool(database, {
    max: 1,
    applicationName: 'ingest-settings-check',
    connectionTimeoutMillis: 3000,
    statementTimeoutMillis: 10_000,
    lockTimeoutMillis: 3000,
    onIdleError: () => undefined,
  });
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof PoolerSettingRefusedError ? error : undefined;
  } finally {
    await pool.end();
  }
}

/**
 * The PostgreSQL process serving a connection taken from `pool`, or undefined when it cannot be known:
 * behind a transaction-mode pooler the id the connection reports is the pooler's, and each transaction
 * may run in another server process anyway.
 */
export function backendPidOf(client: PoolClient): number | undefined {
  if (client instanceof UnnamedStatementClient) return undefined;
  return typeof client.processID === 'number' ? client.processID : undefined;
}

/**
 * Opens a pool. Nothing connects until the first query. Behind a transaction-mode pooler
 * (`database.poolMode`), statements go unnamed and the server-side timeouts are not sent as connection
 * settings, which such a pooler refuses ("unsupported startup parameter") and could not keep anyway: set
 * them on the database role instead (docs/pgbouncer.md). The client-side query timeout still applies.
 */
export function createPool(database: DatabaseConfig, options: PoolOptions): Pool {
  const transactionPooler = database.poolMode === 'transaction';
  const pool = new pg.Pool({
    ...clientConfig(database, options.applicationName),
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    ...(options.statementTimeoutMillis && !transactionPooler
      ? { statement_timeout: options.statementTimeoutMillis }
      : {}),
    ...(options.queryTimeoutMillis ? { query_timeout: options.queryTimeoutMillis } : {}),
    ...(options.lockTimeoutMillis && !transactionPooler ? { lock_timeout: options.lockTimeoutMillis } : {}),
    Client: transactionPooler ? UnnamedStatementClient : SessionClient,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    ...(options.pipeline ? { pipeline: true } : {}),
  });
  pool.on('error', options.onIdleError);
  return pool;
}
