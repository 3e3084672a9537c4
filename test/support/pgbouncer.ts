import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config/connectionString.js';
import { freePort } from '../../src/embedded/freePort.js';

/** A PgBouncer in transaction mode started for a test run, in front of one PostgreSQL server. */
export interface PgBouncer {
  port: number;
  /** Transactions it has passed to PostgreSQL so far, from its admin console (SHOW STATS). */
  transactions(): Promise<number>;
  stop(): Promise<void>;
}

/** The pgbouncer binary (Debian's package puts it in /usr/sbin), or undefined when it is not installed. */
export function pgBouncerBinary(): string | undefined {
  for (const candidate of ['pgbouncer', '/usr/sbin/pgbouncer']) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  return undefined;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts PgBouncer 1.18 (as production would run it: `pool_mode=transaction`) on a free port, forwarding
 * every database to `server`. Its configuration lives in a temporary directory of its own. As root it
 * drops to the postgres user, since PgBouncer refuses to run as root.
 */
export async function startPgBouncer(server: DatabaseConfig): Promise<PgBouncer> {
  const binary = pgBouncerBinary();
  if (!binary)
    throw new Error('pgbouncer is not installed: apt-get install -y --no-install-recommends pgbouncer');
  const dir = mkdtempSync(join(tmpdir(), 'ingest-pgbouncer-'));
  // Writable by the postgres user that PgBouncer becomes when started as root (its log file lives here).
  chmodSync(dir, 0o777);
  const port = await freePort();
  const password = server.password ?? '';
  writeFileSync(join(dir, 'users.txt'), `"${server.user}" "${password}"\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.host} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `admin_users = ${server.user}`,
      'max_client_conn = 1000',
      // Fewer server connections than clients, as in production: transactions really do move between them.
      'default_pool_size = 10',
      // After a database outage, try again every second rather than every 15 s (the default), as
      // docs/pgbouncer.md recommends: clients get "cannot connect to server" at once meanwhile.
      'server_login_retry = 1',
      // A query waits at most 3 s for a server connection, then fails with query_wait_timeout before it
      // reaches PostgreSQL (the default is 120 s): the service's own budget for getting a connection, as
      // docs/pgbouncer.md recommends. During an outage, clients then hear 503 within seconds.
      'query_wait_timeout = 3',
      'server_reset_query =',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(
    binary,
    [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} within 10 s; see ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    async transactions() {
      const console = new pg.Client({ ...server, ssl: false, port, database: 'pgbouncer' });
      await console.connect();
      try {
        const { rows } = await console.query<{ total_xact_count: string }>('SHOW STATS');
        return rows.reduce((sum, row) => sum + Number(row.total_xact_count), 0);
      } finally {
        await console.end();
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
