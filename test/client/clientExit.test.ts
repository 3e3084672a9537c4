// The client in a Node.js process that is told to stop, or ends by itself: what it queued is sent, and
// the process ends as it would have without the client (by the signal, when the program has no
// handler of its own; when and how its own handler decides, when it has one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/data/pool.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let pool: Pool;
let api: ServiceProcess;
let base: string;

beforeAll(async () => {
  pool = db.createPool(1);
  const port = await freePort();
  api = startProcess('src/entry/api.ts', { ...db.env, HOST: '127.0.0.1', PORT: String(port) });
  await waitForOutput(api, /API listening/, 120_000);
  base = `http://127.0.0.1:${port}`;
}, 180_000);

// Programs a failing test left running.
const programs: ServiceProcess[] = [];

afterAll(async () => {
  await Promise.all(programs.map((child) => child.stop('SIGKILL')));
  await api?.stop('SIGTERM');
  await pool.end();
});

async function storedEvents(batch: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM raw_events WHERE payload ->> 'batch' = $1`,
    [batch],
  );
  return rows[0]!.n;
}

function program(mode: 'wait' | 'handler' | 'end', batch: string, env: Record<string, string> = {}) {
  const child = startProcess('test/support/clientExitScript.ts', {
    BASE_URL: base,
    MODE: mode,
    BATCH: batch,
    ...env,
  });
  programs.push(child);
  return child;
}

describe('a Node.js process using the client', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'sends what is queued on %s, then ends by that signal when the program has no handler',
    async (signal) => {
      const child = program('wait', `signal-${signal}`);
      await waitForOutput(child, /tracked/, 60_000);
      expect(await storedEvents(`signal-${signal}`)).toBe(0);
      expect(await child.stop(signal)).toBe(signal);
      expect(await storedEvents(`signal-${signal}`)).toBe(20);
    },
  );

  it("leaves a program's own SIGTERM handler in charge of when and how it ends", async () => {
    const child = program('handler', 'handler');
    await waitForOutput(child, /tracked/, 60_000);
    expect(await child.stop('SIGTERM')).toBe(0);
    expect(child.output()).toContain('application handler ran');
    expect(child.output()).toMatch(/closed: \{"queued":0,"sending":0,"sent":20/);
    expect(await storedEvents('handler')).toBe(20);
  });

  it('does not hold a program that ends by itself longer than exitFlushTimeoutMs when the service is away', async () => {
    // Retried for as long as maxRetries allows (minutes), the events would keep the process alive.
    const child = program('end', 'away', {
      BASE_URL: `http://127.0.0.1:${await freePort()}`,
      EXIT_FLUSH_TIMEOUT_MS: '1000',
    });
    expect(await child.exited).toBe(0);
  });

  it('sends what is queued before a program that ends by itself exits', async () => {
    const child = program('end', 'end');
    expect(await child.exited).toBe(0);
    expect(await storedEvents('end')).toBe(20);
  });
});
