// Pointed at PgBouncer without DATABASE_POOL_MODE=transaction, the API's pools send statement_timeout
// and lock_timeout as connection settings, which PgBouncer refuses on every connection: the API never
// became ready and logged PgBouncer's raw "unsupported startup parameter" for ever. It must say what to
// set, once, at start. Real PgBouncer (test/support/pgbouncer.ts), real API and worker processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/data/databaseErrors.js';
import { createPool } from '../../src/data/pool.js';
import { PoolerSettingRefusedError } from '../../src/data/poolerSettings.js';
import { pgBouncerBinary, startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const missing = pgBouncerBinary() === undefined;
if (missing && process.env.CI)
  throw new Error('CI is set but pgbouncer is missing: apt-get install pgbouncer');
if (missing) process.stderr.write('Skipping the PgBouncer start-up tests: pgbouncer is not installed.\n');

let pooler: PgBouncer;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  if (!missing) pooler = await startPgBouncer(db.listenConfig);
});
afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await pooler?.stop();
});

/** The test database through PgBouncer, with no DATABASE_POOL_MODE unless given. */
function throughPooler(entry: string, env: Record<string, string> = {}): ServiceProcess {
  const url = new URL(db.url);
  url.port = String(pooler.port);
  const service = startProcess(entry, {
    DATABASE_URL: url.toString(),
    RUN_MIGRATIONS_ON_STARTUP: 'false',
    HOST: '127.0.0.1',
    POLL_INTERVAL_MS: '200',
    ...env,
  });
  started.push(service);
  return service;
}

/** The exit code, or 'running' when the process is still up after `ms`. */
async function exitWithin(service: ServiceProcess, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const running = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('running'), ms)));
  try {
    return await Promise.race([service.exited, running]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(missing)('behind PgBouncer without DATABASE_POOL_MODE=transaction', () => {
  it('the API stops at start, saying to set DATABASE_POOL_MODE=transaction', async () => {
    const api = throughPooler('src/entry/api.ts', { PORT: String(await freePort()) });
    expect(await exitWithin(api, 45_000), api.output()).toBe(1);
    const output = api.output();
    expect(output).toMatch(/statement_timeout/);
    expect(output).toMatch(/DATABASE_POOL_MODE=transaction/);
    expect(output).toMatch(/docs\/pgbouncer\.md/);
    expect(output).not.toMatch(/API listening/);
  });

  it('a worker says what to set and keeps running (in PgBouncer session mode it would work)', async () => {
    const worker = throughPooler('src/entry/worker.ts');
    await waitForOutput(worker, /worker started/, 60_000);
    await waitForOutput(worker, /DATABASE_POOL_MODE=transaction/);
    expect(worker.child.exitCode).toBeNull();
  });

  it('a refused connection later on (the pooler came up after the start) carries the same advice', async () => {
    const pool = createPool(
      { ...db.config, port: pooler.port, poolMode: 'session' },
      { max: 1, applicationName: 'test', lockTimeoutMillis: 3000, onIdleError: () => undefined },
    );
    try {
      const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PoolerSettingRefusedError);
      expect((error as PoolerSettingRefusedError).setting).toBe('lock_timeout');
      expect((error as Error).message).toMatch(/DATABASE_POOL_MODE=transaction/);
      // Still "the database cannot serve now" to a request: 503, not 500.
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('with DATABASE_POOL_MODE=transaction the API becomes ready through the same PgBouncer', async () => {
    const port = await freePort();
    const api = throughPooler('src/entry/api.ts', { PORT: String(port), DATABASE_POOL_MODE: 'transaction' });
    await waitForOutput(api, /API listening/, 60_000);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
  });
});
