import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { configProblemsOf } from '../support/configProblems.js';
import { parseConnectionString } from '../../src/config/connectionString.js';

const problemsOf = configProblemsOf;

describe('loadConfig', () => {
  it('uses the contract defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.database).toBeUndefined();
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.worker).toMatchObject({ concurrency: 2, maxAttempts: 5, baseBackoffSeconds: 2 });
    expect(config.logLevel).toBe('info');
    expect(config.runMigrationsOnStartup).toBe(true);
  });

  it('keeps events and jobs 30 days and runs maintenance every 10 minutes unless told otherwise', () => {
    expect(loadConfig({}).maintenance).toEqual({
      rawEventRetentionDays: 30,
      jobRetentionDays: 30,
      intervalSeconds: 600,
    });
    const off = loadConfig({
      RAW_EVENT_RETENTION_DAYS: '0',
      JOB_RETENTION_DAYS: '400',
      MAINTENANCE_INTERVAL_SECONDS: '0',
    });
    expect(off.maintenance).toEqual({ rawEventRetentionDays: 0, jobRetentionDays: 400, intervalSeconds: 0 });
  });

  it('prefers ConnectionStrings__Db over DATABASE_URL', () => {
    const config = loadConfig({
      ConnectionStrings__Db: 'Host=db;Database=ingestion;Username=app',
      DATABASE_URL: 'postgres://other@elsewhere/x',
    });
    expect(config.databaseSource).toBe('ConnectionStrings__Db');
    expect(config.database).toMatchObject({ host: 'db', database: 'ingestion', user: 'app' });
  });

  it.each([
    ['WORKER_CONCURRENCY', 'abc'],
    ['WORKER_CONCURRENCY', '0'],
    ['MAX_ATTEMPTS', '0'],
    ['MAX_ATTEMPTS', '2.5'],
    ['BASE_BACKOFF_SECONDS', '-1'],
    ['BASE_BACKOFF_SECONDS', 'fast'],
    ['LOG_LEVEL', 'verbose'],
    ['ASPNETCORE_URLS', 'https://+:443'],
    ['PORT', '70000'],
    ['RUN_MIGRATIONS_ON_STARTUP', 'maybe'],
    ['DATABASE_URL', 'postgres://h/db?sslmode=sometimes'],
    ['DATABASE_POOL_MODE', 'statement'],
    ['LISTEN_DATABASE_URL', 'postgres://h/db?sslmode=sometimes'],
    ['MIGRATION_DATABASE_URL', 'mysql://h/db'],
    ['LOG_FORMAT', 'yaml'],
    ['RAW_EVENT_RETENTION_DAYS', '-1'],
    ['RAW_EVENT_RETENTION_DAYS', '7.5'],
    ['JOB_RETENTION_DAYS', 'forever'],
    ['MAINTENANCE_INTERVAL_SECONDS', '90000'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toMatch(/expected|supported|use /);
  });

  it('reads the pool mode onto the database, and the LISTEN and migration databases beside it', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@pooler:6543/ingest',
      DATABASE_POOL_MODE: 'Transaction',
      LISTEN_DATABASE_URL: 'postgres://app@db:5432/ingest',
      MIGRATION_DATABASE_URL: 'Host=db;Database=ingest;Username=owner',
    });
    expect(config.database).toMatchObject({ host: 'pooler', poolMode: 'transaction' });
    expect(config.listenDatabase).toMatchObject({ host: 'db', port: 5432 });
    expect(config.listenDatabase?.poolMode).toBeUndefined();
    expect(config.migrationDatabase).toMatchObject({ host: 'db', user: 'owner' });
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db/ingest' }).database?.poolMode).toBe('session');
  });

  it('runs two insert statements at once, never more than the pool holds', () => {
    expect(loadConfig({}).http.insertConcurrency).toBe(2);
    expect(loadConfig({ API_POOL_SIZE: '1' }).http.insertConcurrency).toBe(1);
    expect(loadConfig({ API_INSERT_CONCURRENCY: '6' }).http.insertConcurrency).toBe(6);
    const problems = problemsOf({ API_POOL_SIZE: '4', API_INSERT_CONCURRENCY: '5' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('API_INSERT_CONCURRENCY=5 is more than API_POOL_SIZE=4');
  });

  it('holds 8 MiB of request bodies at once by default, never less than one largest body', () => {
    expect(loadConfig({}).http.maxInflightBytes).toBe(8 * 1_048_576);
    expect(loadConfig({ API_MAX_INFLIGHT_BYTES: '2000000' }).http.maxInflightBytes).toBe(2_000_000);
    expect(loadConfig({ MAX_BODY_BYTES: '20000000' }).http.maxInflightBytes).toBe(20_000_000);
    const problems = problemsOf({ MAX_BODY_BYTES: '2000000', API_MAX_INFLIGHT_BYTES: '1000000' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('API_MAX_INFLIGHT_BYTES=1000000 is less than MAX_BODY_BYTES=2000000');
    expect(problemsOf({ API_MAX_INFLIGHT_BYTES: 'lots' })[0]).toContain('API_MAX_INFLIGHT_BYTES="lots"');
  });

  it('turns the per-tenant limits off by default and reads each, refusing what is not a whole number', () => {
    expect(loadConfig({}).http.rateLimits).toEqual({
      requestsPerSecond: 0,
      eventsPerSecond: 0,
      maxPendingEvents: 0,
    });
    expect(
      loadConfig({
        RATE_LIMIT_REQUESTS_PER_SECOND: '100',
        RATE_LIMIT_EVENTS_PER_SECOND: '50000',
        TENANT_MAX_PENDING_EVENTS: '1000000',
      }).http.rateLimits,
    ).toEqual({ requestsPerSecond: 100, eventsPerSecond: 50_000, maxPendingEvents: 1_000_000 });
    const problems = problemsOf({ RATE_LIMIT_REQUESTS_PER_SECOND: '-1', TENANT_MAX_PENDING_EVENTS: '1.5' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('RATE_LIMIT_REQUESTS_PER_SECOND="-1": expected a whole number');
    expect(problems[1]).toContain('TENANT_MAX_PENDING_EVENTS="1.5"');
  });

  it('reads the admin token and read-only mode, refusing a short token', () => {
    expect(loadConfig({}).admin).toEqual({ token: undefined, readOnly: false });
    const token = 'a'.repeat(32);
    expect(loadConfig({ ADMIN_TOKEN: token, DASHBOARD_READ_ONLY: 'true' }).admin).toEqual({
      token,
      readOnly: true,
    });
    expect(problemsOf({ ADMIN_TOKEN: 'short' })[0]).toMatch(/^ADMIN_TOKEN: expected 16 to 512/);
    expect(problemsOf({ DASHBOARD_READ_ONLY: 'maybe' })[0]).toMatch(/^DASHBOARD_READ_ONLY=/);
  });

  it('reads AUTH_MODE: none by default, keys when asked, anything else refused', () => {
    expect(loadConfig({}).auth).toEqual({ mode: 'none' });
    expect(loadConfig({ AUTH_MODE: 'KEYS' }).auth).toEqual({ mode: 'keys' });
    expect(problemsOf({ AUTH_MODE: 'token' })[0]).toBe('AUTH_MODE="token": expected none or keys');
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ WORKER_CONCURRENCY: 'x', MAX_ATTEMPTS: '0', LOG_LEVEL: 'loud' })).toHaveLength(3);
  });

  it.each([
    ['Trace', 'trace'],
    ['Debug', 'debug'],
    ['Information', 'info'],
    ['WARNING', 'warn'],
    ['error', 'error'],
    ['Critical', 'fatal'],
    ['None', 'silent'],
    ['fatal', 'fatal'],
  ])('maps LOG_LEVEL=%s to %s', (raw, level) => {
    expect(loadConfig({ LOG_LEVEL: raw }).logLevel).toBe(level);
  });

  it('reads ASPNETCORE_URLS and lets PORT and HOST win', () => {
    expect(loadConfig({ ASPNETCORE_URLS: 'http://+:9090' }).http).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
    });
    expect(loadConfig({ ASPNETCORE_URLS: 'http://localhost:5000' }).http).toMatchObject({
      host: 'localhost',
      port: 5000,
    });
    expect(
      loadConfig({ ASPNETCORE_URLS: 'http://+:9090', PORT: '3000', HOST: '127.0.0.1' }).http,
    ).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
    });
  });

  it('accepts a fractional backoff base', () => {
    expect(loadConfig({ BASE_BACKOFF_SECONDS: '0.5' }).worker.baseBackoffSeconds).toBe(0.5);
  });

  it('runs the aggregation in SQL with a 300 s processor timeout unless told otherwise', () => {
    expect(loadConfig({}).worker).toMatchObject({ jobTimeoutSeconds: 300, processorModule: undefined });
    expect(
      loadConfig({
        JOB_TIMEOUT_SECONDS: '0.5',
        PROCESSOR_MODULE: ' src/processing/examples/distinctUsers.ts ',
      }).worker,
    ).toMatchObject({ jobTimeoutSeconds: 0.5, processorModule: 'src/processing/examples/distinctUsers.ts' });
  });

  it('names a bad processor timeout or module and what it expects', () => {
    const problems = problemsOf({ JOB_TIMEOUT_SECONDS: '0', PROCESSOR_MODULE: 'distinctUsers' });
    expect(problems).toEqual([
      'JOB_TIMEOUT_SECONDS="0": expected a number greater than 0 and at most 86400',
      expect.stringMatching(/^PROCESSOR_MODULE="distinctUsers": expected the path of a \.js or \.ts file/),
    ]);
  });
});

describe('parseConnectionString', () => {
  it('reads the Npgsql form the template used, SSL Mode included', () => {
    expect(
      parseConnectionString(
        'Host=db;Port=5432;Database=ingestion;Username=postgres;Password=postgres;SSL Mode=Require',
      ),
    ).toEqual({
      host: 'db',
      port: 5432,
      database: 'ingestion',
      user: 'postgres',
      password: 'postgres',
      sslMode: 'require',
      sslRootCertFile: undefined,
      applicationName: undefined,
      maxPoolSize: undefined,
    });
  });

  it('reads Npgsql keys in any case, with aliases, quotes and spaces', () => {
    expect(
      parseConnectionString(
        `server = db.example ; PORT=6543; User ID=app; pwd='p;w''d'; sslmode=VerifyFull;`,
      ),
    ).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'app',
      password: "p;w'd",
      sslMode: 'verify-full',
    });
    expect(parseConnectionString('Host=h;Maximum Pool Size=7;Pooling=true')).toMatchObject({
      maxPoolSize: 7,
    });
  });

  it('reads a postgres URL with percent-encoding and sslmode', () => {
    expect(
      parseConnectionString('postgresql://doadmin:p%40ss@db-1.example.com:25060/defaultdb?sslmode=require'),
    ).toMatchObject({
      host: 'db-1.example.com',
      port: 25060,
      database: 'defaultdb',
      user: 'doadmin',
      password: 'p@ss',
      sslMode: 'require',
    });
    expect(parseConnectionString('postgres://u@h/db')).toMatchObject({ port: 5432, sslMode: 'disable' });
  });

  it('says what is wrong with a bad string, by position and key, never with its text', () => {
    expect(parseConnectionString('Host=db;Colour=blue')).toMatch(
      /part 2 of 2 \(after Host\) has an unknown key/,
    );
    expect(parseConnectionString('Host=db;Port=abc')).toMatch(/Port is not a port number/);
    expect(parseConnectionString('Host=db;SSL Mode=Always')).toMatch(/SSL Mode is not supported/);
    expect(parseConnectionString('postgres://h/db?pool=3')).toMatch(/URL parameter 1 is not supported/);
    expect(parseConnectionString('just some words')).toMatch(/part 1 of 1 is not Key=Value/);
  });

  // A mistyped connection string usually goes wrong next to its password: an unquoted ";" in it splits
  // it, and what follows is then read as a key, or as text with no "=" at all. The message goes to logs
  // and terminals; it must carry no part of the string, only where and what to fix.
  it.each([
    ['Host=db;Password=abc;Secret-Tail', /part 3 of 3 \(after Password\) is not Key=Value.*Password='…;…'/],
    [
      'Host=db;Password=abc;Secret-Tail=rest',
      /part 3 of 3 \(after Password\) has an unknown key.*Password='…;…'/,
    ],
    ['Host=db;Password=abc;Secret-Tail;Port=5432', /part 3 of 4 \(after Password\) is not Key=Value/],
    ['Host=db;Port=Secret-Tail', /Port is not a port number/],
    ['Host=db;SSL Mode=Secret-Tail', /SSL Mode is not supported/],
    ['Host=db;Trust Server Certificate=Secret-Tail', /Trust Server Certificate: expected true or false/],
    ['Host=db;Maximum Pool Size=Secret-Tail', /Maximum Pool Size: expected a whole number/],
    ['Secret-Tail', /part 1 of 1 is not Key=Value/],
    ['postgres://u:pw@h/db?sslmode=Secret-Tail', /sslmode is not supported/],
    ['postgres://u:pw@h/db?Secret-Tail=1', /URL parameter 1 is not supported/],
    ['postgres://u:pw@h/db?sslmode=require&Secret-Tail', /URL parameter 2 is not supported/],
    ['postgres://u:Secret-Tail@h:port/db', /not a valid URL/],
  ])('never echoes the string: %s', (raw, message) => {
    const problem = parseConnectionString(raw);
    expect(problem).toMatch(message);
    expect(problem).not.toMatch(/Secret|Tail|abc/);
    const problems = problemsOf({ DATABASE_URL: raw });
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL: /)]);
    expect(problems[0]).not.toMatch(/Secret|Tail|abc/);
  });
});

describe('DATABASE_CA_CERT', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

  it('verifies the chain of a require URL, as libpq does with a root certificate', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db.example.com:25060/defaultdb?sslmode=require',
      DATABASE_CA_CERT: pem,
    });
    expect(config.database).toMatchObject({ sslMode: 'verify-ca', sslRootCertPem: pem });
  });

  it('keeps verify-full, and reads literal \\n escapes', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db.example.com/d?sslmode=verify-full',
      DATABASE_CA_CERT: pem.replace(/\n/g, '\\n'),
    });
    expect(config.database).toMatchObject({ sslMode: 'verify-full', sslRootCertPem: pem });
  });

  it('is ignored when empty (a binding that resolved to nothing)', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/d?sslmode=require', DATABASE_CA_CERT: '' });
    expect(config.database).toMatchObject({ sslMode: 'require' });
    expect(config.database?.sslRootCertPem).toBeUndefined();
  });

  it.each([
    ['not a certificate', 'postgres://u@h/d?sslmode=require', /expected the PEM text/],
    [pem, 'postgres://u@h/d?sslmode=disable', /does not use TLS/],
    [pem, 'postgres://u@h/d?sslmode=verify-full&sslrootcert=/ca.pem', /keep one of the two/],
  ])('refuses %j with %s', (value, url, message) => {
    const problems = problemsOf({ DATABASE_URL: url, DATABASE_CA_CERT: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});
