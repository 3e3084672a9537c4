// The first run: `npm start` with its embedded database listens on loopback, prints where the dashboard
// and the API documentation are, and serves the dashboard without a token. A dashboard that is closed
// (the service listens beyond loopback with nothing to authenticate an operator) answers a browser with a
// page that says how to open it, and API clients with the problem document as before.
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { freePort, startProcess, waitForOutput } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp } from '../support/testApp.js';

const db = useTestDatabase();
const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** The addresses a TCP port is listened on, from the kernel's table (no connection is made). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table = '';
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue;
      const hex = local.split(':')[0]!;
      addresses.push(
        hex.length === 8
          ? hex
              .match(/../g)!
              .reverse()
              .map((byte) => parseInt(byte, 16))
              .join('.')
          : `ipv6:${hex}`,
      );
    }
  }
  return addresses;
}

describe('npm start with its embedded database', () => {
  const dataDir = `.data/first-run-test-${process.pid}`;

  beforeAll(() => {
    mkdirSync(dataDir, { recursive: true });
    // As root the embedded server runs as the postgres user, which must enter this directory.
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('listens on loopback only, prints the dashboard and docs links, and opens the dashboard', async () => {
    const port = await freePort();
    // PORT alone moves the port, not the interface; no DATABASE_URL: the embedded PostgreSQL.
    const main = startProcess('src/entry/main.ts', { PORT: String(port), DATA_DIR: dataDir });
    try {
      await waitForOutput(main, /ingest service listening/, 90_000);
      const base = `http://127.0.0.1:${port}`;
      expect(main.output()).toContain(`ingest service listening on ${base}`);
      expect(main.output()).toContain(`open the dashboard at ${base}/ui`);
      expect(main.output()).toContain(`API documentation at ${base}/docs`);
      expect(main.output()).not.toMatch(/AUTH_MODE=none and the API listens on/);
      if (process.platform === 'linux') expect(listeningAddresses(port)).toEqual(['127.0.0.1']);

      const page = await fetch(`${base}/ui`, { headers: browser });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Ingest jobs</title>');
      // Open on loopback: the dashboard's data comes without a token.
      expect((await fetch(`${base}/admin/overview`)).status).toBe(200);
      expect((await fetch(`${base}/docs`, { headers: browser })).status).toBe(200);
    } finally {
      await main.stop('SIGINT');
    }
  });
});

describe('a closed dashboard', () => {
  let openApp: FastifyInstance;
  let keysApp: FastifyInstance;
  let tokenApp: FastifyInstance;

  beforeAll(async () => {
    openApp = await buildTestApp(db, { HOST: '0.0.0.0', PORT: '8080' });
    keysApp = await buildTestApp(db, { HOST: '0.0.0.0', AUTH_MODE: 'keys' });
    tokenApp = await buildTestApp(db, { HOST: '0.0.0.0', ADMIN_TOKEN: 'test-admin-token-0123456789' });
  });
  afterAll(async () => {
    await Promise.all([openApp.close(), keysApp.close(), tokenApp.close()]);
  });

  it('answers a browser with a page that says how to open it', async () => {
    const response = await openApp.inject({ method: 'GET', url: '/ui', headers: browser });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const body = response.body;
    expect(body).toContain('Admin API disabled');
    expect(body).toContain('<code>HOST=127.0.0.1</code>');
    expect(body).toContain('http://127.0.0.1:8080/ui');
    expect(body).toContain('<code>ADMIN_TOKEN</code>');
    expect(body).toContain('npm run keys -- create --kind admin');
    expect(body).not.toContain('"status"');
    // Its style sheet loads; the dashboard's script does not.
    expect((await openApp.inject({ method: 'GET', url: '/ui/assets/style.css' })).statusCode).toBe(200);
    expect((await openApp.inject({ method: 'GET', url: '/ui/assets/app.js' })).statusCode).toBe(403);
  });

  it('answers an API client with the problem document', async () => {
    const response = await openApp.inject({ method: 'GET', url: '/ui/jobs', headers: { accept: '*/*' } });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 403, title: 'Admin API disabled' });
  });

  it('asks for an admin key in keys mode and for the ADMIN_TOKEN in token mode', async () => {
    const keysPage = (await keysApp.inject({ method: 'GET', url: '/ui', headers: browser })).body;
    expect(keysPage).toContain('This service wants an admin key (npm run keys -- create --kind admin).');
    expect(keysPage).not.toContain('ADMIN_TOKEN');
    const tokenPage = (await tokenApp.inject({ method: 'GET', url: '/ui', headers: browser })).body;
    expect(tokenPage).toContain('This service requires its ADMIN_TOKEN.');
    expect(tokenPage).not.toContain('{{');
  });
});
