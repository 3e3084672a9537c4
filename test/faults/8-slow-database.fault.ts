// Scenario 8 of issue 4: a slow database. With the jobs table locked, or with the database not answering
// at all (its processes stopped with SIGSTOP, on a private embedded PostgreSQL), /health/ready answers
// 503 within its timeout instead of hanging, /health/live stays 200, and a POST does not hang either.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/embeddedPostgres.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { ms, percentile, recordFigures } from './support/figures.js';
import { batchFor, postIngestion, request, Services, sleep, type Answer } from './support/services.js';

const db = useTestDatabase();
const figures: Record<string, number | string> = {};
const readyTimeoutMs = 800;
const dataDir = `.data/faults/frozen-postgres-${process.pid}`;
let frozen: EmbeddedPostgres | undefined;
let frozenPids: number[] = [];
const services = new Services(() => db.env);
const frozenServices = new Services(() => ({
  DATABASE_URL: `postgres://postgres@127.0.0.1:${frozen!.database.port}/postgres`,
}));

afterAll(async () => {
  for (const pid of frozenPids) signal(pid, 'SIGCONT');
  await services.killAll();
  await frozenServices.killAll();
  await frozen?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}.log`, { force: true });
  recordFigures('8. slow database', figures);
});

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function probe(base: string, path: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i += 1) {
    answers.push(await request(`${base}${path}`, { timeoutMs: 10_000 }));
    await sleep(100);
  }
  return answers;
}

/**
 * Probes readiness and liveness and posts one batch while the database is held up, then releases it,
 * whatever the probes did.
 */
async function probeUntilReleased(
  base: string,
  release: () => Promise<void>,
): Promise<{ ready: Answer[]; live: Answer[]; post: Answer }> {
  try {
    const [ready, live, post] = await Promise.all([
      probe(base, '/health/ready', 10),
      probe(base, '/health/live', 10),
      postIngestion(base, batchFor(1), {}, 40_000),
    ]);
    return { ready, live, post };
  } finally {
    await release();
  }
}

const summary = (answers: Answer[]) =>
  `${JSON.stringify(answers.reduce<Record<string, number>>((c, a) => ({ ...c, [a.status]: (c[a.status] ?? 0) + 1 }), {}))} max ${ms(
    percentile(
      answers.map((a) => a.ms),
      100,
    ),
  )} ms`;

describe('slow database', () => {
  it('answers /health/ready 503 within its timeout while the jobs table is locked', async () => {
    const { service, base } = await services.api();
    expect((await request(`${base}/health/ready`)).status).toBe(200);
    const locker = new pg.Client({ ...db.config, ssl: false });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE ingestion_jobs IN ACCESS EXCLUSIVE MODE');
    const { ready, live, post } = await probeUntilReleased(base, async () => {
      await locker.query('ROLLBACK');
      await locker.end();
    });
    const readyAfter = await request(`${base}/health/ready`);
    figures.lockedReady = summary(ready);
    figures.lockedLive = summary(live);
    figures.lockedPost = `${post.status} in ${ms(post.ms)} ms`;
    figures.readyAfterUnlock = readyAfter.status;

    expect(ready.every((a) => a.status === 503 && a.contentType.startsWith('application/problem+json'))).toBe(
      true,
    );
    expect(Math.max(...ready.map((a) => a.ms))).toBeLessThan(readyTimeoutMs + 700);
    expect(live.every((a) => a.status === 200)).toBe(true);
    expect(post.status).toBe(503);
    expect(post.retryAfter).toBeTruthy();
    expect(post.ms).toBeLessThan(10_000);
    expect(readyAfter.status).toBe(200);
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('answers /health/ready 503 within its timeout while the database does not answer at all', async () => {
    frozen = await startEmbeddedPostgres(dataDir);
    const { service, base } = await frozenServices.api();
    expect((await request(`${base}/health/ready`)).status).toBe(200);
    // Warm the API's pool: its requests then use connections that are already open, as in production.
    const warm = await Promise.all(Array.from({ length: 10 }, (_, i) => postIngestion(base, batchFor(i))));
    expect(warm.map((a) => a.status)).toEqual(warm.map(() => 202));
    // Every process of this private server stops: connections stay open, nothing answers.
    const postmaster = Number(readFileSync(join(frozen.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    frozenPids = [postmaster, ...children];
    for (const pid of frozenPids) signal(pid, 'SIGSTOP');
    const { ready, live, post } = await probeUntilReleased(base, async () => {
      for (const pid of frozenPids) signal(pid, 'SIGCONT');
      frozenPids = [];
    });
    await sleep(500);
    const readyAfter = await request(`${base}/health/ready`);
    figures.frozenReady = summary(ready);
    figures.frozenLive = summary(live);
    figures.frozenPost = `${post.status} in ${ms(post.ms)} ms`;
    figures.readyAfterThaw = readyAfter.status;

    expect(ready.every((a) => a.status === 503)).toBe(true);
    expect(Math.max(...ready.map((a) => a.ms))).toBeLessThan(readyTimeoutMs + 700);
    expect(live.every((a) => a.status === 200)).toBe(true);
    expect(post.status).toBe(503);
    expect(post.ms).toBeLessThan(15_000);
    expect(readyAfter.status).toBe(200);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
