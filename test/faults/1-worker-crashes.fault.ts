// Scenario 1 of issue 4: workers killed with SIGKILL under load. Every job ends Succeeded (or Failed only
// because crashes spent its attempts, saying so), results exist exactly once with the submitted counts,
// no attempt passes MAX_ATTEMPTS, and a dead worker's job runs again within 15 s with default settings.
// Every finished job's webhook reaches its receiver, signed, with one id per job, however often the
// workers die; and a worker killed between finishing jobs and sending their webhooks loses none.
import { describe, expect, it } from 'vitest';
import { jobsClaim, jobsRescueExpired } from '../../src/data/jobQueue.js';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import type { ServiceProcess } from '../support/processes.js';
import { messageOf, WebhookReceiver } from '../support/webhookReceiver.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { ms, percentile, recordFigures } from './support/figures.js';
import { batchFor, expectedCounts, postIngestion, sleep } from './support/services.js';

const { pool, services } = useFaultDatabase(6);

const jobCount = Number(process.env.FAULTS_CRASH_JOBS ?? 5000);
const workerCount = 4;
const maxAttempts = 5; // the default
const reclaimBoundMs = 15_000;
const workerEntry = 'test/support/faultyWorker.ts';
// The receiver listens on 127.0.0.1; a short request time-out keeps a dead worker's claim on a message
// (the time-out and 30 s) short.
const webhookEnv = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_SECONDS: '5' };
const workerEnv = { SLOW_JOB_MS: '20', ...webhookEnv };

/**
 * Makes an endpoint for `tenantId` through the admin API at `base`, delivering to `receiver`, which then
 * verifies every message with the endpoint's secret as it arrives.
 */
async function webhookEndpoint(base: string, tenantId: string, receiver: WebhookReceiver): Promise<void> {
  const response = await fetch(`${base}/admin/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, url: receiver.url() }),
  });
  expect(response.status).toBe(201);
  receiver.secret = ((await response.json()) as { secret: string }).secret;
}

/**
 * Checks that every job in `jobIds` got its message at the receiver, each verified on arrival, under one
 * webhook-id per job (retries resend the same message), and nothing for other jobs. Returns how many
 * requests the receiver got in all (more than the jobs when deliveries were retried).
 */
function expectEveryWebhook(receiver: WebhookReceiver, jobIds: readonly string[]): number {
  expect(receiver.requests.filter((request) => request.verification !== 'verified')).toEqual([]);
  const idsByJob = new Map<string, Set<string>>();
  for (const request of receiver.requests) {
    const { jobId } = messageOf(request).data;
    const ids = idsByJob.get(jobId) ?? new Set<string>();
    ids.add(String(request.headers['webhook-id']));
    idsByJob.set(jobId, ids);
  }
  expect(jobIds.filter((id) => !idsByJob.has(id))).toEqual([]);
  expect([...idsByJob.values()].filter((ids) => ids.size !== 1)).toEqual([]);
  expect(idsByJob.size).toBe(jobIds.length);
  return receiver.requests.length;
}

interface Orphan {
  jobId: string;
  attempt: number;
  killedAt: number;
  outcome?: 'reclaimed' | 'completed by its dead worker' | 'failed: attempts spent';
  reclaimMs?: number;
  /** When the sweep had made it Pending again, after the kill. */
  rescuedMs?: number;
  /** How long the dead worker's lease still ran after the kill. */
  leaseLeftMs: number;
}

describe('worker crashes (SIGKILL every ~1 s)', () => {
  it('loses no job nor webhook, writes results once, and reclaims a dead worker’s jobs within 15 s', async () => {
    const { base } = await services.api(webhookEnv);
    const receiver = await new WebhookReceiver().start();
    await webhookEndpoint(base, 'slow', receiver);
    // Default settings (lease 10 s, heartbeat 2 s, concurrency 2, batch 50). Each job takes 20 ms of
    // work (the test worker's "slow" tenant), so a batch runs ~1 s and a kill finds work in flight.
    const startWorker = () => services.start(workerEntry, workerEnv);
    const slots: ServiceProcess[] = await Promise.all(
      Array.from({ length: workerCount }, () => services.worker(workerEnv, workerEntry)),
    );

    // Submit every job through the API, as fast as 16 concurrent clients go, while workers die.
    const submitted = new Map<string, ReturnType<typeof batchFor>>();
    let next = 0;
    let rejected = 0;
    const submitting = Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < jobCount) {
          const batch = batchFor(next++, 'slow');
          const answer = await postIngestion(base, batch);
          if (answer.status === 202) submitted.set((answer.body as { jobId: string }).jobId, batch);
          else rejected += 1;
        }
      }),
    );

    // Kill a random worker every 0.7–1.3 s and start another in its place, until the backlog is gone.
    const orphans: Orphan[] = [];
    let kills = 0;
    let killedWithoutJobs = 0;
    const started = Date.now();
    const trackOrphans = async (pid: number, killedAt: number) => {
      for (const delay of [0, 400]) {
        await sleep(delay);
        const { rows } = await pool.query<{ id: string; attempt: number; expires_in: number }>(
          `SELECT id, attempt, extract(epoch FROM locked_until - now())::float8 * 1000 AS expires_in
           FROM ingestion_jobs WHERE status = 'Processing' AND locked_by LIKE $1`,
          [`%/${pid}/%`],
        );
        for (const row of rows) {
          if (!orphans.some((o) => o.jobId === row.id && o.attempt === row.attempt))
            orphans.push({
              jobId: row.id,
              attempt: row.attempt,
              killedAt,
              leaseLeftMs: Date.now() - killedAt + row.expires_in,
            });
        }
        if (delay === 400 && !orphans.some((o) => o.killedAt === killedAt)) killedWithoutJobs += 1;
      }
    };
    const killing = (async () => {
      const trackers: Array<Promise<void>> = [];
      for (;;) {
        await sleep(700 + Math.random() * 600);
        const { rows } = await pool.query<{ open: number }>(
          "SELECT count(*)::int AS open FROM ingestion_jobs WHERE status IN ('Pending', 'Processing')",
        );
        const backlog = next < jobCount || rows[0]!.open > 0;
        if ((!backlog && kills >= 20) || Date.now() - started > 120_000) break;
        // The victim is a random worker among those that are up (a restarted one takes a moment to start).
        const up = slots.flatMap((worker, i) => (/worker started/.test(worker.output()) ? [i] : []));
        if (up.length === 0) continue;
        const slot = up[Math.floor(Math.random() * up.length)]!;
        const victim = slots[slot]!;
        victim.child.kill('SIGKILL');
        const killedAt = Date.now();
        kills += 1;
        await victim.exited;
        trackers.push(trackOrphans(victim.child.pid!, killedAt));
        slots[slot] = startWorker();
      }
      await Promise.all(trackers);
    })();

    // Watch the orphans: the first time one's attempt goes up, another worker has claimed it.
    let watching = true;
    const watcher = (async () => {
      while (watching || orphans.some((o) => !o.outcome)) {
        const open = orphans.filter((o) => !o.outcome);
        if (open.length > 0) {
          const rows = await jobRows(
            pool,
            open.map((o) => o.jobId),
          );
          const now = Date.now();
          for (const orphan of open) {
            const row = rows.find((r) => r.id === orphan.jobId)!;
            if (orphan.rescuedMs === undefined && (row.status === 'Pending' || row.attempt > orphan.attempt))
              orphan.rescuedMs = now - orphan.killedAt;
            if (row.attempt > orphan.attempt) {
              orphan.outcome = 'reclaimed';
              orphan.reclaimMs = now - orphan.killedAt;
            } else if (row.status === 'Succeeded') orphan.outcome = 'completed by its dead worker';
            else if (row.status === 'Failed') orphan.outcome = 'failed: attempts spent';
            else if (now - orphan.killedAt > 60_000) break;
          }
          if (open.every((o) => !o.outcome && Date.now() - o.killedAt > 60_000)) break;
        }
        await sleep(200);
      }
    })();

    await submitting;
    await killing;
    const killPhaseSeconds = (Date.now() - started) / 1000;
    const ids = [...submitted.keys()];
    const settled = await eventually(async () => {
      const { rows } = await pool.query<{ open: number }>(
        "SELECT count(*)::int AS open FROM ingestion_jobs WHERE status IN ('Pending', 'Processing')",
      );
      return rows[0]!.open === 0;
    }, 60_000);
    watching = false;
    await watcher;
    const totalSeconds = (Date.now() - started) / 1000;

    const rows = await jobRows(pool, ids);
    const byStatus = (status: string) => rows.filter((row) => row.status === status);
    const failed = byStatus('Failed');
    // Every job's webhook arrives, however many workers died while sending: at least once, one id each.
    const webhooksSettled = await eventually(async () => {
      const { rows } = await pool.query<{ waiting: number }>(
        "SELECT count(*)::int AS waiting FROM webhook_deliveries WHERE status = 'pending'",
      );
      return rows[0]!.waiting === 0;
    }, 120_000);
    const webhookRequests = expectEveryWebhook(receiver, ids);
    await receiver.stop();
    const { rows: results } = await pool.query<{ job_id: string; event_type_key: string; count: number }>(
      'SELECT job_id, event_type_key, count FROM ingestion_results',
    );
    const resultsByJob = new Map<string, Map<string, number>>();
    let duplicateResults = 0;
    for (const result of results) {
      const counts = resultsByJob.get(result.job_id) ?? new Map<string, number>();
      if (counts.has(result.event_type_key)) duplicateResults += 1;
      counts.set(result.event_type_key, result.count);
      resultsByJob.set(result.job_id, counts);
    }
    let wrongCounts = 0;
    for (const [jobId, batch] of submitted) {
      const row = rows.find((r) => r.id === jobId);
      if (row?.status !== 'Succeeded') continue;
      const expected = expectedCounts(batch.events);
      const actual = resultsByJob.get(jobId) ?? new Map();
      if (actual.size !== expected.size || [...expected].some(([type, count]) => actual.get(type) !== count))
        wrongCounts += 1;
    }
    const reclaimed = orphans.filter((o) => o.outcome === 'reclaimed').map((o) => o.reclaimMs!);
    const attemptsHistogram: Record<string, number> = {};
    for (const row of rows) attemptsHistogram[row.attempt] = (attemptsHistogram[row.attempt] ?? 0) + 1;

    recordFigures('1. worker crashes', {
      jobsSubmitted: ids.length,
      rejectedSubmissions: rejected,
      workers: workerCount,
      kills,
      killsFindingNoJobInFlight: killedWithoutJobs,
      killPhaseSeconds: Math.round(killPhaseSeconds),
      totalSeconds: Math.round(totalSeconds),
      succeeded: byStatus('Succeeded').length,
      failedByCrashes: failed.length,
      stillOpen: rows.length - byStatus('Succeeded').length - failed.length,
      lost: jobCount - rows.length,
      webhooksSettled: String(webhooksSettled),
      webhookRequests,
      duplicateResults,
      wrongCounts,
      maxAttempt: Math.max(...rows.map((row) => row.attempt)),
      attempts: JSON.stringify(attemptsHistogram),
      orphanedJobs: orphans.length,
      reclaimed: reclaimed.length,
      completedByDeadWorkersLastStatement: orphans.filter((o) => o.outcome === 'completed by its dead worker')
        .length,
      neverReclaimed: orphans.filter((o) => !o.outcome).length,
      reclaimP50Ms: ms(percentile(reclaimed, 50)),
      reclaimP95Ms: ms(percentile(reclaimed, 95)),
      reclaimMaxMs: ms(percentile(reclaimed, 100)),
      leaseLeftAfterKillMaxMs: ms(
        percentile(
          orphans.map((o) => o.leaseLeftMs),
          100,
        ),
      ),
      rescueAfterLeaseExpiryMaxMs: ms(
        percentile(
          orphans.filter((o) => o.rescuedMs !== undefined).map((o) => o.rescuedMs! - o.leaseLeftMs),
          100,
        ),
      ),
      afterLeaseExpiryMaxMs: ms(
        percentile(
          orphans.filter((o) => o.reclaimMs !== undefined).map((o) => o.reclaimMs! - o.leaseLeftMs),
          100,
        ),
      ),
    });

    expect(rejected).toBe(0);
    expect(webhooksSettled).toBe(true);
    expect(rows.length).toBe(jobCount);
    expect(settled).toBe(true);
    expect(byStatus('Succeeded').length + failed.length).toBe(jobCount);
    for (const row of failed)
      expect(row.error).toMatch(/was abandoned: worker .* stopped renewing its lease/);
    expect(duplicateResults).toBe(0);
    expect(wrongCounts).toBe(0);
    expect(Math.max(...rows.map((row) => row.attempt))).toBeLessThanOrEqual(maxAttempts);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(reclaimed.length).toBeGreaterThan(0);
    expect(orphans.filter((o) => !o.outcome)).toEqual([]);
    expect(Math.max(...reclaimed)).toBeLessThanOrEqual(reclaimBoundMs);

    const codes = await Promise.all(slots.map((worker) => worker.stop('SIGTERM')));
    expect(codes).toEqual(slots.map(() => 0));
  });

  it('fails a job whose attempts were all spent by crashes, with an error that says so', async () => {
    // Two workers claim the job and die in turn (their 1 s leases run out); the sweep every live worker
    // runs takes it back each time, and the second time its attempts are spent.
    await services.killAll();
    const id = await insertJob(pool, undefined, { maxAttempts: 2 });
    for (const deadWorker of ['dead-worker-1', 'dead-worker-2']) {
      expect((await jobsClaim(pool, deadWorker, 1, 1)).map((job) => job.id)).toEqual([id]);
      await sleep(1100);
      expect((await jobsRescueExpired(pool, 0, 60)).map((job) => job.id)).toContain(id);
    }
    const [row] = await jobRows(pool, [id]);
    expect(row).toMatchObject({ status: 'Failed', attempt: 2, locked_by: null });
    expect(row!.error).toBe('attempt 2 of 2 was abandoned: worker dead-worker-2 stopped renewing its lease');
  });

  it('delivers the webhooks of jobs whose worker died between finishing them and sending them', async () => {
    await services.killAll();
    const receiver = await new WebhookReceiver().start();
    const { base } = await services.api(webhookEnv);
    await webhookEndpoint(base, 'crash-after-finish', receiver);
    const ids: string[] = [];
    for (let n = 0; n < 20; n += 1) {
      const answer = await postIngestion(base, batchFor(n, 'crash-after-finish'));
      expect(answer.status).toBe(202);
      ids.push((answer.body as { jobId: string }).jobId);
    }
    // This worker kills itself (SIGKILL) the moment its first completion has committed; its delivery loop,
    // which polls only every minute, is never woken.
    const doomed = services.start(workerEntry, {
      ...workerEnv,
      CRASH_AFTER_FINISH: '1',
      WEBHOOK_POLL_INTERVAL_MS: '60000',
    });
    expect(await doomed.exited).toBe('SIGKILL');
    const finished = (await jobRows(pool, ids))
      .filter((row) => row.status === 'Succeeded')
      .map((row) => row.id);
    expect(finished.length).toBeGreaterThan(0);
    expect(receiver.requests).toEqual([]);
    const { rows: outbox } = await pool.query<{ job_id: string; attempt: number }>(
      "SELECT job_id, attempt FROM webhook_deliveries WHERE job_id = ANY($1::uuid[]) AND status = 'pending'",
      [ids],
    );
    expect(outbox.map((row) => row.job_id).sort()).toEqual([...finished].sort());
    expect(outbox.every((row) => row.attempt === 0)).toBe(true);

    // A worker started afterwards sends them, and finishes and sends the rest.
    const survivor = await services.worker(workerEnv, workerEntry);
    const delivered = await eventually(async () => {
      const { rows } = await pool.query<{ delivered: number }>(
        "SELECT count(*)::int AS delivered FROM webhook_deliveries WHERE job_id = ANY($1::uuid[]) AND status = 'delivered'",
        [ids],
      );
      return rows[0]!.delivered === ids.length;
    }, 60_000);
    expect(delivered).toBe(true);
    expect(expectEveryWebhook(receiver, ids)).toBe(ids.length);
    for (const request of receiver.requests) expect(messageOf(request).data.status).toBe('Succeeded');
    recordFigures('1b. crash between finishing and webhook', {
      finishedByTheDeadWorker: finished.length,
      deliveredAfterwards: receiver.requests.length,
    });
    expect(await survivor.stop('SIGTERM')).toBe(0);
    await receiver.stop();
  });
});
