// An idempotency key whose job is gone (deleted by an older build's retention during an upgrade, which
// knew nothing of the keys table, or by retention racing a replay) names nothing: it is free again, and
// retention deletes it. Before, every replay of such a key answered 500, for ever.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyOutcomes } from '../../src/data/idempotentInsert.js';
import { jobInsertMany, type NewJob } from '../../src/data/ingestionStore.js';
import type { Pool } from '../../src/data/pool.js';
import { eventTypeKey } from '../../src/domain/eventTypeKey.js';
import { maintenanceDefaults, runMaintenancePass } from '../../src/maintenance/maintenancePass.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let pool: Pool;
let app: FastifyInstance;

beforeAll(async () => {
  pool = db.createPool(4);
  app = await buildTestApp(db);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

const post = (tenantId: string, key: string, type = 'clicked') =>
  app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers: { 'idempotency-key': key },
    payload: { tenantId, events: [event({ type })] },
  });

/** What an older build's retention did: the job, its events and results go; its key stays. */
async function deleteJobLeavingKey(jobId: string): Promise<void> {
  await pool.query('DELETE FROM ingestion_jobs WHERE id = $1', [jobId]);
  await pool.query('DELETE FROM raw_events WHERE job_id = $1', [jobId]);
}

async function keyRow(tenantId: string, key: string) {
  const { rows } = await pool.query<{ job_id: string }>(
    'SELECT job_id FROM ingestion_idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2',
    [tenantId, key],
  );
  return rows[0];
}

describe('a key whose job is gone', () => {
  it('is free again: the replay stores a new job (202), later replays answer it', async () => {
    const first = await post('orphans', 'order-1');
    expect(first.statusCode).toBe(202);
    const gone = first.json<{ jobId: string }>().jobId;
    await deleteJobLeavingKey(gone);

    const replay = await post('orphans', 'order-1');
    expect(replay.statusCode).toBe(202);
    const jobId = replay.json<{ jobId: string }>().jobId;
    expect(jobId).not.toBe(gone);
    expect(await keyRow('orphans', 'order-1')).toEqual({ job_id: jobId });
    const status = await app.inject({ method: 'GET', url: `/v1/ingestions/${jobId}` });
    expect(status.json()).toMatchObject({ status: 'Pending', eventCount: 1 });

    // From then on the key names the new job, as any key does.
    expect((await post('orphans', 'order-1')).json()).toMatchObject({ jobId });
    expect((await post('orphans', 'order-1', 'viewed')).statusCode).toBe(422);
  });

  it('is free again for a replay that lost a race with retention', async () => {
    const job = (body: string): NewJob => ({
      id: randomUUID(),
      tenantId: 'racing',
      maxAttempts: 5,
      eventCount: 1,
      idempotencyKey: 'order-2',
      requestFingerprint: body,
      eventsJson: JSON.stringify([
        { t: 'clicked', k: eventTypeKey('clicked'), ts: '2024-05-01T12:00:00Z', p: null },
      ]),
    });
    const original = job('body');
    expect(await jobInsertMany(pool, [original])).toEqual(new Set([original.id]));
    // The replay's insert finds the key taken; retention then deletes the job with its key before the
    // replay looks the key up.
    const replay = job('body');
    expect(await jobInsertMany(pool, [replay])).toEqual(new Set());
    await pool.query('DELETE FROM ingestion_idempotency_keys WHERE job_id = $1', [original.id]);
    await deleteJobLeavingKey(original.id);
    expect(await idempotencyOutcomes(pool, [replay])).toEqual([{ kind: 'free' }]);
  });

  it('is deleted by retention', async () => {
    const kept = (await post('sweep', 'kept')).json<{ jobId: string }>().jobId;
    const gone = (await post('sweep', 'gone')).json<{ jobId: string }>().jobId;
    await deleteJobLeavingKey(gone);
    const passPool = db.createPool(2);
    const report = await runMaintenancePass(passPool, {
      ...maintenanceDefaults,
      rawEventRetentionDays: 30,
      jobRetentionDays: 30,
    });
    await passPool.end();
    expect(report.keysDeleted).toBeGreaterThanOrEqual(1);
    expect(await keyRow('sweep', 'gone')).toBeUndefined();
    expect(await keyRow('sweep', 'kept')).toEqual({ job_id: kept });
  });

  it('is found by passes that each look at a slice of the keys, going on where the last stopped', async () => {
    const gone = (await post('slices', 'zz-last')).json<{ jobId: string }>().jobId;
    await deleteJobLeavingKey(gone);
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ingestion_idempotency_keys',
    );
    const passPool = db.createPool(2);
    const settings = {
      ...maintenanceDefaults,
      rawEventRetentionDays: 0,
      jobRetentionDays: 0,
      keySweepPerPass: 2,
    };
    let after = null;
    let passes = 0;
    let deleted = 0;
    do {
      const report = await runMaintenancePass(passPool, settings, { keySweepAfter: after });
      after = report.keySweepNext;
      deleted += report.keysDeleted;
      passes += 1;
    } while (after !== null);
    await passPool.end();
    expect(passes).toBe(Math.floor(rows[0]!.n / 2) + 1);
    expect(deleted).toBe(1);
    expect(await keyRow('slices', 'zz-last')).toBeUndefined();
  });
});
