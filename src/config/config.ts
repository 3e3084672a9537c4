import { readClientBounds, type ClientBoundsConfig } from './clientBounds.js';
import { ConfigError } from './configError.js';
import { readCors, type CorsConfig } from './corsConfig.js';
import { withCaCert } from './databaseCaCert.js';
import { parseConnectionString, type DatabaseConfig } from './connectionString.js';
import { EnvReader, type Env } from './envReader.js';
import { readListenAddress, type HttpListen } from './listenAddress.js';
import { acceptedLogFormats, parseLogFormat, type LogFormat } from './logFormat.js';
import { acceptedLogLevels, parseLogLevel, type LogLevel } from './logLevel.js';
import { readTracingConfig, type TracingConfig } from './tracingConfig.js';
import { readWebhookConfig, type WebhookConfig } from './webhookConfig.js';

/** Settings of the HTTP API. */
export interface HttpConfig extends HttpListen {
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** Most events one request may carry. */
  maxEventsPerRequest: number;
  /** Largest payload of one event, in bytes of its JSON text. */
  maxPayloadBytes: number;
  /** Connections the API's pool may open. */
  poolSize: number;
  /** Insert statements in flight at once; requests arriving meanwhile share the next statement. */
  insertConcurrency: number;
  /** Request-body bytes the API holds at once (the same as `clientBounds.maxInflightBytes`). */
  maxInflightBytes: number;
  /** What one tenant may hold of the process, and how slow a body may be (src/config/clientBounds.ts). */
  clientBounds: ClientBoundsConfig;
  /** Per-tenant limits of POST /v1/ingestions; 0 turns one off. */
  rateLimits: RateLimitConfig;
  cors: CorsConfig;
}

/** Per-tenant limits, held across all API processes; a caller's own limits (an API key's) replace the first two. */
export interface RateLimitConfig {
  /** Requests a second per tenant; 0: no limit. */
  requestsPerSecond: number;
  /** Events a second per tenant; 0: no limit. */
  eventsPerSecond: number;
  /** Events a tenant may have waiting to be processed (Pending or Processing); 0: no cap. */
  maxPendingEvents: number;
}

/** Settings of the worker. */
export interface WorkerConfig {
  /** Claim loops run at once per process; each holds at most one database connection. */
  concurrency: number;
  /** Jobs one claim takes at most; a batch is aggregated and completed in one statement. */
  batchSize: number;
  /** Attempts before a job becomes Failed; stored on each job when it is accepted. */
  maxAttempts: number;
  /** Base of the exponential retry backoff, in seconds. */
  baseBackoffSeconds: number;
  /** How long a claim is valid without a heartbeat; an expired lease makes the job claimable again. */
  leaseSeconds: number;
  /** How often an idle worker looks for due jobs when no notification arrives. */
  pollIntervalMs: number;
  /** How long a stopping worker waits for running jobs before handing them back. */
  shutdownGraceSeconds: number;
  /**
   * How long a processor written in TypeScript may run on one job: then its signal aborts, the attempt
   * fails with backoff and its slot is free. The template's aggregation in SQL is not affected.
   */
  jobTimeoutSeconds: number;
  /**
   * The module whose `processor` export processes jobs (a path, relative to the working directory);
   * undefined: the template's aggregation, run in SQL inside the completion statement.
   */
  processorModule: string | undefined;
}

/** Settings of the admin API and the dashboard. */
export interface AdminConfig {
  /** The bearer token the admin API and dashboard require; undefined leaves them open on loopback only. */
  token: string | undefined;
  /** Refuses retries and cancels on the server, in the admin API and so in the dashboard. */
  readOnly: boolean;
}

/** How callers of the public API prove who they are. */
export interface AuthConfig {
  /**
   * `none`: anyone who reaches the API may submit for any tenant and read any job (the default, for
   * `npm start` on a laptop). `keys`: every request to /v1 carries an API key (issue 12, docs/security.md).
   */
  mode: 'none' | 'keys';
}

/** Settings of the Prometheus metrics. */
export interface MetricsConfig {
  /** Whether metrics are recorded and served; off, every recording call is a no-op. */
  enabled: boolean;
  /** Where a worker process serves GET /metrics (the API serves it on its own port). */
  port: number;
  /** How long a process reuses its count of jobs by status before asking the database again. */
  jobCountsCacheSeconds: number;
  /** GIT_COMMIT: the commit ingest_build_info names; unset, the checkout's HEAD when there is one. */
  buildCommit: string | undefined;
}

/** Time partitions of raw_events and retention (src/maintenance/, docs/operations.md). */
export interface MaintenanceConfig {
  /** Days a day's partition of events is kept after it ends; 0 keeps events forever. */
  rawEventRetentionDays: number;
  /** Days a finished job (and its results) is kept after it finished; 0 keeps jobs forever. */
  jobRetentionDays: number;
  /** How often each worker process tries a pass; 0: never in workers (`npm run maintenance` only). */
  intervalSeconds: number;
}

/** The whole configuration, parsed and validated once at start. */
export interface Config {
  /** Undefined when no database is configured: `npm start` then runs an embedded PostgreSQL. */
  database: DatabaseConfig | undefined;
  /** Which variable the database came from, for the start-up log. */
  databaseSource: 'ConnectionStrings__Db' | 'DATABASE_URL' | undefined;
  /**
   * A direct connection for the workers' LISTEN (LISTEN_DATABASE_URL). Unset: the main database, unless
   * that is a transaction-mode pooler, which cannot carry notifications; workers then poll.
   */
  listenDatabase: DatabaseConfig | undefined;
  /** Where migrations run (MIGRATION_DATABASE_URL); unset: the main database. */
  migrationDatabase: DatabaseConfig | undefined;
  http: HttpConfig;
  worker: WorkerConfig;
  admin: AdminConfig;
  auth: AuthConfig;
  metrics: MetricsConfig;
  maintenance: MaintenanceConfig;
  webhooks: WebhookConfig;
  tracing: TracingConfig;
  logLevel: LogLevel;
  /** JSON lines, readable lines, or readable only on a terminal. */
  logFormat: LogFormat;
  runMigrationsOnStartup: boolean;
  /** Where the embedded PostgreSQL keeps its data. */
  dataDir: string;
}

/**
 * Reads the configuration from the environment. Throws a ConfigError that lists every invalid variable
 * with its accepted form; nothing falls back to a default silently.
 */
export function loadConfig(env: Env): Config {
  const read = new EnvReader(env);

  const { database, databaseSource } = readDatabase(read);
  const poolMode = read.choice('DATABASE_POOL_MODE', ['session', 'transaction'] as const, 'session');
  if (database) database.poolMode = poolMode;
  const listenDatabase = readOptionalDatabase(read, 'LISTEN_DATABASE_URL');
  const migrationDatabase = readOptionalDatabase(read, 'MIGRATION_DATABASE_URL');

  const listen = readListenAddress(read);

  let logLevel: LogLevel = 'info';
  const rawLevel = read.string('LOG_LEVEL');
  if (rawLevel !== undefined) {
    const parsed = parseLogLevel(rawLevel);
    if (parsed) logLevel = parsed;
    else read.problems.push(`LOG_LEVEL=${JSON.stringify(rawLevel)}: expected one of ${acceptedLogLevels}`);
  }

  let logFormat: LogFormat = 'auto';
  const rawFormat = read.string('LOG_FORMAT');
  if (rawFormat !== undefined) {
    const parsed = parseLogFormat(rawFormat);
    if (parsed) logFormat = parsed;
    else read.problems.push(`LOG_FORMAT=${JSON.stringify(rawFormat)}: expected ${acceptedLogFormats}`);
  }

  const poolSize = read.integer('API_POOL_SIZE', database?.maxPoolSize ?? 10, 1, 1000);
  const insertConcurrency = read.integer('API_INSERT_CONCURRENCY', Math.min(2, poolSize), 1, 1000);
  if (insertConcurrency > poolSize) {
    read.problems.push(
      `API_INSERT_CONCURRENCY=${insertConcurrency} is more than API_POOL_SIZE=${poolSize}: ` +
        'each insert statement holds a pool connection, so set it at most to the pool size.',
    );
  }
  const maxBodyBytes = read.integer('MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576);
  const clientBounds = readClientBounds(read, maxBodyBytes);
  const config: Config = {
    database,
    databaseSource,
    listenDatabase,
    migrationDatabase,
    http: {
      ...listen,
      maxBodyBytes,
      maxEventsPerRequest: read.integer('MAX_EVENTS_PER_REQUEST', 2_500, 1, 100_000),
      maxPayloadBytes: read.integer('MAX_PAYLOAD_BYTES', 32_768, 16, 100 * 1_048_576),
      poolSize,
      insertConcurrency,
      maxInflightBytes: clientBounds.maxInflightBytes,
      clientBounds,
      rateLimits: {
        requestsPerSecond: read.integer('RATE_LIMIT_REQUESTS_PER_SECOND', 0, 0, 1_000_000),
        eventsPerSecond: read.integer('RATE_LIMIT_EVENTS_PER_SECOND', 0, 0, 100_000_000),
        maxPendingEvents: read.integer('TENANT_MAX_PENDING_EVENTS', 0, 0, 1_000_000_000),
      },
      cors: readCors(read),
    },
    worker: {
      concurrency: read.integer('WORKER_CONCURRENCY', 2, 1, 1000),
      batchSize: read.integer('WORKER_BATCH_SIZE', 50, 1, 1000),
      maxAttempts: read.integer('MAX_ATTEMPTS', 5, 1, 1000),
      baseBackoffSeconds: read.positiveNumber('BASE_BACKOFF_SECONDS', 2, 300),
      leaseSeconds: read.positiveNumber('LEASE_SECONDS', 10, 3600),
      pollIntervalMs: read.integer('POLL_INTERVAL_MS', 1000, 10, 600_000),
      shutdownGraceSeconds: read.positiveNumber('SHUTDOWN_GRACE_SECONDS', 20, 3600),
      jobTimeoutSeconds: read.positiveNumber('JOB_TIMEOUT_SECONDS', 300, 86_400),
      processorModule: readProcessorModule(read),
    },
    admin: readAdmin(read),
    auth: { mode: read.choice('AUTH_MODE', ['none', 'keys'] as const, 'none') },
    metrics: {
      enabled: read.boolean('METRICS_ENABLED', true),
      // 9464 is the port Prometheus' registry of exporter ports gives OpenTelemetry's Prometheus exporter.
      port: read.integer('METRICS_PORT', 9464, 0, 65535),
      jobCountsCacheSeconds: read.positiveNumber('METRICS_JOB_COUNTS_CACHE_SECONDS', 5, 3600),
      buildCommit: read.string('GIT_COMMIT'),
    },
    maintenance: {
      rawEventRetentionDays: read.integer('RAW_EVENT_RETENTION_DAYS', 30, 0, 36_500),
      jobRetentionDays: read.integer('JOB_RETENTION_DAYS', 30, 0, 36_500),
      // Partitions are made 7 days ahead: a pass at least daily keeps a week's margin. 600 s: see
      // docs/operations.md (Retention and maintenance).
      intervalSeconds: read.integer('MAINTENANCE_INTERVAL_SECONDS', 600, 0, 86_400),
    },
    webhooks: readWebhookConfig(read),
    tracing: readTracingConfig(read),
    logLevel,
    logFormat,
    runMigrationsOnStartup: read.boolean('RUN_MIGRATIONS_ON_STARTUP', true),
    dataDir: read.string('DATA_DIR') ?? '.data',
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

function readProcessorModule(read: EnvReader): string | undefined {
  const raw = read.string('PROCESSOR_MODULE');
  if (raw === undefined) return undefined;
  if (!/\.(js|mjs|ts|mts)$/.test(raw.trim())) {
    read.problems.push(
      `PROCESSOR_MODULE=${JSON.stringify(raw)}: expected the path of a .js or .ts file exporting \`processor\`` +
        ' (for example src/processing/examples/distinctUsers.ts), or leave it unset for the default aggregation',
    );
    return undefined;
  }
  return raw.trim();
}

function readAdmin(read: EnvReader): AdminConfig {
  const token = read.string('ADMIN_TOKEN');
  if (token !== undefined && !/^[\x21-\x7e]{16,512}$/.test(token)) {
    read.problems.push(
      'ADMIN_TOKEN: expected 16 to 512 printable ASCII characters without spaces ' +
        '(for example the output of `openssl rand -hex 32`)',
    );
  }
  return { token, readOnly: read.boolean('DASHBOARD_READ_ONLY', false) };
}

function readDatabase(read: EnvReader): Pick<Config, 'database' | 'databaseSource'> {
  for (const name of ['ConnectionStrings__Db', 'DATABASE_URL'] as const) {
    const raw = read.string(name);
    if (raw === undefined) continue;
    const parsed = parseConnectionString(raw);
    if (typeof parsed === 'string') {
      read.problems.push(`${name}: ${parsed}`);
      return { database: undefined, databaseSource: undefined };
    }
    return { database: withCaCert(read, parsed), databaseSource: name };
  }
  return { database: undefined, databaseSource: undefined };
}

/** A second connection string for one purpose; a session of its own, whatever DATABASE_POOL_MODE says. */
function readOptionalDatabase(read: EnvReader, name: string): DatabaseConfig | undefined {
  const raw = read.string(name);
  if (raw === undefined) return undefined;
  const parsed = parseConnectionString(raw);
  if (typeof parsed !== 'string') return parsed;
  read.problems.push(`${name}: ${parsed}`);
  return undefined;
}
