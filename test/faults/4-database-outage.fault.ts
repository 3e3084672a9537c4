// Scenario 4 of issue 4: the database goes away for ~10 s during steady submission and processing.
// It runs on a private embedded PostgreSQL (stopped and started again on the same port), never on the
// machine's shared cluster. With TEST_PGBOUNCER=1 the service reaches it through PgBouncer in
// transaction mode, which stays up through the outage, and LISTENs on a direct connection.
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/connectionString.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/embeddedPostgres.js';
import { startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { freePort } from '../support/processes.js';
import { ms, percentile, recordFigures } from './support/figures.js';
import {
  batchFor,
  expectedCounts,
  postIngestion,
  request,
  Services,
  sleep,
  type Answer,
} from './support/services.js';

const dataDir = `.data/faults/outage-postgres-${process.pid}`;
let server: EmbeddedPostgres | undefined;
let database: DatabaseConfig;
let pooler: PgBouncer | undefined;
const directUrl = () => `postgres://postgres@127.0.0.1:${database.port}/postgres`;
const services = new Services((): Record<string, string> =>
  pooler
    ? {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${pooler.port}/postgres`,
        DATABASE_POOL_MODE: 'transaction',
        LISTEN_DATABASE_URL: directUrl(),
      }
    : { DATABASE_URL: directUrl() },
);

beforeAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  server = await startEmbeddedPostgres(dataDir, { port: await freePort() });
  database = server.database;
  if (process.env.TEST_PGBOUNCER === '1') pooler = await startPgBouncer(database);
});

afterAll(async () => {
  await services.killAll();
  await pooler?.stop();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}.log`, { force: true });
});

const outageMs = 10_000;

interface Sent extends Answer {
  at: number;
  jobId?: string;
  batch: ReturnType<typeof batchFor>;
}

describe('database outage', () => {
  it('answers 503 fast while PostgreSQL is down, recovers by itself, and loses no accepted job', async () => {
    const { base } = await services.api();
    // Polling is turned off (10 min): after the outage, new jobs reach the workers only if the LISTEN
    // connection came back by itself.
    const workers = await Promise.all([
      services.worker({ POLL_INTERVAL_MS: '600000' }),
      services.worker({ POLL_INTERVAL_MS: '600000' }),
    ]);
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    // Steady submission: 4 clients, one request every ~50 ms each.
    const sent: Sent[] = [];
    let submitting = true;
    let n = 0;
    const clients = Array.from({ length: 4 }, async () => {
      while (submitting) {
        const batch = batchFor(n++);
        const at = now();
        const answer = await postIngestion(base, batch, {}, 15_000);
        const jobId = answer.status === 202 ? (answer.body as { jobId: string }).jobId : undefined;
        sent.push({ ...answer, at, batch, ...(jobId ? { jobId } : {}) });
        await sleep(50);
      }
    });
    // Probes every 200 ms.
    const probes: Array<Answer & { at: number; path: string }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const known = sent.find((a) => a.jobId)?.jobId;
        const reads = known ? [`/v1/ingestions/${known}`, `/v1/results/${known}`] : [];
        for (const path of ['/health/ready', '/health/live', ...reads]) {
          const at = now();
          probes.push({ ...(await request(`${base}${path}`, { timeoutMs: 5000 })), at, path });
        }
        await sleep(200);
      }
    })();

    await sleep(5000);
    const downAt = now();
    await server!.stop();
    const stoppedAt = now();
    await sleep(outageMs);
    const restartAt = now();
    server = await startEmbeddedPostgres(dataDir, { port: database.port });
    const upAt = now();

    // A job submitted right after the restart: the time until it has Succeeded is the workers' recovery.
    const admin = new pg.Pool({ ...database, ssl: false, max: 2 });
    let workerRecoveredAt: number | undefined;
    const recoveryProbe = (async () => {
      while (now() - upAt < 30_000) {
        const answer = await postIngestion(base, batchFor(0, 'recovery-probe'), {}, 5000);
        if (answer.status === 202) {
          const jobId = (answer.body as { jobId: string }).jobId;
          const deadline = now() + 10_000;
          while (now() < deadline) {
            const { rows } = await admin.query('SELECT status FROM ingestion_jobs WHERE id = $1', [jobId]);
            if (rows[0]?.status === 'Succeeded') {
              workerRecoveredAt = now();
              return;
            }
            await sleep(50);
          }
        }
        await sleep(100);
      }
    })();
    await recoveryProbe;
    await sleep(5000);
    submitting = false;
    probing = false;
    await Promise.all([...clients, prober]);

    // Every acknowledged job must reach Succeeded, with its results once.
    const acknowledged = sent.filter((s) => s.jobId);
    const ids = acknowledged.map((s) => s.jobId!);
    let statuses: Array<{ id: string; status: string; attempt: number }> = [];
    const settleDeadline = now() + 60_000;
    while (now() < settleDeadline) {
      ({ rows: statuses } = await admin.query(
        'SELECT id, status, attempt FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
        [ids],
      ));
      if (statuses.length === ids.length && statuses.every((row) => row.status === 'Succeeded')) break;
      await sleep(200);
    }
    const { rows: results } = await admin.query<{ job_id: string; event_type_key: string; count: number }>(
      'SELECT job_id, event_type_key, count FROM ingestion_results WHERE job_id = ANY($1::uuid[])',
      [ids],
    );
    await admin.end();
    const byJob = new Map<string, Map<string, number>>();
    let duplicated = 0;
    for (const r of results) {
      const m = byJob.get(r.job_id) ?? new Map<string, number>();
      if (m.has(r.event_type_key)) duplicated += 1;
      m.set(r.event_type_key, r.count);
      byJob.set(r.job_id, m);
    }
    const wrong = acknowledged.filter((s) => {
      const expected = expectedCounts(s.batch.events);
      const actual = byJob.get(s.jobId!) ?? new Map();
      return actual.size !== expected.size || [...expected].some(([k, c]) => actual.get(k) !== c);
    }).length;

    // What the clients saw while the database was certainly down.
    const during = <T extends { at: number; ms: number }>(list: T[]) =>
      list.filter((a) => a.at >= stoppedAt && a.at + a.ms <= restartAt);
    const postsDuring = during(sent);
    const readyDuring = during(probes.filter((p) => p.path === '/health/ready'));
    const getsDuring = during(probes.filter((p) => p.path.startsWith('/v1/')));
    const badGets = getsDuring.filter(
      (a) => a.status !== 503 || !a.contentType.startsWith('application/problem+json') || !a.retryAfter,
    );
    const liveAll = probes.filter((p) => p.path === '/health/live');
    const readyAgainAt = probes.find(
      (p) => p.path === '/health/ready' && p.at >= upAt && p.status === 200,
    )?.at;
    const firstAcceptedAfter = sent.find((s) => s.at >= upAt && s.status === 202)?.at;
    const statusCounts = (list: Answer[]) => {
      const counts: Record<string, number> = {};
      for (const a of list) counts[a.status] = (counts[a.status] ?? 0) + 1;
      return JSON.stringify(counts);
    };
    const badPosts = postsDuring.filter(
      (a) => a.status !== 503 || !a.contentType.startsWith('application/problem+json') || !a.retryAfter,
    );
    const succeeded = statuses.filter((row) => row.status === 'Succeeded').length;

    recordFigures('4. database outage', {
      outageSeconds: Math.round((restartAt - downAt) / 1000),
      postsSent: sent.length,
      acknowledged: acknowledged.length,
      lost: acknowledged.length - succeeded,
      duplicated,
      wrongCounts: wrong,
      postsDuringOutage: postsDuring.length,
      postAnswersDuringOutage: statusCounts(postsDuring),
      postP50MsDuringOutage: ms(
        percentile(
          postsDuring.map((a) => a.ms),
          50,
        ),
      ),
      postMaxMsDuringOutage: ms(
        percentile(
          postsDuring.map((a) => a.ms),
          100,
        ),
      ),
      answers500: sent.filter((a) => a.status >= 500 && a.status !== 503).length,
      readyDuringOutage: statusCounts(readyDuring),
      getsDuringOutage: getsDuring.length,
      getAnswersDuringOutage: statusCounts(getsDuring),
      getMaxMsDuringOutage: ms(
        percentile(
          getsDuring.map((a) => a.ms),
          100,
        ),
      ),
      readyMaxMsDuringOutage: ms(
        percentile(
          readyDuring.map((a) => a.ms),
          100,
        ),
      ),
      liveAnswers: statusCounts(liveAll),
      apiReadyAfterRestartMs: readyAgainAt === undefined ? 'never' : ms(readyAgainAt - upAt),
      firstAcceptedAfterRestartMs: firstAcceptedAfter === undefined ? 'never' : ms(firstAcceptedAfter - upAt),
      workerProcessingAfterRestartMs:
        workerRecoveredAt === undefined ? 'never' : ms(workerRecoveredAt - upAt),
      postgresRestartMs: ms(upAt - restartAt),
    });

    expect(acknowledged.length).toBeGreaterThan(100);
    expect(postsDuring.length).toBeGreaterThan(10);
    expect(
      badPosts.map((a) => `${a.status} ${a.contentType} ${a.retryAfter} ${JSON.stringify(a.body)}`),
    ).toEqual([]);
    expect(Math.max(...postsDuring.map((a) => a.ms))).toBeLessThan(5000);
    expect(readyDuring.length).toBeGreaterThan(5);
    expect(readyDuring.every((p) => p.status === 503 && p.ms < 1500)).toBe(true);
    expect(liveAll.every((p) => p.status === 200)).toBe(true);
    expect(getsDuring.length).toBeGreaterThan(5);
    expect(badGets.map((a) => `${a.status} ${a.contentType} ${a.retryAfter}`)).toEqual([]);
    expect(Math.max(...getsDuring.map((a) => a.ms))).toBeLessThan(5000);
    expect(sent.filter((a) => a.status >= 500 && a.status !== 503)).toEqual([]);
    expect(readyAgainAt! - upAt).toBeLessThanOrEqual(5000);
    expect(workerRecoveredAt! - upAt).toBeLessThanOrEqual(5000);
    expect(succeeded).toBe(acknowledged.length);
    expect(duplicated).toBe(0);
    expect(wrong).toBe(0);
    expect(await Promise.all(services.all.slice(0, 3).map((s) => s.stop('SIGTERM')))).toEqual([0, 0, 0]);
    expect(workers).toHaveLength(2);
  });
});
