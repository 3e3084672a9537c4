// Backup and restore as docs/backup.md describes it: a live database in keys mode is dumped with
// `pg_dump -Fc` while the API serves, restored with `pg_restore --no-owner` into a fresh PostgreSQL server
// started here, and the real service started on it. The pending jobs are processed once (the one a dead
// worker held is taken back), a replayed Idempotency-Key answers its job, and a read key made before the
// dump still reads, confined again by row-level security: the role ingest_tenant_reader is not in a
// dump, and the migrator recreates it with its grants and policies. Where the protection is gone and not
// recreated, a tenant's reads are refused until the migrations have run.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/connectionString.js';
import { jobsClaim } from '../../src/data/jobQueue.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/embeddedPostgres.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { externalTool } from '../support/externalTool.js';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const run = promisify(execFile);
const installClient = 'apt-get install -y postgresql-client';
const pgDump = externalTool('pg_dump', installClient, 'the backup and restore tests');
const pgRestore = externalTool('pg_restore', installClient, 'the backup and restore tests');
const db = useTestDatabase();

const workDir = `.data/backup-test-${process.pid}`;
const dumpFile = `${workDir}/ingest.dump`;
const tenant = 'acme';

const urlOf = (database: DatabaseConfig) =>
  `postgres://${encodeURIComponent(database.user)}${database.password ? `:${encodeURIComponent(database.password)}` : ''}` +
  `@${database.host}:${database.port}/${database.database}`;

/** The major version of a client tool (`pg_dump (PostgreSQL) 15.20 …` → 15). */
async function toolMajor(path: string): Promise<number> {
  const { stdout } = await run(path, ['--version']);
  return Number(/\(PostgreSQL\)\s+(\d+)/.exec(stdout)![1]);
}

async function serverMajor(database: DatabaseConfig): Promise<number> {
  const client = new pg.Client({ ...database, ssl: false });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Math.floor(Number(rows[0]!.v) / 10_000);
  } finally {
    await client.end();
  }
}

async function startService(entry: string, database: DatabaseConfig, env: Record<string, string> = {}) {
  const port = await freePort();
  const service = startProcess(entry, {
    DATABASE_URL: urlOf(database),
    AUTH_MODE: 'keys',
    HOST: '127.0.0.1',
    PORT: String(port),
    ...env,
  });
  await waitForOutput(service, /listening on/, 60_000);
  return { service, base: `http://127.0.0.1:${port}` };
}

const bodyOf = (n: number) =>
  JSON.stringify({
    tenantId: tenant,
    events: [
      { type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { n } },
      { type: 'Clicked', timestamp: '2024-05-01T12:00:01Z' },
    ],
  });

describe('a dump restored into a fresh server', () => {
  let skipReason: string | undefined;
  let target: EmbeddedPostgres | undefined;
  let targetDb: DatabaseConfig;
  const running: ServiceProcess[] = [];
  const keys = { write: '', read: '' };
  const jobIds: string[] = [];
  let heldJob: string;

  beforeAll(async () => {
    if (pgDump.skip || pgRestore.skip) {
      skipReason = `pg_dump or pg_restore is not installed (${installClient})`;
      return;
    }
    // pg_dump refuses a server of a newer major version than its own. Debian 12 ships client 15, the
    // embedded PostgreSQL is 18: this runs against the machine's PostgreSQL (TEST_DATABASE_URL).
    const [dumpMajor, sourceMajor] = [await toolMajor(pgDump.require()), await serverMajor(db.listenConfig)];
    if (dumpMajor < sourceMajor) {
      skipReason =
        `pg_dump ${dumpMajor} cannot dump the test database's PostgreSQL ${sourceMajor}: install client ` +
        `tools ${sourceMajor} or newer, or run with TEST_DATABASE_URL on PostgreSQL ${dumpMajor} or older`;
      process.stderr.write(`Skipping the backup and restore tests: ${skipReason}.\n`);
      return;
    }
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    // As root the embedded server runs as the postgres user, which must enter this directory.
    chmodSync(workDir, 0o755);

    // The live side: the API serving in keys mode, no worker, so the jobs stay Pending.
    const pool = db.createPool(2);
    try {
      for (const kind of ['write', 'read'] as const) {
        const created = await runKeysCommand(pool, ['create', '--tenant', tenant, '--kind', kind]);
        keys[kind] = created.stdout.at(-1)!;
      }
      const source = await startService('src/entry/api.ts', db.config, {
        ...db.env,
        RUN_MIGRATIONS_ON_STARTUP: 'false',
      });
      running.push(source.service);
      for (let n = 0; n < 5; n += 1) {
        const response = await fetch(`${source.base}/v1/ingestions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${keys.write}`,
            'content-type': 'application/json',
            'idempotency-key': `order-${n}`,
          },
          body: bodyOf(n),
        });
        expect(response.status).toBe(202);
        jobIds.push(((await response.json()) as { jobId: string }).jobId);
      }
      // A worker that claimed a job and died: its lease runs out on the restored server.
      heldJob = (await jobsClaim(pool, 'worker-that-died', 1, 1))[0]!.id;

      await run(pgDump.require(), ['-Fc', '-f', dumpFile, `--dbname=${urlOf(db.listenConfig)}`]);
      await source.service.stop();
    } finally {
      await pool.end();
    }

    target = await startEmbeddedPostgres(`${workDir}/postgres`);
    const admin = new pg.Client({ ...target.database, ssl: false });
    await admin.connect();
    await admin.query('CREATE DATABASE ingestion');
    await admin.end();
    targetDb = { ...target.database, database: 'ingestion' };
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop('SIGKILL')));
    await target?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ ...targetDb, ssl: false });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };

  it('restores everything but the role, then the service recreates the role and processes the jobs once', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const restored = await run(pgRestore.require(), [
      '--no-owner',
      `--dbname=${urlOf(targetDb)}`,
      dumpFile,
    ]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    // Only what names the role fails: its grants and policies (the role lives in the server, not the dump).
    const errors = restored.stderr.split('\n').filter((line) => /^pg_restore: error:/.test(line));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) expect(line).toMatch(/ingest_tenant_reader/);
    expect(await query("SELECT 1 FROM pg_roles WHERE rolname = 'ingest_tenant_reader'")).toEqual([]);

    const { service, base } = await startService('src/entry/main.ts', targetDb, { LEASE_SECONDS: '2' });
    running.push(service);
    expect(service.output()).toMatch(/recreated the role ingest_tenant_reader/);
    expect(service.output()).toMatch(/AUTH_MODE=keys: \/v1 routes require an API key/);
    expect(service.output()).not.toMatch(/WHERE only|Refusing a tenant's read/);

    const read = (path: string) =>
      fetch(`${base}${path}`, { headers: { authorization: `Bearer ${keys.read}` } });
    const allSucceeded = await eventually(async () => {
      const statuses = await Promise.all(
        jobIds.map(
          async (id) => ((await (await read(`/v1/ingestions/${id}`)).json()) as { status: string }).status,
        ),
      );
      return statuses.every((status) => status === 'Succeeded');
    }, 40_000);
    expect(allSucceeded).toBe(true);
    // Once each: one attempt, or two for the job whose first attempt died with its worker.
    const jobs = await query<{ id: string; attempt: number; results: number }>(
      `SELECT j.id, j.attempt, (SELECT count(*)::int FROM ingestion_results AS r WHERE r.job_id = j.id) AS results
       FROM ingestion_jobs AS j`,
    );
    expect(jobs).toHaveLength(jobIds.length);
    for (const job of jobs) {
      expect(job.results).toBe(1);
      expect(job.attempt).toBe(job.id === heldJob ? 2 : 1);
    }

    // The read key made before the dump reads the results.
    const results = await read(`/v1/results/${jobIds[0]}`);
    expect(results.status).toBe(200);
    expect(await results.json()).toMatchObject({ results: [{ eventType: 'clicked', count: 2 }] });

    // A replayed Idempotency-Key answers its job and stores nothing new.
    const replay = await fetch(`${base}/v1/ingestions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.write}`,
        'content-type': 'application/json',
        'idempotency-key': 'order-3',
      },
      body: bodyOf(3),
    });
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as { jobId: string }).jobId).toBe(jobIds[3]);
    expect(await query('SELECT count(*)::int AS n FROM ingestion_jobs')).toEqual([{ n: jobIds.length }]);

    // Row-level security is whole again: the role, its grants and the three restrictive policies.
    const policies = await query<{ table: string }>(
      `SELECT polrelid::regclass::text AS table FROM pg_policy
       WHERE polname = 'tenant_reader' AND polrelid IN ('ingestion_jobs'::regclass, 'raw_events'::regclass,
                                                        'ingestion_results'::regclass)
       ORDER BY 1`,
    );
    expect(policies.map((p) => p.table)).toEqual(['ingestion_jobs', 'ingestion_results', 'raw_events']);
    await service.stop();
  });

  it("refuses a tenant's reads while the protection is gone, and serves them once the migrations ran", async (context) => {
    if (skipReason) return context.skip(skipReason);
    // As after a restore whose migrations have not run yet: no role, so no grants or policies.
    await query('DROP OWNED BY ingest_tenant_reader');
    await query('DROP ROLE ingest_tenant_reader');
    const { service, base } = await startService('src/entry/api.ts', targetDb, {
      RUN_MIGRATIONS_ON_STARTUP: 'false',
    });
    running.push(service);
    expect(service.output()).toMatch(/Refusing a tenant's read: .*npm run migrate/);
    const read = () =>
      fetch(`${base}/v1/results/${jobIds[0]}`, { headers: { authorization: `Bearer ${keys.read}` } });
    const refused = await read();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/row-level security/);
    // Writes go on: only a tenant's reads depend on the role.
    const write = await fetch(`${base}/v1/ingestions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.write}`, 'content-type': 'application/json' },
      body: bodyOf(9),
    });
    expect(write.status).toBe(202);

    const migrate = startProcess('src/entry/migrate.ts', { DATABASE_URL: urlOf(targetDb) });
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toMatch(/recreated the role ingest_tenant_reader/);
    expect(await eventually(async () => (await read()).status === 200, 15_000)).toBe(true);
  });
});
