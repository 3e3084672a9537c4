// The keys CLI and AUTH_MODE as an operator meets them: real processes, real HTTP.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const started: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
});

/** Runs `npm run keys -- <args>` as npm would (tsx), with only the database in its environment. */
async function keysCli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/entry/keys.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...db.env },
  });
}

async function startApi(env: Record<string, string>) {
  const port = await freePort();
  const api = startProcess('src/entry/api.ts', { ...db.env, PORT: String(port), ...env });
  started.push(api);
  await waitForOutput(api, /API listening/, 60_000);
  return { api, base: `http://127.0.0.1:${port}` };
}

const submit = (base: string, key: string) =>
  fetch(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ tenantId: 'acme', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z' }] }),
  });

describe('npm run keys and AUTH_MODE=keys', () => {
  it('prints the new key alone on its last line; the API takes it, and refuses it within 1 s of revoke', async () => {
    const created = await keysCli(['create', '--tenant', 'acme', '--kind', 'write', '--name', 'cli']);
    const key = created.stdout.trimEnd().split('\n').at(-1)!;
    expect(key).toMatch(/^ik_write_[A-Za-z0-9_-]{32}$/);
    const { api, base } = await startApi({ HOST: '127.0.0.1', AUTH_MODE: 'keys' });
    expect(api.output()).toContain('AUTH_MODE=keys: /v1 routes require an API key');
    expect((await submit(base, key)).status).toBe(202);
    await keysCli(['create', '--tenant', 'acme', '--kind', 'read', '--expires-in', '30d', '--rps', '5']);
    const listed = await keysCli(['list', '--tenant', 'acme']);
    expect(listed.stdout).not.toContain(key);
    // A header row and aligned columns: every column starts where its title does.
    const [head, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^ID +KIND +TENANT +NAME +KEY +CREATED +LAST USED +STATE +LIMITS +ORIGINS$/);
    expect(rows).toHaveLength(2);
    for (const title of ['KIND', 'TENANT', 'NAME', 'KEY', 'CREATED', 'LAST USED', 'STATE', 'LIMITS']) {
      const at = head!.indexOf(title);
      for (const row of rows) expect(row[at - 1], `${title} in ${row}`).toBe(' ');
      for (const row of rows) expect(row[at], `${title} in ${row}`).not.toBe(' ');
    }
    expect(rows.join('\n')).toMatch(/ cli +ik_write_/);
    expect(rows.join('\n')).toMatch(/ expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +rps=5 eps=- +-$/m);
    await keysCli(['revoke', key]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const refused = await submit(base, key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('warns at start when AUTH_MODE=none listens beyond loopback', async () => {
    const { api } = await startApi({ HOST: '0.0.0.0' });
    expect(api.output()).toMatch(/AUTH_MODE=none and the API listens on 0\.0\.0\.0/);
    await api.stop();
  });
});
