// A key's own limits (`npm run keys -- create … --rps N`) hold the requests it sends besides the tenant's
// limits of the settings: both must admit a request; a key without them has the tenant's only.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let app: FastifyInstance;
let pool: Pool;

async function createKey(args: string[]): Promise<string> {
  const outcome = await runKeysCommand(pool, ['create', '--kind', 'write', ...args]);
  expect(outcome.exitCode).toBe(0);
  return outcome.stdout.at(-1)!;
}

beforeAll(async () => {
  pool = db.createPool(2);
  app = await buildTestApp(db, { AUTH_MODE: 'keys', RATE_LIMIT_REQUESTS_PER_SECOND: '1000' });
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

/** Sends `count` one-event batches for `tenantId` with `key`, one after another, and returns the statuses. */
async function burst(key: string, tenantId: string, count: number) {
  const answers = [];
  for (let i = 0; i < count; i += 1) {
    answers.push(
      await app.inject({
        method: 'POST',
        url: '/v1/ingestions',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        payload: JSON.stringify({ tenantId, events: [event()] }),
      }),
    );
  }
  return answers;
}

describe('per-key rate limits', () => {
  it("hold a key to its own --rps, and a key without one to the settings' default", async () => {
    const slow = await createKey(['--tenant', 'slow', '--rps', '1']);
    const usual = await createKey(['--tenant', 'usual']);

    const slowAnswers = await burst(slow, 'slow', 5);
    const refused = slowAnswers.filter((answer) => answer.statusCode === 429);
    // One second's budget of one request: the burst gets at most two through (a token may refill while it runs).
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused[0]!.headers['ratelimit-policy']).toBe('"requests";q=1000;w=1, "key-requests";q=1;w=1');
    expect(refused[0]!.headers.ratelimit).toMatch(/^"key-requests";r=0;t=1$/);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);

    const usualAnswers = await burst(usual, 'usual', 5);
    expect(usualAnswers.map((answer) => answer.statusCode)).toEqual([202, 202, 202, 202, 202]);
  });
});

/** Sends one one-event batch per key, the keys taken in turn, and returns the statuses. */
async function inTurn(target: FastifyInstance, keys: string[], tenantId: string, count: number) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await target.inject({
      method: 'POST',
      url: '/v1/ingestions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[i % keys.length]}` },
      payload: JSON.stringify({ tenantId, events: [event()] }),
    });
    statuses.push(answer.statusCode);
  }
  return statuses;
}

describe("a key's own limit beside the tenant's", () => {
  it('holds keys of one tenant used in turn to the tenant-wide limit: another key refills nothing', async () => {
    const limited = await buildTestApp(db, { AUTH_MODE: 'keys', RATE_LIMIT_REQUESTS_PER_SECOND: '1' });
    try {
      const one = await createKey(['--tenant', 'turns', '--rps', '1']);
      const two = await createKey(['--tenant', 'turns', '--rps', '2']);
      const plain = await createKey(['--tenant', 'turns']);
      const statuses = await inTurn(limited, [one, two, plain], 'turns', 12);
      // One second's budget of one request, whichever key asks: at most two get through (a token may
      // refill while the requests run), where switching keys used to make fresh, full buckets each time.
      expect(statuses.filter((s) => s === 202).length, statuses.join(' ')).toBeLessThanOrEqual(2);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    } finally {
      await limited.close();
    }
  });

  it("applies a key's own --rps with no tenant-wide setting on, and only to that key", async () => {
    const open = await buildTestApp(db, { AUTH_MODE: 'keys' });
    try {
      const slow = await createKey(['--tenant', 'own-limit', '--rps', '1']);
      const other = await createKey(['--tenant', 'own-limit']);
      const slowStatuses = await inTurn(open, [slow], 'own-limit', 6);
      expect(slowStatuses.filter((s) => s === 429).length, slowStatuses.join(' ')).toBeGreaterThanOrEqual(4);
      // The tenant has no limit of its own: its other key is not held back by the first key's.
      expect(await inTurn(open, [other], 'own-limit', 6)).toEqual([202, 202, 202, 202, 202, 202]);
      // Two keys each limited to 1 a second, in turn: each is held to its own limit.
      const a = await createKey(['--tenant', 'own-pair', '--rps', '1']);
      const b = await createKey(['--tenant', 'own-pair', '--rps', '1']);
      const pair = await inTurn(open, [a, b], 'own-pair', 12);
      expect(pair.filter((s) => s === 202).length, pair.join(' ')).toBeLessThanOrEqual(4);
    } finally {
      await open.close();
    }
  });
});
