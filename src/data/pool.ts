import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { DatabaseConfig } from '../config/connectionString.js';

/** A node-postgres pool; the only way the service talks to the database. */
export type Pool = pg.Pool;

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
  /** Called for errors on idle connections (the database restarted); they must not crash the process. */
  onIdleError: (error: Error) => void;
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

/** Opens a pool. Nothing connects until the first query. */
export function createPool(database: DatabaseConfig, options: PoolOptions): Pool {
  const pool = new pg.Pool({
    ...clientConfig(database, options.applicationName),
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    ...(options.statementTimeoutMillis ? { statement_timeout: options.statementTimeoutMillis } : {}),
    ...(options.queryTimeoutMillis ? { query_timeout: options.queryTimeoutMillis } : {}),
    ...(options.lockTimeoutMillis ? { lock_timeout: options.lockTimeoutMillis } : {}),
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', options.onIdleError);
  return pool;
}
