// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against the API and a
// worker running as processes on a real PostgreSQL. Skipped with a message when Chromium is absent,
// unless CI is set (then its absence fails). Screenshots go to test-artifacts/ (not committed).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../support/chromium.js';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const executablePath = chromiumPath();

const artifacts = 'test-artifacts';
const hostile = '<img src=x onerror=alert(1)>';

describe.skipIf(!executablePath)('dashboard in Chromium', () => {
  const db = useTestDatabase();
  const marker = join(tmpdir(), `flaky-marker-${process.pid}`);
  let api: ServiceProcess;
  let readOnlyApi: ServiceProcess;
  let worker: ServiceProcess;
  let base: string;
  let readOnlyBase: string;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const [port, readOnlyPort] = [await freePort(), await freePort()];
    // MAX_ATTEMPTS is stored on each job by the API that accepts it.
    const common = {
      ...db.env,
      HOST: '127.0.0.1',
      RUN_MIGRATIONS_ON_STARTUP: 'false',
      MAX_ATTEMPTS: '2',
      // Webhooks to a receiver in this test, on 127.0.0.1, retried after 0.2 s.
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_RETRY_BASE_SECONDS: '0.2',
    };
    api = startProcess('src/entry/api.ts', { ...common, PORT: String(port) });
    readOnlyApi = startProcess('src/entry/api.ts', {
      ...common,
      PORT: String(readOnlyPort),
      DASHBOARD_READ_ONLY: 'true',
    });
    worker = startProcess('test/support/faultyWorker.ts', {
      ...common,
      BASE_BACKOFF_SECONDS: '0.2',
      POLL_INTERVAL_MS: '200',
      FLAKY_MARKER_FILE: marker,
    });
    // Three processes start through tsx at once while the rest of the suite runs: give them time.
    await Promise.all([
      waitForOutput(api, /API listening/, 120_000),
      waitForOutput(readOnlyApi, /API listening/, 120_000),
      waitForOutput(worker, /worker started/, 120_000),
    ]);
    expect(api.output()).toMatch(/open without a token: the service listens on loopback/);
    base = `http://127.0.0.1:${port}`;
    readOnlyBase = `http://127.0.0.1:${readOnlyPort}`;
    // Two names another site could hold that resolve to this host, as DNS rebinding makes them.
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--host-resolver-rules=MAP attacker.example 127.0.0.1, MAP evil.example 127.0.0.1',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // No test here confirms with a dialog: any dialog is script the page did not mean to run.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.stop(), readOnlyApi?.stop(), worker?.stop()]);
    rmSync(marker, { force: true });
    expect(dialogs).toEqual([]);
  });

  async function submit(
    tenantId: string,
    events: unknown[] = [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z' }],
  ) {
    const response = await fetch(`${base}/v1/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, events }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { jobId: string }).jobId;
  }

  async function statusOf(jobId: string): Promise<string> {
    const response = await fetch(`${base}/v1/ingestions/${jobId}`);
    return ((await response.json()) as { status: string }).status;
  }

  async function open(url: string) {
    await page.goto(url);
    await page.waitForSelector('body[data-loaded]');
  }

  it('lists submitted jobs; a filter narrows the list and survives a reload', async () => {
    const mine = [await submit('browser-a'), await submit('browser-a'), await submit('browser-b')];
    expect(
      await eventually(async () => (await Promise.all(mine.map(statusOf))).every((s) => s === 'Succeeded')),
    ).toBe(true);

    await open(`${base}/ui/jobs`);
    for (const id of mine) await expect(page.locator(`tr[data-job-id="${id}"]`).count()).resolves.toBe(1);
    await page.screenshot({ path: `${artifacts}/jobs.png`, fullPage: true });

    await page.fill('input[name=tenant]', 'browser-b');
    await page.selectOption('select[name=status]', 'Succeeded');
    await Promise.all([page.waitForURL(/tenant=browser-b/), page.click('#filters button[type=submit]')]);
    await page.waitForSelector('body[data-loaded]');
    const check = async () => {
      expect(new URL(page.url()).searchParams.get('status')).toBe('Succeeded');
      expect(await page.locator('td.tenant').allTextContents()).toEqual(['browser-b']);
      expect(await page.inputValue('input[name=tenant]')).toBe('browser-b');
      expect(await page.textContent('main')).not.toMatch(/null|undefined/);
    };
    await check();
    await page.reload();
    await page.waitForSelector('body[data-loaded]');
    await check();
  });

  it('shows each failed attempt of a job, retries it from its page, and it then succeeds', async () => {
    writeFileSync(marker, 'fail');
    const jobId = await submit('flaky');
    expect(await eventually(async () => (await statusOf(jobId)) === 'Failed')).toBe(true);

    await open(`${base}/ui/jobs/${jobId}`);
    const errors = await page.locator('tr.attempt-failed td.error').allTextContents();
    expect(errors).toEqual([
      'attempt 1 of 2 failed: injected failure while the marker file exists',
      'attempt 2 of 2 failed: injected failure while the marker file exists',
    ]);
    // Each failed attempt's stack, folded under it until asked for.
    const stacks = page.locator('tr.attempt-stack pre.stack');
    expect(await stacks.count()).toBe(2);
    expect(await stacks.first().isVisible()).toBe(false);
    await page.click('tr.attempt-stack summary >> nth=0');
    expect(await stacks.first().isVisible()).toBe(true);
    expect(await stacks.first().textContent()).toMatch(
      /^Error: injected failure while the marker file exists\n\s+at .*faultyWorker\.ts:\d+/,
    );
    await page.screenshot({ path: `${artifacts}/job-failed.png`, fullPage: true });

    rmSync(marker);
    await page.click('button:has-text("Retry")');
    await page.click('button:has-text("Yes, retry")');
    await page.waitForSelector('.status-Succeeded', { timeout: 30_000 });
    expect(await statusOf(jobId)).toBe('Succeeded');
    expect(await page.locator('tr.attempt td:nth-child(2)').allTextContents()).toEqual([
      'failed',
      'failed',
      'retried',
      'succeeded',
    ]);
    expect(await page.locator('tr.result').count()).toBe(1);
    await page.screenshot({ path: `${artifacts}/job-retried.png`, fullPage: true });
  });

  it('refuses actions on the server in read-only mode', async () => {
    const jobId = await submit('poison');
    expect(await eventually(async () => (await statusOf(jobId)) === 'Failed')).toBe(true);
    await open(`${readOnlyBase}/ui/jobs/${jobId}`);
    await page.click('button:has-text("Retry")');
    await page.click('button:has-text("Yes, retry")');
    await page.waitForSelector('#message:not([hidden])');
    expect(await page.textContent('#message')).toMatch(/DASHBOARD_READ_ONLY=true/);
    expect(await statusOf(jobId)).toBe('Failed');
    await open(`${readOnlyBase}/ui`);
    expect(await page.isVisible('#read-only')).toBe(true);
  });

  it('shows a hostile tenant, type and payload as text and runs none of it', async () => {
    const jobId = await submit(hostile, [
      {
        type: '<script>alert(2)</script>',
        timestamp: '2024-05-01T12:00:00Z',
        payload: { html: '<img src=y onerror=alert(3)>' },
      },
    ]);
    expect(await eventually(async () => (await statusOf(jobId)) === 'Succeeded')).toBe(true);

    await open(`${base}/ui/jobs?tenant=${encodeURIComponent(hostile)}`);
    expect(await page.locator('td.tenant').allTextContents()).toEqual([hostile]);
    expect(await page.inputValue('input[name=tenant]')).toBe(hostile);

    await open(`${base}/ui/jobs/${jobId}`);
    expect(await page.textContent('span.tenant')).toBe(hostile);
    expect(await page.locator('td', { hasText: '<script>alert(2)</script>' }).count()).toBeGreaterThan(0);
    expect(await page.textContent('pre.payload')).toContain('<img src=y onerror=alert(3)>');
    // Nothing became markup: the only elements are the page's own.
    expect(await page.locator('main img, main script').count()).toBe(0);
    await page.screenshot({ path: `${artifacts}/hostile.png`, fullPage: true });
    expect(dialogs).toEqual([]);
  });

  it('serves no other site: not by DNS rebinding, not a cross-site POST from its page', async () => {
    const port = new URL(base).port;
    const refused = await page.goto(`http://attacker.example:${port}/ui/jobs`);
    expect(refused?.status()).toBe(403);
    expect(await refused?.text()).toMatch(/ADMIN_TOKEN/);

    const jobId = await submit('poison');
    expect(await eventually(async () => (await statusOf(jobId)) === 'Failed')).toBe(true);
    // A page of another site that posts to the admin API as a form would (no CORS needed to send it).
    const evil: Server = createServer((_request, response) =>
      response.end('<!doctype html><title>evil</title>'),
    );
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const evilPort = (evil.address() as { port: number }).port;
      await page.goto(`http://evil.example:${evilPort}/`);
      await page.evaluate(async (url) => {
        await fetch(url, { method: 'POST', mode: 'no-cors' });
      }, `${base}/admin/jobs/${jobId}/retry`);
    } finally {
      evil.close();
    }
    const job = (await (await fetch(`${base}/admin/jobs/${jobId}`)).json()) as {
      status: string;
      attempts: Array<{ outcome: string }>;
    };
    expect(job.status).toBe('Failed');
    expect(job.attempts.map((a) => a.outcome)).not.toContain('retried');
  });

  it('shows a job’s webhook attempts on its page and sends the message again', async () => {
    const receiver = await new WebhookReceiver().start();
    receiver.answer = (_request, index) =>
      index === 0 ? { status: 500, body: 'receiver down' } : { status: 200 };
    try {
      const endpoint = await fetch(`${base}/admin/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: 'browser-webhooks', url: receiver.url() }),
      });
      expect(endpoint.status).toBe(201);
      const jobId = await submit('browser-webhooks');
      expect(await eventually(async () => receiver.requests.length === 2)).toBe(true);

      await open(`${base}/ui/jobs/${jobId}`);
      await page.waitForSelector('section.webhook .webhook-delivered');
      expect(await page.locator('tr.webhook-attempt td.status-code').allTextContents()).toEqual([
        '500',
        '200',
      ]);
      expect(await page.locator('tr.webhook-attempt td.error').first().textContent()).toBe(
        'answered 500: receiver down',
      );
      const webhookId = await page.locator('section.webhook').getAttribute('data-webhook-id');
      expect(webhookId).toBe(receiver.requests[0]!.headers['webhook-id']);
      await page.screenshot({ path: `${artifacts}/job-webhooks.png`, fullPage: true });

      await page.click('button:has-text("Re-send")');
      await page.click('button:has-text("Yes, re-send")');
      expect(await eventually(async () => receiver.requests.length === 3)).toBe(true);
      expect(receiver.requests[2]!.headers['webhook-id']).toBe(webhookId);
      await page.waitForSelector('tr.webhook-resent');
    } finally {
      await receiver.stop();
    }
  });

  it('shows the counts and the last hour on the overview', async () => {
    // A few more jobs, one of them failing, so the overview has something of each kind to show.
    for (let i = 0; i < 6; i += 1) await submit(`overview-${i % 3}`);
    await submit('poison');
    const counts = async () => {
      const response = await fetch(`${base}/admin/overview`);
      return (
        (await response.json()) as {
          counts: Record<'Pending' | 'Processing' | 'Succeeded' | 'Failed', number>;
        }
      ).counts;
    };
    expect(
      await eventually(async () => {
        const now = await counts();
        return now.Pending + now.Processing === 0;
      }),
    ).toBe(true);
    await open(`${base}/ui`);
    await page.waitForSelector('svg.chart rect.succeeded');
    const shown = await page.locator('#counts .card .n').allTextContents();
    const expected = await counts();
    expect(shown).toEqual(
      ['Pending', 'Processing', 'Succeeded', 'Failed'].map((s) =>
        String(expected[s as keyof typeof expected]),
      ),
    );
    expect(await page.locator('svg.chart rect.failed').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${artifacts}/overview.png`, fullPage: true });
  });
});
