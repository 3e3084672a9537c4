// `npm run webhooks` as an operator meets it: the real CLI process against the test's database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(1);
afterAll(async () => {
  await pool.end();
});

/** Runs `npm run webhooks -- <args>` as npm would (tsx); resolves with its output and exit code. */
async function webhooksCli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/entry/webhooks.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', ...db.env, ...env } },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('npm run webhooks', () => {
  it('creates an endpoint with its secret on the last line, lists, rotates, enables and deletes it', async () => {
    const created = await webhooksCli([
      'create',
      '--tenant',
      'acme',
      '--url',
      'https://hooks.example.com/ingest',
    ]);
    expect(created.code).toBe(0);
    const secret = created.stdout.trimEnd().split('\n').at(-1)!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = /created webhook endpoint ([0-9a-f-]{36})/.exec(created.stdout)![1]!;
    const { rows } = await pool.query<{ secret: string }>(
      'SELECT secret FROM webhook_endpoints WHERE id = $1',
      [id],
    );
    expect(rows[0]!.secret).toBe(secret);

    const listed = await webhooksCli(['list', '--tenant', 'acme']);
    expect(listed.stdout).toContain(`${id}  acme`);
    expect(listed.stdout).toContain('events=ingestion.succeeded,ingestion.failed');
    expect(listed.stdout).not.toContain('whsec_');

    const rotated = await webhooksCli(['rotate', id]);
    const newSecret = rotated.stdout.trimEnd().split('\n').at(-1)!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    expect((await webhooksCli(['list'])).stdout).toMatch(/old secret signs until \d{4}-/);

    await pool.query(
      "UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = 'test' WHERE id = $1",
      [id],
    );
    expect((await webhooksCli(['list'])).stdout).toContain('disabled');
    expect((await webhooksCli(['enable', id])).stdout).toContain(`webhook endpoint ${id} is on`);
    expect((await webhooksCli(['list'])).stdout).not.toContain('disabled');

    expect((await webhooksCli(['delete', id])).stdout).toContain(`deleted webhook endpoint ${id}`);
    expect((await webhooksCli(['enable', id])).code).toBe(1);
    expect((await webhooksCli(['delete', id])).code).toBe(1);
  });

  it('refuses what the admin API refuses, naming the option', async () => {
    const plain = await webhooksCli(['create', '--tenant', 'acme', '--url', 'http://hooks.example.com/']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--url must be an https:\/\/ URL/);
    const events = await webhooksCli([
      'create',
      '--tenant',
      'acme',
      '--url',
      'https://x.example/',
      '--events',
      'nope',
    ]);
    expect(events.stderr).toMatch(
      /--events must name one or both of ingestion\.succeeded, ingestion\.failed/,
    );
    const allowed = await webhooksCli(['create', '--tenant', 'dev', '--url', 'http://127.0.0.1:9000/hooks'], {
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    });
    expect(allowed.code).toBe(0);
    expect((await webhooksCli(['frobnicate'])).stderr).toContain('usage:');
  });
});
