// Issue 13, part 5: behind PgBouncer in transaction mode, a database outage must reach clients as "503,
// nothing was stored" within seconds. The pooler stays up and accepts connections, then refuses each
// query it cannot pass on (query_wait_timeout, failing server logins) with a FATAL 08P01: before this
// test's fix the API read those as lost connections whose insert might have run, and spent its whole
// outcome wait on each. The outage is a TCP proxy between PgBouncer and PostgreSQL that stops listening
// and cuts its connections; the machine's PostgreSQL itself is never stopped.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/data/databaseErrors.js';
import { jobInsertMany, type NewJob } from '../../src/data/ingestionStore.js';
import { InsertNotSentError } from '../../src/data/insertOutcome.js';
import { createPool, type Pool } from '../../src/data/pool.js';
import { externalTool, installPgBouncer } from '../support/externalTool.js';
import { startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { freePort } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pgBouncer = externalTool('pgbouncer', installPgBouncer, 'the database outage tests behind PgBouncer', [
  'pgbouncer',
  '/usr/sbin/pgbouncer',
]);

/** A TCP proxy to PostgreSQL that can be taken down (stops listening, cuts every connection) and up again. */
class OutageProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }
}

function newJob(): NewJob {
  return {
    id: randomUUID(),
    tenantId: 'pooler-outage',
    maxAttempts: 5,
    eventCount: 1,
    idempotencyKey: undefined,
    requestFingerprint: undefined,
    eventsJson: JSON.stringify([{ t: 'clicked', k: 'clicked', ts: '2024-05-01T12:00:00Z', p: null }]),
  };
}

describe.skipIf(pgBouncer.skip)('a database outage behind PgBouncer', () => {
  let proxy: OutageProxy;
  let pooler: PgBouncer;
  let pool: Pool;
  const direct = () => db.createPool(1);

  beforeAll(async () => {
    proxy = new OutageProxy(await freePort(), db.listenConfig);
    await proxy.up();
    pooler = await startPgBouncer({ ...db.listenConfig, port: proxy.port });
    pool = createPool(
      { ...db.listenConfig, port: pooler.port, poolMode: 'transaction' },
      {
        max: 4,
        applicationName: 'test-pooler-outage',
        onIdleError: () => undefined,
        queryTimeoutMillis: 20_000,
      },
    );
  });

  afterAll(async () => {
    await pool?.end();
    await pooler?.stop();
    await proxy?.down();
  });

  it('refuses inserts as never sent, and stores again once the database is back', async () => {
    const before = newJob();
    expect(await jobInsertMany(pool, [before])).toEqual(new Set([before.id]));

    await proxy.down();
    // The first insert waits in PgBouncer for a server (query_wait_timeout); later ones are refused at
    // once while its logins keep failing. Each must be known as never sent, not as an unknown outcome.
    const refused: unknown[] = [];
    const during = [newJob(), newJob(), newJob()];
    for (const job of during) refused.push(await jobInsertMany(pool, [job]).catch((error: unknown) => error));
    expect(refused.map((error) => (error as Error).name)).toEqual(
      Array(during.length).fill(InsertNotSentError.name),
    );
    expect(refused.every((error) => isDatabaseUnavailable((error as InsertNotSentError).cause))).toBe(true);
    // Reads are refused the same way, and read as "unavailable" (a 503), not as a server fault.
    const read = await pool.query('SELECT 1').catch((error: unknown) => error);
    expect(isDatabaseUnavailable(read)).toBe(true);

    await proxy.up();
    const after = newJob();
    let stored: Set<string> | undefined;
    for (let attempt = 0; attempt < 100 && !stored; attempt += 1) {
      stored = await jobInsertMany(pool, [after]).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return undefined;
      });
    }
    expect(stored).toEqual(new Set([after.id]));

    const check = direct();
    const { rows } = await check.query<{ id: string }>('SELECT id FROM ingestion_jobs WHERE tenant_id = $1', [
      'pooler-outage',
    ]);
    await check.end();
    expect(new Set(rows.map((row) => row.id))).toEqual(new Set([before.id, after.id]));
  });
});
