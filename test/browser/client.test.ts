// The client in a real browser: a page served from one origin sends events to the API on another with
// a write key restricted to the page's origin (CORS_ALLOWED_ORIGINS lists it). Debian's Chromium driven
// by playwright-core; the client is compiled from client/ as it is published. Skipped when Chromium is
// absent, unless CI is set.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createClient } from '../../client/src/index.js';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { chromiumPath } from '../support/chromium.js';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const executablePath = chromiumPath();

/** What the page puts on its window: the client's module. */
interface PageGlobals {
  ingest: { createClient: typeof createClient };
}

const page_ = `<!doctype html><meta charset="utf-8"><title>shop</title>
<script type="module">
  import { createClient } from '/client/index.js';
  window.ingest = { createClient };
  document.body.dataset.ready = 'yes';
</script><body></body>`;

describe.skipIf(!executablePath)('the client in Chromium, on another origin than the API', () => {
  const db = useTestDatabase();
  const built = join(tmpdir(), `ingest-client-${process.pid}`);
  let pool: Pool;
  let api: ServiceProcess;
  let pages: Server;
  let apiBase: string;
  let pageOrigin: string;
  const keys = {} as Record<'page' | 'elsewhere', string>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // The client as published: compiled by its own build settings.
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'client/tsconfig.build.json',
      '--outDir',
      built,
    ]);
    const pagePort = await freePort();
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    pages = createServer((request, response) => {
      const path = new URL(request.url ?? '/', pageOrigin).pathname;
      if (path === '/' || path === '/next') {
        response.writeHead(200, { 'content-type': 'text/html' }).end(path === '/' ? page_ : '<p>next</p>');
        return;
      }
      const file = normalize(join(built, path.replace(/^\/client\//, '')));
      if (!path.startsWith('/client/') || !file.startsWith(built)) return void response.writeHead(404).end();
      try {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => pages.listen(pagePort, '127.0.0.1', resolve));

    pool = db.createPool(1);
    const create = async (args: string[]) => (await runKeysCommand(pool, ['create', ...args])).stdout.at(-1)!;
    keys.page = await create(['--tenant', 'shop', '--kind', 'write', '--origin', pageOrigin]);
    keys.elsewhere = await create([
      '--tenant',
      'shop',
      '--kind',
      'write',
      '--origin',
      'https://elsewhere.example',
    ]);
    const apiPort = await freePort();
    apiBase = `http://127.0.0.1:${apiPort}`;
    api = startProcess('src/entry/api.ts', {
      ...db.env,
      AUTH_MODE: 'keys',
      CORS_ALLOWED_ORIGINS: pageOrigin,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
    });
    await waitForOutput(api, /API listening/, 120_000);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    page = await browser.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await new Promise((resolve) => pages?.close(resolve));
    await pool?.end();
    rmSync(built, { recursive: true, force: true });
  });

  async function openPage() {
    await page.goto(pageOrigin);
    await page.waitForSelector('body[data-ready]', { state: 'attached' });
  }

  async function storedFor(batch: string): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM raw_events WHERE payload ->> 'batch' = $1`,
      [batch],
    );
    return rows[0]!.n;
  }

  it('sends events, gzip-compressed, with a key restricted to the page origin', async () => {
    await openPage();
    const outcome = await page.evaluate(
      async ({ baseUrl, key }) => {
        const encodings: Array<string | null> = [];
        const errors: string[] = [];
        const client = (globalThis as unknown as PageGlobals).ingest.createClient({
          baseUrl,
          key,
          onError: (error) => errors.push(error.message),
          fetch: (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
            encodings.push(new Headers(init.headers).get('content-encoding'));
            return fetch(input, init);
          },
        });
        for (let n = 0; n < 25; n += 1)
          client.track({ type: 'viewed', payload: { batch: 'page', n, note: 'a page view from the shop' } });
        await client.flush();
        const stats = client.stats();
        await client.close();
        return { stats, errors, encodings };
      },
      { baseUrl: apiBase, key: keys.page },
    );
    expect(outcome.errors).toEqual([]);
    expect(outcome.stats).toMatchObject({ sent: 25, rejected: 0 });
    expect(outcome.encodings).toEqual(['gzip']);
    expect(await storedFor('page')).toBe(25);
  });

  it('reports the 403 of a key restricted to another origin, and stores nothing', async () => {
    await openPage();
    const outcome = await page.evaluate(
      async ({ baseUrl, key }) => {
        const errors: Array<{ kind: string; status?: number; title?: string }> = [];
        const client = (globalThis as unknown as PageGlobals).ingest.createClient({
          baseUrl,
          key,
          onError: (error) =>
            errors.push({
              kind: error.kind,
              status: 'status' in error ? error.status : undefined,
              title: 'problem' in error ? error.problem?.title : undefined,
            }),
        });
        client.track({ type: 'viewed', payload: { batch: 'elsewhere' } });
        await client.flush();
        await client.close();
        return errors;
      },
      { baseUrl: apiBase, key: keys.elsewhere },
    );
    // The page could read the refusal: the API answered it with CORS headers for this origin.
    expect(outcome).toEqual([{ kind: 'rejected', status: 403, title: 'Origin not allowed' }]);
    expect(await storedFor('elsewhere')).toBe(0);
  });

  it('hands what is queued to fetch keepalive when the page is left', async () => {
    await openPage();
    await page.evaluate(
      ({ baseUrl, key }) => {
        const client = (globalThis as unknown as PageGlobals).ingest.createClient({
          baseUrl,
          key,
          flushIntervalMs: 3_600_000,
        });
        for (let n = 0; n < 10; n += 1) client.track({ type: 'left', payload: { batch: 'pagehide', n } });
      },
      { baseUrl: apiBase, key: keys.page },
    );
    expect(await storedFor('pagehide')).toBe(0);
    await page.goto(`${pageOrigin}/next`);
    expect(await eventually(async () => (await storedFor('pagehide')) === 10)).toBe(true);
  });
});
