import { ConfigError } from './configError.js';
import { parseConnectionString, type DatabaseConfig } from './connectionString.js';
import { EnvReader, type Env } from './envReader.js';
import { parseAspNetCoreUrls, type ListenAddress } from './listenAddress.js';
import { acceptedLogLevels, parseLogLevel, type LogLevel } from './logLevel.js';

/** Settings of the HTTP API. */
export interface HttpConfig extends ListenAddress {
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
}

/** Settings of the Prometheus metrics. */
export interface MetricsConfig {
  /** Whether metrics are recorded and served; off, every recording call is a no-op. */
  enabled: boolean;
  /** Where a worker process serves GET /metrics (the API serves it on its own port). */
  port: number;
  /** How long a process reuses its count of jobs by status before asking the database again. */
  jobCountsCacheSeconds: number;
}

/** The whole configuration, parsed and validated once at start. */
export interface Config {
  /** Undefined when no database is configured: `npm start` then runs an embedded PostgreSQL. */
  database: DatabaseConfig | undefined;
  /** Which variable the database came from, for the start-up log. */
  databaseSource: 'ConnectionStrings__Db' | 'DATABASE_URL' | undefined;
  http: HttpConfig;
  worker: WorkerConfig;
  metrics: MetricsConfig;
  logLevel: LogLevel;
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

  let listen: ListenAddress = { host: '0.0.0.0', port: 8080 };
  const urls = read.string('ASPNETCORE_URLS');
  if (urls !== undefined) {
    const parsed = parseAspNetCoreUrls(urls);
    if (typeof parsed === 'string') read.problems.push(`ASPNETCORE_URLS=${JSON.stringify(urls)}: ${parsed}`);
    else listen = parsed;
  }
  listen = {
    host: read.string('HOST') ?? listen.host,
    port: read.integer('PORT', listen.port, 0, 65535),
  };

  let logLevel: LogLevel = 'info';
  const rawLevel = read.string('LOG_LEVEL');
  if (rawLevel !== undefined) {
    const parsed = parseLogLevel(rawLevel);
    if (parsed) logLevel = parsed;
    else read.problems.push(`LOG_LEVEL=${JSON.stringify(rawLevel)}: expected one of ${acceptedLogLevels}`);
  }

  const poolSize = read.integer('API_POOL_SIZE', database?.maxPoolSize ?? 10, 1, 1000);
  const insertConcurrency = read.integer('API_INSERT_CONCURRENCY', Math.min(2, poolSize), 1, 1000);
  if (insertConcurrency > poolSize) {
    read.problems.push(
      `API_INSERT_CONCURRENCY=${insertConcurrency} is more than API_POOL_SIZE=${poolSize}: ` +
        'each insert statement holds a pool connection, so set it at most to the pool size.',
    );
  }
  const config: Config = {
    database,
    databaseSource,
    http: {
      ...listen,
      maxBodyBytes: read.integer('MAX_BODY_BYTES', 1_048_576, 1024, 100 * 1_048_576),
      maxEventsPerRequest: read.integer('MAX_EVENTS_PER_REQUEST', 2_500, 1, 100_000),
      maxPayloadBytes: read.integer('MAX_PAYLOAD_BYTES', 32_768, 16, 100 * 1_048_576),
      poolSize,
      insertConcurrency,
    },
    worker: {
      concurrency: read.integer('WORKER_CONCURRENCY', 2, 1, 1000),
      batchSize: read.integer('WORKER_BATCH_SIZE', 50, 1, 1000),
      maxAttempts: read.integer('MAX_ATTEMPTS', 5, 1, 1000),
      baseBackoffSeconds: read.positiveNumber('BASE_BACKOFF_SECONDS', 2, 300),
      leaseSeconds: read.positiveNumber('LEASE_SECONDS', 10, 3600),
      pollIntervalMs: read.integer('POLL_INTERVAL_MS', 1000, 10, 600_000),
      shutdownGraceSeconds: read.positiveNumber('SHUTDOWN_GRACE_SECONDS', 20, 3600),
    },
    metrics: {
      enabled: read.boolean('METRICS_ENABLED', true),
      // 9464 is the port Prometheus' registry of exporter ports gives OpenTelemetry's Prometheus exporter.
      port: read.integer('METRICS_PORT', 9464, 0, 65535),
      jobCountsCacheSeconds: read.positiveNumber('METRICS_JOB_COUNTS_CACHE_SECONDS', 5, 3600),
    },
    logLevel,
    runMigrationsOnStartup: read.boolean('RUN_MIGRATIONS_ON_STARTUP', true),
    dataDir: read.string('DATA_DIR') ?? '.data',
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
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
    return { database: parsed, databaseSource: name };
  }
  return { database: undefined, databaseSource: undefined };
}
