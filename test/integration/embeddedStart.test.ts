// `npm start` with no database configured runs an embedded PostgreSQL under DATA_DIR, and a second
// `npm start` in the same checkout finds it through postmaster.pid and uses it. Whatever the second one
// does, it must not stop the server the first one still uses. Real `npm start` processes (the entry
// src/entry/main.ts) on a data directory of this test's own.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';

const started: ServiceProcess[] = [];
const dataDirs: string[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  // A server a killed service left running would outlive the test: stop it by its pid file.
  for (const dir of dataDirs) {
    const pid = serverPid(dir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
      await eventually(async () => serverPid(dir) === undefined, 20_000);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/** A data directory the embedded server (which runs as the postgres user under root) can enter. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-start-'));
  chmodSync(dir, 0o755);
  dataDirs.push(dir);
  return dir;
}

/** The pid of the server running on `dir`, from its postmaster.pid, if one runs. */
function serverPid(dir: string): number | undefined {
  const file = join(dir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function npmStart(dir: string, port: number): ServiceProcess {
  const service = startProcess('src/entry/main.ts', {
    DATA_DIR: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Each start on this data directory needs its own metrics-free worker: nothing else to bind.
    METRICS_ENABLED: 'false',
  });
  started.push(service);
  return service;
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

describe('npm start on an embedded PostgreSQL another npm start runs', () => {
  it('a second start on the same port fails and leaves the first its database', async () => {
    const dir = dataDir();
    const port = await freePort();
    const first = npmStart(dir, port);
    await waitForOutput(first, /ingest service listening/, 120_000);
    const server = serverPid(dir);
    expect(server).toBeDefined();

    const second = npmStart(dir, port);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use.*set PORT`));
    expect(second.output()).toMatch(/left running/);

    expect(serverPid(dir)).toBe(server);
    expect(await ready(port)).toBe(true);
    const accepted = await fetch(`http://127.0.0.1:${port}/v1/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 't', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z' }] }),
    });
    expect(accepted.status).toBe(202);
    expect(first.output()).not.toMatch(/ECONNREFUSED/);

    // The first, which started the server, stops it when it stops.
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(serverPid(dir)).toBeUndefined();
  });

  it('the last of two running starts stops the server, whichever started it', async () => {
    const dir = dataDir();
    const [port1, port2] = [await freePort(), await freePort()];
    const first = npmStart(dir, port1);
    await waitForOutput(first, /ingest service listening/, 120_000);
    const second = npmStart(dir, port2);
    await waitForOutput(second, /ingest service listening/, 120_000);
    const server = serverPid(dir);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/left running/);
    expect(serverPid(dir)).toBe(server);
    expect(await ready(port2)).toBe(true);

    expect(await second.stop('SIGTERM')).toBe(0);
    expect(serverPid(dir)).toBeUndefined();
  });

  it('a server whose starter was killed is taken over, and stopped by the start that took it over', async () => {
    const dir = dataDir();
    const port = await freePort();
    const killed = npmStart(dir, port);
    await waitForOutput(killed, /ingest service listening/, 120_000);
    const server = serverPid(dir);
    await killed.stop('SIGKILL');
    expect(serverPid(dir)).toBe(server);

    const next = npmStart(dir, port);
    await waitForOutput(next, /ingest service listening/, 120_000);
    expect(serverPid(dir)).toBe(server);
    expect(await next.stop('SIGTERM')).toBe(0);
    expect(serverPid(dir)).toBeUndefined();
  });
});
