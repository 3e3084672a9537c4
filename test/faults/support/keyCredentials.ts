import fc from 'fast-check';
import { generateKeyText } from '../../../src/auth/apiKeyText.js';
import type { Pool } from '../../../src/data/pool.js';
import { runKeysCommand } from '../../../src/entry/keysCommand.js';

/** Headers to send with a request, and the statuses its credential allows (undefined: any non-5xx). */
export interface Credential {
  name: string;
  headers: Record<string, string | string[]>;
  /** For a submission, or for a read of a job the write key stored, or of an id no job has. */
  expect?: { submit?: readonly number[]; ownJob?: readonly number[]; unknownJob?: readonly number[] };
}

/** What a scenario sends without AUTH_MODE=keys: no credential, any answer. */
export const noCredentials = {
  submit: fc.constant<Credential>({ name: 'none', headers: {} }),
  read: fc.constant<Credential>({ name: 'none', headers: {} }),
};

async function createKey(pool: Pool, args: string[]): Promise<string> {
  const outcome = await runKeysCommand(pool, ['create', ...args]);
  if (outcome.exitCode !== 0) throw new Error(outcome.stderr.join('\n'));
  return outcome.stdout.at(-1)!;
}

const basic = (user: string, password = '') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * Keys of every kind (tenant acme, and globex for another tenant's), stored in the scenario's database,
 * and the credentials a hostile client sends with them: mostly acme's write key, so bodies are still
 * fuzzed past authentication, and every way of getting a key wrong. Jobs are stored for tenant acme.
 */
export async function keyCredentials(pool: Pool) {
  const write = await createKey(pool, ['--tenant', 'acme', '--kind', 'write']);
  const read = await createKey(pool, ['--tenant', 'acme', '--kind', 'read']);
  const admin = await createKey(pool, ['--kind', 'admin']);
  const otherWrite = await createKey(pool, ['--tenant', 'globex', '--kind', 'write']);
  const otherRead = await createKey(pool, ['--tenant', 'globex', '--kind', 'read']);
  const originWrite = await createKey(pool, [
    '--tenant',
    'acme',
    '--kind',
    'write',
    '--origin',
    'https://app.example',
  ]);
  const revoked = await createKey(pool, ['--tenant', 'acme', '--kind', 'write']);
  await runKeysCommand(pool, ['revoke', revoked]);
  const expired = await createKey(pool, ['--tenant', 'acme', '--kind', 'read', '--expires-in', '1d']);
  await pool.query(`UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE hint = $1`, [
    expired.slice(0, 'ik_read_'.length + 4),
  ]);
  const unknown = generateKeyText('write').text;

  const refused = [401];
  const refusedAlways = { submit: refused, ownJob: refused, unknownJob: refused };
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const garbage = fc
    .string({ maxLength: 200 })
    .filter((v) => /^[\t\x20-\x7e]*$/.test(v))
    .map((v) => `Bearer ${v.replace(/\s/g, '') || 'x'}x`);
  const wrong: fc.Arbitrary<Credential> = fc.oneof(
    fc.constant<Credential>({ name: 'no key', headers: {}, expect: refusedAlways }),
    fc.constant<Credential>({ name: 'revoked', headers: bearer(revoked), expect: refusedAlways }),
    fc.constant<Credential>({ name: 'expired', headers: bearer(expired), expect: refusedAlways }),
    fc.constant<Credential>({ name: 'unknown', headers: bearer(unknown), expect: refusedAlways }),
    garbage.map((authorization): Credential => ({
      name: 'garbage',
      headers: { authorization },
      expect: refusedAlways,
    })),
    fc.constant<Credential>({
      name: 'huge',
      headers: bearer(`${write}${'x'.repeat(8000)}`),
      expect: refusedAlways,
    }),
    fc.constant<Credential>({
      name: 'repeated',
      headers: { authorization: [`Bearer ${write}`, `Bearer ${write}`] },
      expect: refusedAlways,
    }),
    fc.constant<Credential>({
      name: 'Basic with password',
      headers: { authorization: basic(write, 'x') },
      expect: refusedAlways,
    }),
    fc.constant<Credential>({ name: 'empty', headers: { authorization: '' }, expect: refusedAlways }),
    fc.constant<Credential>({
      name: 'kind disguised',
      headers: bearer(read.replace('ik_read_', 'ik_write_').slice(0, write.length)),
      expect: refusedAlways,
    }),
  );
  const submit: fc.Arbitrary<Credential> = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Credential>({ name: 'write', headers: bearer(write) }) },
    {
      weight: 2,
      arbitrary: fc.constant<Credential>({
        name: 'write as Basic',
        headers: { authorization: basic(write) },
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({ name: 'read', headers: bearer(read), expect: { submit: [403] } }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({
        name: 'admin',
        headers: bearer(admin),
        expect: { submit: [403] },
      }),
    },
    // Another tenant's write key: refused for acme's tenantId, and for a body the schema refuses first;
    // a body without tenantId is globex's.
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({
        name: 'other tenant write',
        headers: bearer(otherWrite),
        expect: { submit: [202, 400, 403, 413, 415] },
      }),
    },
    // A key restricted to a page's origin: from that origin it submits, from any other (or none) it is
    // refused before the body is read.
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({
        name: 'origin-restricted write, its origin',
        headers: { ...bearer(originWrite), origin: 'https://app.example' },
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Credential>(
        {
          name: 'origin-restricted write, another origin',
          headers: { ...bearer(originWrite), origin: 'https://evil.example' },
          expect: { submit: [403] },
        },
        {
          name: 'origin-restricted write, no origin',
          headers: bearer(originWrite),
          expect: { submit: [403] },
        },
      ),
    },
    { weight: 4, arbitrary: wrong },
  );
  const read_: fc.Arbitrary<Credential> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constant<Credential>({
        name: 'read',
        headers: bearer(read),
        expect: { ownJob: [200], unknownJob: [404] },
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({
        name: 'admin',
        headers: bearer(admin),
        expect: { ownJob: [200], unknownJob: [404] },
      }),
    },
    {
      weight: 2,
      arbitrary: fc.constant<Credential>({
        name: 'other tenant read',
        headers: bearer(otherRead),
        expect: { ownJob: [404], unknownJob: [404] },
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({
        name: 'write',
        headers: bearer(write),
        expect: { ownJob: [403], unknownJob: [403] },
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Credential>({
        name: 'read as Basic',
        headers: { authorization: basic(read) },
        expect: refusedAlways,
      }),
    },
    { weight: 3, arbitrary: wrong },
  );
  return { submit, read: read_ };
}
