// scripts/smoke.sh against a service in AUTH_MODE=keys, as docs/deployment.md runs it after a deploy: with
// a tenant's write and read keys it passes (the write key names the tenant, so SMOKE_TENANT is not
// needed), and without keys it fails saying which variables to set. The processes' ready lines are also
// held to the patterns npm run bench waits for.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/data/pool.js';
import { apiReadyLine, workerReadyLine } from '../../bench/serviceProcesses.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let pool: Pool;
let base: string;
const processes: ServiceProcess[] = [];
let api: ServiceProcess;
let worker: ServiceProcess;

beforeAll(async () => {
  pool = db.createPool(1);
  const port = await freePort();
  const common = { ...db.env, RUN_MIGRATIONS_ON_STARTUP: 'false', POLL_INTERVAL_MS: '200' };
  api = startProcess('src/entry/api.ts', {
    ...common,
    AUTH_MODE: 'keys',
    HOST: '127.0.0.1',
    PORT: String(port),
  });
  worker = startProcess('src/entry/worker.ts', common);
  processes.push(api, worker);
  await Promise.all([
    waitForOutput(api, /API listening/, 120_000),
    waitForOutput(worker, /worker started/, 120_000),
  ]);
  base = `http://127.0.0.1:${port}`;
}, 180_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop('SIGTERM')));
  await pool.end();
});

async function smoke(env: Record<string, string>) {
  try {
    const { stdout } = await promisify(execFile)('bash', ['scripts/smoke.sh', base], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

async function createKey(kind: string) {
  const outcome = await runKeysCommand(pool, ['create', '--tenant', 'smoke-keys', '--kind', kind]);
  return outcome.stdout.at(-1)!;
}

describe('the ready lines', () => {
  it('are the ones npm run bench waits for', () => {
    expect(api.output()).toMatch(apiReadyLine);
    expect(worker.output()).toMatch(workerReadyLine);
  });
});

describe('scripts/smoke.sh against AUTH_MODE=keys', () => {
  it('passes with a write and a read key alone: the write key names the tenant', async () => {
    const { code, output } = await smoke({
      SMOKE_WRITE_KEY: await createKey('write'),
      SMOKE_READ_KEY: await createKey('read'),
    });
    expect(output).toMatch(/SMOKE PASSED/);
    expect(code).toBe(0);
  });

  it('fails without keys, naming the variables to set', async () => {
    const { code, output } = await smoke({});
    expect(code).toBe(1);
    expect(output).toMatch(/got 401/);
    expect(output).toMatch(/SMOKE_WRITE_KEY and SMOKE_READ_KEY/);
  });
});
