// The admin API without a token on a loopback listener (the laptop mode) serves requests addressed to
// this host only: not a page on another site reaching it through DNS rebinding or a cross-site form, and
// not a reverse proxy on the same host that would make it public. Over real HTTP, on a listening API.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJob, jobRows } from '../support/jobs.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(2);
let loopback: FastifyInstance;
let withToken: FastifyInstance;
const token = 'test-admin-token-0123456789';

async function listening(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}
let loopbackPort: number;
let tokenPort: number;

beforeAll(async () => {
  loopback = await buildTestApp(db, { HOST: '127.0.0.1' });
  withToken = await buildTestApp(db, { HOST: '127.0.0.1', ADMIN_TOKEN: token });
  loopbackPort = await listening(loopback);
  tokenPort = await listening(withToken);
});
afterAll(async () => {
  await Promise.all([loopback.close(), withToken.close()]);
  await pool.end();
});

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One HTTP request with exactly these headers (Host included), as a browser or a proxy would send it. */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode!, contentType: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const local = (port: number) => `127.0.0.1:${port}`;

function expectRefusal(answer: Answer, pattern: RegExp) {
  expect(answer.status).toBe(403);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(answer.body) as { detail: string };
  expect(problem.detail).toMatch(/ADMIN_TOKEN/);
  expect(problem.detail).toMatch(pattern);
}

describe('admin API on loopback without ADMIN_TOKEN', () => {
  it('refuses a Host that is not this host (DNS rebinding), for the API and the dashboard page', async () => {
    const jobId = await insertJob(pool, undefined, { tenantId: 'rebinding' });
    for (const host of ['attacker.example', `attacker.example:${loopbackPort}`, '127.0.0.1.nip.io', '']) {
      expectRefusal(await send(loopbackPort, 'GET', `/admin/jobs/${jobId}`, { host }), /Host/);
    }
    expectRefusal(await send(loopbackPort, 'GET', '/ui/jobs', { host: 'attacker.example' }), /Host/);
    // No Host at all: Node's HTTP server itself answers 400 before any route runs.
    expect((await send(loopbackPort, 'GET', '/admin/overview', {})).status).toBe(400);
  });

  it('refuses a cross-site POST, by Origin or by Sec-Fetch-Site, and the job stays as it was', async () => {
    const jobId = await insertJob(pool, undefined, { tenantId: 'csrf' });
    const host = local(loopbackPort);
    const crossSite: Array<Record<string, string>> = [
      { host, origin: 'http://evil.example' },
      { host, origin: 'null' },
      // Another port of this host is another origin: another local program's page.
      { host, origin: `http://127.0.0.1:${loopbackPort + 1}` },
      { host, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      expectRefusal(await send(loopbackPort, 'POST', `/admin/jobs/${jobId}/cancel`, headers), /site|origin/i);
    }
    expect((await jobRows(pool, [jobId]))[0]!.status).toBe('Pending');
  });

  it('refuses a request that came through a proxy (forwarding headers)', async () => {
    const host = local(loopbackPort);
    for (const [name, value] of [
      ['x-forwarded-for', '203.0.113.7'],
      ['x-forwarded-host', 'admin.example.com'],
      ['x-forwarded-proto', 'https'],
      ['forwarded', 'for=203.0.113.7'],
      ['x-real-ip', '203.0.113.7'],
    ] as const) {
      expectRefusal(await send(loopbackPort, 'GET', '/admin/overview', { host, [name]: value }), /proxy/);
    }
  });

  it("serves this host's own requests: curl, and the dashboard's same-origin calls", async () => {
    const jobId = await insertJob(pool, undefined, { tenantId: 'same-origin' });
    for (const host of [
      'localhost',
      `localhost:${loopbackPort}`,
      local(loopbackPort),
      `[::1]:${loopbackPort}`,
    ]) {
      expect((await send(loopbackPort, 'GET', '/admin/overview', { host })).status).toBe(200);
    }
    expect((await send(loopbackPort, 'GET', '/ui/jobs', { host: `LOCALHOST:${loopbackPort}` })).status).toBe(
      200,
    );
    const host = local(loopbackPort);
    const sameOrigin = { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' };
    expect((await send(loopbackPort, 'GET', `/admin/jobs/${jobId}`, sameOrigin)).status).toBe(200);
    expect((await send(loopbackPort, 'POST', `/admin/jobs/${jobId}/cancel`, sameOrigin)).status).toBe(200);
    expect((await jobRows(pool, [jobId]))[0]!.status).toBe('Failed');
    // Typed into the address bar: no Origin, Sec-Fetch-Site none.
    expect((await send(loopbackPort, 'GET', '/ui', { host, 'sec-fetch-site': 'none' })).status).toBe(200);
  });

  it('leaves a token-protected admin API to its token, whatever the Host or proxy', async () => {
    const headers = {
      host: 'admin.example.com',
      'x-forwarded-for': '203.0.113.7',
      authorization: `Bearer ${token}`,
    };
    expect((await send(tokenPort, 'GET', '/admin/overview', headers)).status).toBe(200);
  });
});
