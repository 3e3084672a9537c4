import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

// Admission control (issue 12, part 8) on a real API process over real HTTP: bodies that do not fit in
// API_MAX_INFLIGHT_BYTES are answered 503 with Retry-After, readable by a client that uploads the whole
// body before it reads (Node's fetch), and every 202 is a stored job.
const run = promisify(execFile);
const db = useTestDatabase();
const maxInflightBytes = 2_000_000;
let api: ServiceProcess;
let base: string;
let admin: pg.Client;

beforeAll(async () => {
  const port = await freePort();
  api = startProcess('src/entry/api.ts', {
    ...db.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    API_MAX_INFLIGHT_BYTES: String(maxInflightBytes),
  });
  await waitForOutput(api, /API listening/, 60_000);
  base = `http://127.0.0.1:${port}`;
  admin = new pg.Client({ ...db.config, ssl: false });
  await admin.connect();
});

afterAll(async () => {
  await api?.stop('SIGTERM');
  await admin?.end();
});

// The clients run in a process of their own, as real ones do. Each body is about 620 KB: 20 events with
// 30 KB payloads. Content-Length posts start first; chunked ones (no declared length, counted as they
// arrive) start `chunkedDelayMs` later, while the first ones are held by the slowed database.
const clientScript = `
const [url, lengthPosts, chunkedPosts, chunkedDelayMs] = process.argv.slice(1).map((v, i) => i ? Number(v) : v);
const body = (n) => JSON.stringify({ tenantId: 'admission', events: Array.from({ length: 20 }, (_, k) => ({
  type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { n, k, pad: 'x'.repeat(30000) } })) });
const encoder = new TextEncoder();
const chunkedBody = (n) => {
  const bytes = encoder.encode(body(n));
  let at = 0;
  return new ReadableStream({ pull(c) { if (at >= bytes.length) return c.close(); c.enqueue(bytes.slice(at, at += 65536)); } });
};
const post = async (n, chunked) => {
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: chunked ? chunkedBody(n) : body(n), duplex: 'half' });
    return { chunked, status: r.status, type: r.headers.get('content-type'), retryAfter: r.headers.get('retry-after'), body: await r.json() };
  } catch (e) { return { chunked, error: e.message, cause: e.cause?.code ?? e.cause?.message }; }
};
const first = Array.from({ length: lengthPosts }, (_, n) => post(n, false));
const later = new Promise((r) => setTimeout(r, chunkedDelayMs)).then(() =>
  Promise.all(Array.from({ length: chunkedPosts }, (_, n) => post(1000 + n, true))));
Promise.all([Promise.all(first), later]).then(([a, b]) => console.log(JSON.stringify([...a, ...b])));
`;

interface Outcome {
  chunked: boolean;
  status?: number;
  type?: string;
  retryAfter?: string | null;
  body?: { jobId?: string; title?: string; status?: number };
  error?: string;
}

async function postConcurrently(lengthPosts: number, chunkedPosts: number): Promise<Outcome[]> {
  const { stdout } = await run(process.execPath, [
    '-e',
    clientScript,
    `${base}/v1/ingestions`,
    String(lengthPosts),
    String(chunkedPosts),
    '300',
  ]);
  return JSON.parse(stdout) as Outcome[];
}

async function storedJobs(ids: string[]): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(
    'SELECT count(*) AS n FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Number(rows[0]!.n);
}

describe('admission control', () => {
  it('answers 503 with Retry-After for bodies that do not fit, and stores every job it answered 202', async () => {
    // Each insert statement takes 3 s: the admitted bodies stay held while the others arrive.
    await admin.query(`
      CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;
      CREATE TRIGGER test_slow_insert BEFORE INSERT ON ingestion_jobs
        FOR EACH STATEMENT EXECUTE FUNCTION test_slow_insert();`);
    let outcomes: Outcome[];
    try {
      outcomes = await postConcurrently(10, 4);
    } finally {
      await admin.query('DROP TRIGGER test_slow_insert ON ingestion_jobs; DROP FUNCTION test_slow_insert()');
    }
    // Every client read an answer: none saw a reset connection.
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    const accepted = outcomes.filter((o) => o.status === 202);
    const refused = outcomes.filter((o) => o.status === 503);
    expect(accepted.length + refused.length).toBe(outcomes.length);
    // At most three 620 KB bodies fit in 2 MB at once, and each is held for at least 3 s.
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(3);
    for (const answer of refused) {
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(answer.retryAfter).toBe('1');
      expect(answer.body).toMatchObject({ status: 503, title: 'Overloaded' });
    }
    // The chunked bodies arrived while the budget was full: each refused as its bytes came in.
    expect(refused.filter((o) => o.chunked)).toHaveLength(4);
    // Every acknowledged job is stored, and nothing else.
    const ids = accepted.map((o) => o.body!.jobId!);
    expect(await storedJobs(ids)).toBe(ids.length);
    const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM ingestion_jobs');
    expect(Number(rows[0]!.n)).toBe(ids.length);
    // Counted under their own reason, not as an unreachable database.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`ingest_requests_rejected_total{reason="overloaded"} ${refused.length}\n`);
    expect(metrics).toContain('ingest_requests_rejected_total{reason="unavailable"} 0\n');
  });

  it('gives back every byte once the requests are done: three bodies that fill the budget fit again', async () => {
    const outcomes = await postConcurrently(3, 0);
    expect(outcomes.map((o) => o.status)).toEqual([202, 202, 202]);
    expect(await storedJobs(outcomes.map((o) => o.body!.jobId!))).toBe(3);
  });
});
