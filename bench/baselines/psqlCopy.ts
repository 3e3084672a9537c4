// Storage baseline (issue 13.1): the rows the API stored, written out as CSV and loaded with psql's
// `\copy` into a plain table of the same columns with one index on (job_id, seq), the cheapest ordinary
// way to put rows into PostgreSQL. The CPU of the backend serving the load is read
// from /proc (the database must run on this machine). Without psql on PATH (the embedded PostgreSQL's
// machines), the same COPY FROM STDIN is sent from Node with pg-copy-streams, and the report says so.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { cpuSeconds } from '../processCpu.js';

/** The plain table the baseline loads into; dropped by dropPlainTable. */
export const plainTable = 'plain_events';

/** What loading the CSV cost the backend that served it. */
export interface CopyLoad {
  cpuSeconds: number;
  /** Wall-clock seconds of the load alone (not the connection). */
  seconds: number;
}

/** How the CSV reaches the database: psql's \copy, or COPY FROM STDIN from Node without psql. */
export type CopyVia = 'psql \\copy' | 'COPY FROM STDIN (pg-copy-streams; psql not on PATH)';

/** The columns of raw_events as the catalog has them now, in order (whatever migration made them). */
export async function rawEventColumns(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
     WHERE attrelid = 'raw_events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  return rows.map((row) => row.name);
}

/**
 * (Re)creates the plain table: raw_events' columns, types and NOT NULLs (LIKE copies no default, check,
 * key, foreign key, index or partitioning), plus one non-unique btree index on (job_id, seq).
 */
export async function createPlainTable(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${plainTable}`);
  await client.query(`CREATE TABLE ${plainTable} (LIKE raw_events)`);
  await client.query(`CREATE INDEX ${plainTable}_job_seq_idx ON ${plainTable} (job_id, seq)`);
}

export async function dropPlainTable(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${plainTable}`);
}

/** A CSV file and the table it is loaded into. */
export interface CopyFile {
  table: string;
  file: string;
}

/** Writes every row of `table` (all columns, as stored) to `file` as CSV; returns the row count. */
export async function exportTable(client: pg.Client, table: string, file: string): Promise<number> {
  const stream = client.query(copyTo(`COPY (SELECT * FROM ${table}) TO STDOUT WITH (FORMAT csv)`));
  await pipeline(stream, createWriteStream(file));
  return stream.rowCount;
}

export function copyVia(): CopyVia {
  const probe = spawnSync('psql', ['--version'], { stdio: 'ignore' });
  return probe.error ? 'COPY FROM STDIN (pg-copy-streams; psql not on PATH)' : 'psql \\copy';
}

/** The backend pid must be readable in /proc: the database runs on this machine. */
function checkLocal(pid: number): void {
  if (!existsSync(`/proc/${pid}/stat`))
    throw new Error(
      `backend ${pid} is not in /proc: the storage CPU workload needs the database on this machine`,
    );
}

/**
 * Loads each file into its table with psql's \copy (one transaction each, in order) in one psql
 * session fed on stdin: it first answers `SELECT pg_backend_pid()`, so the backend's CPU is read just
 * before the first \copy and just after the last, while the session is still open (the backend's /proc
 * entry goes with the session).
 */
export function psqlCopy(databaseUrl: string, files: CopyFile[]): Promise<CopyLoad> {
  const psql = spawn('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', databaseUrl], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ line: RegExp; resolve: (match: RegExpExecArray) => void }> = [];
  psql.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = waiter.line.exec(out);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  psql.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => psql.on('exit', (code) => resolve(code)));
  const answer = (line: RegExp) =>
    Promise.race([
      new Promise<RegExpExecArray>((resolve) => waiters.push({ line, resolve })),
      exited.then((code) => {
        throw new Error(`psql exited with ${code} before answering: ${err.trim()}`);
      }),
    ]);
  return (async () => {
    try {
      psql.stdin.write('SELECT pg_backend_pid();\n');
      const pid = Number((await answer(/^(\d+)\n/m))[1]);
      checkLocal(pid);
      const before = cpuSeconds(pid);
      const started = performance.now();
      for (const { table, file } of files)
        psql.stdin.write(`\\copy ${table} FROM '${file}' WITH (FORMAT csv)\n`);
      psql.stdin.write('\\echo copied\n');
      await answer(/^copied$/m);
      const load = { cpuSeconds: cpuSeconds(pid) - before, seconds: (performance.now() - started) / 1000 };
      psql.stdin.end('\\q\n');
      await exited;
      return load;
    } finally {
      if (psql.exitCode === null) psql.kill();
    }
  })();
}

/** The same load without psql: COPY FROM STDIN of the file's bytes from Node. */
export async function streamCopy(databaseUrl: string, files: CopyFile[]): Promise<CopyLoad> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    checkLocal(pid);
    const before = cpuSeconds(pid);
    const started = performance.now();
    for (const { table, file } of files)
      await pipeline(
        createReadStream(file),
        client.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv)`)),
      );
    return { cpuSeconds: cpuSeconds(pid) - before, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}
