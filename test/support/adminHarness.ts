// The operators' admin API in a test file: the app as the API process builds it (and a read-only one) on
// the file's own database, with the helpers the admin tests share.
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { insertJob } from './jobs.js';
import { buildTestApp } from './testApp.js';
import { useTestDatabase, type TestDatabase } from './testDatabase.js';

/** A JSON answer, as the tests read it. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The apps, the pool and the helpers of one test file; the apps exist once its beforeAll ran. */
export interface AdminHarness {
  db: TestDatabase;
  app(): FastifyInstance;
  readOnlyApp(): FastifyInstance;
  pool(): Pool;
  /** GET, expecting 200; the JSON answer. */
  get(url: string): Promise<Json>;
  post(url: string, body?: unknown, on?: FastifyInstance): Promise<LightMyRequestResponse>;
  /** Checks a problem+json answer of `status`; returns the problem. */
  expectProblem(
    response: LightMyRequestResponse,
    status: number,
  ): { title: string; detail: string; errors?: Record<string, string[]> };
  /** Stores `count` one-event jobs of `tenantId`; their ids. */
  jobs(tenantId: string, count: number): Promise<string[]>;
  statusOf(jobId: string): Promise<string>;
  /** Claims everything due (as `owner`) and completes it, so no test's jobs linger for the next. */
  drain(owner?: string): Promise<string[]>;
  /** The payloads of `channel` received while `during` runs (and shortly after). */
  notifications(channel: string, during: () => Promise<void>): Promise<string[]>;
}

/** Sets up the calling test file: its database, an app, a read-only app (DASHBOARD_READ_ONLY) and a pool. */
export function useAdminHarness(): AdminHarness {
  const db = useTestDatabase();
  let app: FastifyInstance;
  let readOnlyApp: FastifyInstance;
  let pool: Pool;
  beforeAll(async () => {
    app = await buildTestApp(db, { HOST: '127.0.0.1' });
    readOnlyApp = await buildTestApp(db, { HOST: '127.0.0.1', DASHBOARD_READ_ONLY: 'true' });
    pool = db.createPool(4);
  });
  afterAll(async () => {
    await Promise.all([app.close(), readOnlyApp.close()]);
    await pool.end();
  });
  const harness: AdminHarness = {
    db,
    app: () => app,
    readOnlyApp: () => readOnlyApp,
    pool: () => pool,
    async get(url) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    },
    post: (url, body, on = app) =>
      on.inject({
        method: 'POST',
        url,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) }),
      }),
    expectProblem(response, status) {
      expect(response.statusCode, response.body).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      return response.json();
    },
    jobs: (tenantId, count) =>
      Promise.all(Array.from({ length: count }, () => insertJob(pool, undefined, { tenantId }))),
    statusOf: async (jobId) => (await harness.get(`/admin/jobs/${jobId}`)).status as string,
    async drain(owner = 'drain-worker') {
      const claimed = await jobsClaim(pool, owner, 1000, 30);
      await jobsSucceed(
        pool,
        owner,
        claimed.map((job) => job.id),
      );
      return claimed.map((job) => job.id);
    },
    async notifications(channel, during) {
      const client = new pg.Client({ ...db.listenConfig, ssl: false });
      await client.connect();
      const payloads: string[] = [];
      client.on('notification', (message) => payloads.push(message.payload ?? ''));
      await client.query(`LISTEN ${channel}`);
      try {
        await during();
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        await client.end();
      }
      return payloads;
    },
  };
  return harness;
}
