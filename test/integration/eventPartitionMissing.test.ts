import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEventPartitionMissing } from '../../src/data/databaseErrors.js';
import type { Pool } from '../../src/data/pool.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// Events are stored in daily partitions that worker processes create a week ahead (migration 007). A
// day without one, because no worker ran that long, must refuse the batch as a whole and say so, not
// store the job without its events nor fail as a server fault.
const db = useTestDatabase();
let pool: Pool;
let app: FastifyInstance;
const today = `raw_events_p${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;

beforeAll(async () => {
  pool = db.createPool(2);
  app = await buildTestApp(db);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

const post = (tenantId: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    payload: { tenantId, events: [{ type: 'clicked', timestamp: '2026-12-02T10:00:00Z', payload: {} }] },
  });

describe('a day without an events partition', () => {
  it('answers 503 with Retry-After and stores nothing, then stores again once the partition exists', async () => {
    const { rows } = await pool.query<{ bound: string }>(
      `SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class AS c WHERE c.relname = $1`,
      [today],
    );
    await pool.query(`ALTER TABLE raw_events DETACH PARTITION ${today}`);
    try {
      const refused = await post('partition-missing');
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.json()).toMatchObject({ detail: expect.stringMatching(/nothing was stored/) });
      const stored = await pool.query(`SELECT 1 FROM ingestion_jobs WHERE tenant_id = 'partition-missing'`);
      expect(stored.rowCount).toBe(0);
    } finally {
      await pool.query(`ALTER TABLE raw_events ATTACH PARTITION ${today} ${rows[0]!.bound}`);
    }
    const accepted = await post('partition-back');
    expect(accepted.statusCode).toBe(202);
  });

  it("is recognised whatever the language of the server's messages", async () => {
    const error = await pool
      .query(
        `INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
         VALUES (gen_random_uuid(), 1, 't', 'T', now(), 'null', '2999-01-01T00:00:00Z')`,
      )
      .catch((failure: unknown) => failure as Error);
    expect(isEventPartitionMissing(error)).toBe(true);
    // What a server with lc_messages = 'de_DE.UTF-8' sends (PostgreSQL 15's own translation): the same
    // SQLSTATE and table, other words.
    const german = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as object, error, {
      message: 'keine Partition von Relation »raw_events« für die Zeile gefunden',
    });
    expect(isEventPartitionMissing(german)).toBe(true);
    // A CHECK constraint of the table fails with the same SQLSTATE, and names its constraint.
    const check = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as object, error, {
      constraint: 'raw_events_some_check',
    });
    expect(isEventPartitionMissing(check)).toBe(false);
  });
});
