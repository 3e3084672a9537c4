import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { docsContentSecurityPolicy } from '../../src/api/docsPage.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp } from '../support/testApp.js';

const db = useTestDatabase();
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  app = await buildTestApp(db);
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
});

/** Debian's Chromium, when installed. */
function chromiumPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  });
  return found.stdout.trim() || undefined;
}

/** Loads `url` in headless Chromium with every host but loopback unresolvable; the rendered DOM and the console. */
async function render(chromium: string, url: string): Promise<{ dom: string; console: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'docs-chromium-'));
  try {
    const child = spawn(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        `--user-data-dir=${profile}`,
        // As with no internet: any request to another host fails, and would show in the console.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        '--enable-logging=stderr',
        '--v=0',
        '--virtual-time-budget=10000',
        '--dump-dom',
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let dom = '';
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (dom += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, log.slice(-2000)).toBe(0);
    return { dom, console: log.split('\n').filter((line) => line.includes(':CONSOLE')) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('/docs', () => {
  it('serves Swagger UI and every asset it needs from this service, under its CSP', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(docsContentSecurityPolicy);
    expect(page.body).not.toMatch(/(https?:)?\/\/[a-z]/i);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\//);
      const answer = await app.inject({ method: 'GET', url: asset });
      expect(answer.statusCode, asset).toBe(200);
      expect(answer.headers['content-security-policy'], asset).toBe(docsContentSecurityPolicy);
    }
    // The page reads the same document as /openapi.json.
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    const canonical = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(json.json()).toEqual(canonical.json());
  });

  it('adds nothing to the API routes: its hooks live in its own scope', async () => {
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    expect(live.headers['content-security-policy']).toBeUndefined();
  });

  it('renders in a real browser with no request leaving the machine and no CSP violation', async (context) => {
    const chromium = chromiumPath();
    if (!chromium) {
      if (process.env.CI) throw new Error('Chromium is required in CI: apt-get install -y chromium');
      context.skip('Chromium is not installed (apt-get install -y chromium); the browser check is skipped');
      return;
    }
    // Deep link: the submit operation opens, with its responses, examples and headers tables.
    const { dom, console } = await render(chromium, `${baseUrl}/docs#/Ingestion/submitIngestion`);
    for (const text of ['OAS 3.1', 'submitIngestion', 'getResults', 'getReadiness', 'Idempotent-Replayed']) {
      expect(dom, `the rendered page shows ${text}`).toContain(text);
    }
    // A violation names the hash of what was blocked: add it to docsContentSecurityPolicy if it is needed.
    expect(console.filter((line) => /Content Security Policy|net::ERR|Failed to load/i.test(line))).toEqual(
      [],
    );
  });
});
