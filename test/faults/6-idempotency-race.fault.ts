// Scenario 6 of issue 4: idempotency under race. 100 concurrent identical requests with one key make one
// job; the same key with two different bodies at once makes one job, and the other body gets 422s.
import { describe, expect, it } from 'vitest';
import { useFaultDatabase } from './support/faultDatabase.js';
import { recordFigures } from './support/figures.js';
import { batchFor, postIngestion } from './support/services.js';

const { pool, services } = useFaultDatabase(2);

const rounds = 5;
const jobsWithKey = async (key: string) =>
  (
    await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ingestion_jobs WHERE idempotency_key = $1',
      [key],
    )
  ).rows[0]!.n;

describe('idempotency under race', () => {
  it('makes one job of 100 concurrent requests with one key, and refuses another body with 422', async () => {
    const { service, base } = await services.api();
    const figures: Record<string, number | string> = { rounds };
    let identicalStatuses: Record<string, number> = {};
    let mixedStatuses: Record<string, number> = {};
    const tally = (counts: Record<string, number>, status: number) =>
      (counts[status] = (counts[status] ?? 0) + 1);

    for (let round = 0; round < rounds; round += 1) {
      // 100 identical requests at once.
      const key = `same-${round}-${Date.now()}`;
      const body = batchFor(round, 'race');
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => postIngestion(base, body, { 'idempotency-key': key })),
      );
      for (const a of answers) tally(identicalStatuses, a.status);
      const jobIds = new Set(answers.map((a) => (a.body as { jobId?: string }).jobId));
      expect(answers.every((a) => a.status === 202)).toBe(true);
      expect(jobIds.size).toBe(1);
      expect(await jobsWithKey(key)).toBe(1);

      // 50 + 50 requests with one key and two bodies, interleaved.
      const mixedKey = `mixed-${round}-${Date.now()}`;
      const bodies = [batchFor(1, 'race'), batchFor(2, 'race')];
      const mixed = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => ({
          which: i % 2,
          answer: await postIngestion(base, bodies[i % 2], { 'idempotency-key': mixedKey }),
        })),
      );
      for (const m of mixed) tally(mixedStatuses, m.answer.status);
      const accepted = mixed.filter((m) => m.answer.status === 202);
      const refused = mixed.filter((m) => m.answer.status === 422);
      expect(accepted.length + refused.length).toBe(100);
      // Every 202 is for one body and names one job; every 422 is for the other body.
      expect(new Set(accepted.map((m) => m.which)).size).toBe(1);
      expect(new Set(refused.map((m) => m.which)).size).toBe(1);
      expect(accepted[0]!.which).not.toBe(refused[0]!.which);
      expect(new Set(accepted.map((m) => (m.answer.body as { jobId: string }).jobId)).size).toBe(1);
      for (const m of refused) expect(m.answer.contentType).toMatch(/^application\/problem\+json/);
      expect(await jobsWithKey(mixedKey)).toBe(1);
    }
    figures.identicalRequests = rounds * 100;
    figures.identicalAnswers = JSON.stringify(identicalStatuses);
    figures.jobsPerKeyIdentical = 1;
    figures.mixedRequests = rounds * 100;
    figures.mixedAnswers = JSON.stringify(mixedStatuses);
    figures.jobsPerKeyMixed = 1;
    figures.storedJobs = (
      await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ingestion_jobs')
    ).rows[0]!.n;
    recordFigures('6. idempotency under race', figures);
    expect(figures.storedJobs).toBe(rounds * 2);
    identicalStatuses = {};
    mixedStatuses = {};
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
