// Issue 12, part 5: a key's own limits (`npm run keys -- create … --rps N`) replace the settings' default
// for the requests it sends; a key without them gets the default.
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
    expect(refused[0]!.headers['ratelimit-policy']).toMatch(/"requests";q=1;w=1/);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);

    const usualAnswers = await burst(usual, 'usual', 5);
    expect(usualAnswers.map((answer) => answer.statusCode)).toEqual([202, 202, 202, 202, 202]);
  });
});
