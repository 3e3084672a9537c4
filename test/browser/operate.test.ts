// The operators' pages in a real browser (Debian's Chromium through playwright-core), against an API and
// worker processes on a real PostgreSQL: pause and resume a tenant, cancel a running job, watch a killed
// worker go quiet, live refresh, job ids, and hostile values on the new pages. The workers run
// test/support/testProcessor.ts, whose "slow" tenant runs until its signal aborts. Skipped with a message
// when Chromium is absent, unless CI is set (dashboard.test.ts says so).
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { chromiumPath } from '../support/chromium.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { processorWorkerEnv } from '../support/testProcessor.js';

const executablePath = chromiumPath();
const artifacts = 'test-artifacts';
const hostile = '<img src=x onerror=alert(1)>';

describe.skipIf(!executablePath)("operators' pages in Chromium", () => {
  const db = useTestDatabase();
  let api: ServiceProcess;
  const workers: ServiceProcess[] = [];
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];

  const startWorker = () => {
    const worker = startProcess('src/entry/worker.ts', processorWorkerEnv(db.env));
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const port = await freePort();
    api = startProcess('src/entry/api.ts', {
      ...db.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      RUN_MIGRATIONS_ON_STARTUP: 'false',
    });
    startWorker();
    startWorker();
    await Promise.all([
      waitForOutput(api, /API listening/, 120_000),
      ...workers.map((worker) => waitForOutput(worker, /worker started/, 120_000)),
    ]);
    base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    // No test here confirms with a dialog: any dialog is script the page did not mean to run.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.stop(), ...workers.map((worker) => worker.stop())]);
    expect(dialogs).toEqual([]);
  });

  async function submit(tenantId: string, type = 'clicked') {
    const response = await fetch(`${base}/v1/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, events: [{ type, timestamp: '2024-05-01T12:00:00Z' }] }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { jobId: string }).jobId;
  }
  const statusOf = async (jobId: string) =>
    ((await (await fetch(`${base}/v1/ingestions/${jobId}`)).json()) as { status: string }).status;
  async function open(url: string) {
    await page.goto(url);
    await page.waitForSelector('body[data-loaded]');
  }
  async function confirm(label: string, scope = page.locator('main')) {
    await scope.locator(`button:text-is("${label}")`).click();
    await scope.locator(`button:text-is("Yes, ${label.toLowerCase()}")`).click();
  }

  it('pauses a tenant from the tenants page: its jobs wait, the page says so by itself, resume runs them', async () => {
    await submit('b-paused');
    await open(`${base}/ui/tenants?tenant=b-paused`);
    const row = page.locator('tr[data-tenant="b-paused"]');
    await confirm('Pause', row);
    await page.waitForSelector('tr[data-tenant="b-paused"][data-paused="true"]');
    const held = [await submit('b-paused'), await submit('b-paused')];
    // No reload: the page reads again by itself.
    await page.waitForSelector('tr[data-tenant="b-paused"] td.pending a:text-is("2")', { timeout: 20_000 });
    await page.screenshot({ path: `${artifacts}/tenant-paused.png`, fullPage: true });

    await open(`${base}/ui/jobs/${held[0]}`);
    expect(await page.textContent('#held-back')).toMatch(/its tenant is paused/);
    await open(`${base}/ui/tenants?tenant=b-paused`);
    await confirm('Resume', page.locator('tr[data-tenant="b-paused"]'));
    expect(
      await eventually(async () => (await Promise.all(held.map(statusOf))).every((s) => s === 'Succeeded')),
    ).toBe(true);
    await page.waitForSelector('tr[data-tenant="b-paused"][data-paused="false"] td.pending a:text-is("0")', {
      timeout: 20_000,
    });
  });

  it('cancels a running job from its page: its worker stops it and it shows as cancelled', async () => {
    const jobId = await submit('slow');
    await open(`${base}/ui/jobs/${jobId}`);
    await page.waitForSelector('.status-Processing', { timeout: 30_000 });
    await confirm('Cancel');
    await page.waitForSelector('text=Failed (cancelled)', { timeout: 20_000 });
    expect(await page.locator('tr.attempt td:nth-child(2)').allTextContents()).toEqual(['cancelled']);
    expect(await page.textContent('#job-error')).toBe('cancelled by an operator');
    // A finished job has no next attempt to show (its availableAt is when it was last due).
    expect(await page.locator('tr', { hasText: 'Next attempt' }).locator('td').last().textContent()).toBe(
      '—',
    );
    expect(await statusOf(jobId)).toBe('Failed');
    await page.screenshot({ path: `${artifacts}/job-cancelled.png`, fullPage: true });
  });

  it('lists the worker processes and shows a killed one gone within a minute, without a reload', async () => {
    await open(`${base}/ui/workers`);
    const victim = workers[1]!;
    const row = `tr[data-worker-id*="/${victim.child.pid}/"]`;
    await page.waitForSelector(`${row}[data-state="live"]`, { timeout: 20_000 });
    expect(await page.locator('tr.worker[data-state="live"]').count()).toBe(2);
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    await page.waitForSelector(`${row}[data-state="gone"]`, { timeout: 60_000 });
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect(await page.textContent('#worker-summary')).toBe('1 live worker process');
    await page.screenshot({ path: `${artifacts}/workers.png`, fullPage: true });
  }, 90_000);

  it('keeps the job list live until paused, and tells jobs of one minute apart by their last characters', async () => {
    const first = await submit('live-list');
    await open(`${base}/ui/jobs?tenant=live-list`);
    await page.waitForSelector(`tr[data-job-id="${first}"]`);
    const second = await submit('live-list');
    await page.waitForSelector(`tr[data-job-id="${second}"]`, { timeout: 20_000 });
    expect(await page.textContent('.live-label')).toMatch(/Updated .* live, every 5 s/);

    await page.click('button.live-toggle');
    expect(await page.textContent('.live-label')).toMatch(/live updates paused/);
    const third = await submit('live-list');
    await page.waitForTimeout(7000);
    expect(await page.locator(`tr[data-job-id="${third}"]`).count()).toBe(0);
    await page.click('button.live-toggle');
    await page.waitForSelector(`tr[data-job-id="${third}"]`, { timeout: 20_000 });

    // UUIDv7: jobs of the same minute share their first 8 characters (these three do unless a 65 s step
    // of the time fell between them); the row shows them and the last 8, which always differ.
    const ids = [first, second, third];
    const shown = async (part: string) =>
      (await page.locator(`td.job-id .id-${part}`).allTextContents()).sort();
    expect(await shown('head')).toEqual(ids.map((id) => id.slice(0, 8)).sort());
    expect(await shown('tail')).toEqual(ids.map((id) => id.slice(-8)).sort());
    expect(new Set(await shown('tail')).size).toBe(3);
    // The whole id: one click on its copy button, or a selection of the cell.
    await page.locator(`tr[data-job-id="${first}"] button.copy`).click();
    // A string, so the test needs no DOM types: it runs in the page.
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(first);
    expect(await page.locator(`tr[data-job-id="${first}"] td.job-id a`).textContent()).toBe(first);
  });

  it('opens a job from the id box, from a bare id or any text holding one, and says when there is none', async () => {
    const jobId = await submit('id-box');
    await open(`${base}/ui`);
    await page.fill('#open-job-id', `worker log: job ${jobId.toUpperCase()} failed`);
    await Promise.all([page.waitForURL(`${base}/ui/jobs/${jobId}`), page.press('#open-job-id', 'Enter')]);
    await page.waitForSelector('body[data-loaded]');
    expect(await page.textContent('h1 code')).toBe(jobId);
    await page.fill('#open-job-id', hostile);
    await page.press('#open-job-id', 'Enter');
    await page.waitForSelector('#message:not([hidden])');
    expect(await page.textContent('#message')).toMatch(/not a job id/);
  });

  it('stops reading a page the service refuses for good, says so once, and tries again when asked', async () => {
    let reads = 0;
    const counted = (request: { url(): string }) => {
      if (request.url().endsWith('/admin/jobs?status=bogus')) reads += 1;
    };
    page.on('request', counted);
    await open(`${base}/ui/jobs?status=bogus`);
    expect(await page.textContent('#message')).toMatch(/^Invalid filter: .*status/);
    expect(await page.getAttribute('.live-bar', 'data-live')).toBe('stopped');
    expect(await page.textContent('.live-bar')).not.toMatch(/trying again|Invalid filter/);
    await page.locator('.live-bar button:text-is("Try again")').click();
    // Polled from here: a predicate run in the page would need eval, which the page's CSP refuses.
    await expect.poll(() => reads).toBe(2);
    await page.locator('.live-bar button:text-is("Try again")').waitFor();
    page.off('request', counted);
    expect(reads).toBe(2);
  });

  it('aligns the heading of a column of numbers with its numbers', async () => {
    await submit('aligned');
    await open(`${base}/ui/tenants`);
    expect(await page.locator('th.n').allTextContents()).toEqual([
      'Pending',
      'Processing',
      'Failed (24 h)',
      'Finished (last hour)',
    ]);
    const aligned = await page.evaluate(
      "['th.n', 'td.n'].map((s) => getComputedStyle(document.querySelector(s)).textAlign)",
    );
    expect(aligned).toEqual(['right', 'right']);
  });

  it('shows hostile tenants, workers and job ids on the new pages as text and runs none of it', async () => {
    await submit(hostile, '<script>alert(2)</script>');
    await fetch(`${base}/admin/tenants/${encodeURIComponent(`${hostile}-paused`)}/pause`, { method: 'POST' });
    const pool = db.createPool(1);
    await pool.query(
      `INSERT INTO worker_processes (id, host, pid, version, started_at, concurrency, jobs_in_hand, heartbeat_at,
                                     announce_seconds)
       VALUES ($1, $2, 1, $3, now(), 1, 0, now(), 5)`,
      [`${hostile}/1/x`, '<svg onload=alert(4)>', '"><img src=y onerror=alert(5)>'],
    );
    await pool.end();

    await open(`${base}/ui/tenants`);
    await page.waitForSelector('a.tenant');
    expect(await page.locator('a.tenant').allTextContents()).toEqual(
      expect.arrayContaining([hostile, `${hostile}-paused`]),
    );
    await open(`${base}/ui/tenants?tenant=${encodeURIComponent(hostile)}`);
    expect(await page.inputValue('input[name=tenant]')).toBe(hostile);
    await open(`${base}/ui/workers`);
    expect(await page.locator('td', { hasText: '<svg onload=alert(4)>' }).count()).toBe(1);
    expect(await page.locator('td', { hasText: '"><img src=y onerror=alert(5)>' }).count()).toBe(1);
    await open(`${base}/ui?range=week`);
    await page.goto(`${base}/ui/jobs/${encodeURIComponent(hostile)}`);
    await page.waitForSelector('body[data-loaded]');
    for (const path of [
      '/ui/tenants',
      '/ui/workers',
      '/ui?range=day',
      `/ui/jobs?tenant=${encodeURIComponent(hostile)}`,
    ]) {
      await open(`${base}${path}`);
      expect(await page.locator('main img, main script, main iframe, main svg:not(.chart)').count()).toBe(0);
    }
    expect(dialogs).toEqual([]);
  });

  it('charts the last hour, 24 hours and 7 days with the time from acceptance to finish', async () => {
    for (const [range, bars] of [
      ['hour', 60],
      ['day', 24],
      ['week', 168],
    ] as const) {
      await open(`${base}/ui?range=${range}`);
      await page.waitForSelector('svg.chart');
      expect(await page.locator('svg.chart').count()).toBe(2);
      expect(await page.locator('.ranges a.current').count()).toBe(1);
      const succeeded = await page.locator('svg.chart rect.succeeded').count();
      expect(succeeded).toBeGreaterThan(0);
      expect(succeeded).toBeLessThanOrEqual(bars);
      expect(await page.locator('svg.chart circle.p95').count()).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `${artifacts}/overview-week.png`, fullPage: true });
  });
});
