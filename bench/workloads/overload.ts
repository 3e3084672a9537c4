// The overload a new user reported (issue 12, part 8): 256 clients post ~870 KB batches to an API whose
// database manages about two insert statements a second (a statement trigger that pg_sleep()s). Reports
// the API's peak RSS, the accepted rate and latency, the 503s, and checks that every 202's job is in the
// database. Clients honour Retry-After, as SDKs do. Run by `npm run bench` (the default limit only) and
// by `npm run bench:overload` (also without a limit).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { eventAt } from '../batches.js';
import { startApi } from '../serviceProcesses.js';

/** How an overload run is driven. */
export interface OverloadOptions {
  clients: number;
  seconds: number;
  /** Seconds each insert statement sleeps in the database. */
  statementSleepSeconds: number;
}

/** A batch of about 870 KB: 2,400 events (under MAX_EVENTS_PER_REQUEST) of about 360 bytes each. */
export function bigBatch(): string {
  const events = Array.from({ length: 2400 }, (_, i) => ({
    ...eventAt(i),
    payload: { ...eventAt(i).payload, note: 'x'.repeat(185) },
  }));
  return JSON.stringify({ tenantId: 'overload-tenant', events });
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What one overload run measured. */
export interface RunFigures {
  run: string;
  maxInflightBytes: string;
  peakRssMb: number;
  accepted: number;
  acceptedPerSec: number;
  acceptedP50Ms: number;
  acceptedMaxMs: number;
  refused503: number;
  otherStatuses: Record<string, number>;
  networkErrors: number;
  acceptedJobsMissing: number;
  atPeak: string;
}

export async function overloadRun(
  name: string,
  databaseUrl: string,
  env: Record<string, string>,
  { clients, seconds, statementSleepSeconds }: OverloadOptions,
): Promise<RunFigures> {
  const api = await startApi(databaseUrl, env);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query('TRUNCATE ingestion_jobs, raw_events, ingestion_results');
  // About two insert statements a second with the API's two concurrent statements.
  await admin.query(`
    CREATE OR REPLACE FUNCTION bench_slow_insert() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_sleep(${statementSleepSeconds}); RETURN NULL; END $$;
    DROP TRIGGER IF EXISTS bench_slow_insert ON ingestion_jobs;
    CREATE TRIGGER bench_slow_insert BEFORE INSERT ON ingestion_jobs
      FOR EACH STATEMENT EXECUTE FUNCTION bench_slow_insert();`);
  const body = bigBatch();
  const acceptedIds: string[] = [];
  const acceptedMs: number[] = [];
  let refused = 0;
  let networkErrors = 0;
  const other: Record<string, number> = {};
  let peak = 0;
  let atPeak = '';
  const sampler = setInterval(() => {
    const rss = rssMb(api.pid, 'VmRSS');
    if (rss <= peak) return;
    peak = rss;
    // Where the memory is when RSS peaks: V8's heap against memory outside it (buffers).
    void fetch(`${api.url}/metrics`)
      .then((response) => response.text())
      .then((text) => {
        const value = (name: string) =>
          Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 1_048_576);
        atPeak = `rss ${Math.round(rss)} heapTotal ${value('nodejs_heap_size_total_bytes')} heapUsed ${value('nodejs_heap_size_used_bytes')} external ${value('nodejs_external_memory_bytes')}`;
      })
      .catch(() => undefined);
  }, 100);
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const client = async () => {
    while (Date.now() < deadline) {
      const began = performance.now();
      try {
        const response = await fetch(`${api.url}/v1/ingestions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(120_000),
        });
        const answer = (await response.json()) as { jobId?: string };
        if (response.status === 202) {
          acceptedIds.push(answer.jobId!);
          acceptedMs.push(performance.now() - began);
        } else if (response.status === 503) {
          refused += 1;
          await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
        } else other[response.status] = (other[response.status] ?? 0) + 1;
      } catch {
        networkErrors += 1;
        await sleep(1000);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const peakRss = Math.max(peak, rssMb(api.pid, 'VmHWM'));
  await admin.query('DROP TRIGGER bench_slow_insert ON ingestion_jobs');
  const { rows } = await admin.query<{ n: string }>(
    'SELECT count(*) AS n FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
    [acceptedIds],
  );
  await admin.end();
  await api.stop();
  acceptedMs.sort((a, b) => a - b);
  return {
    run: name,
    maxInflightBytes: env.API_MAX_INFLIGHT_BYTES ?? 'default',
    peakRssMb: Math.round(peakRss),
    accepted: acceptedIds.length,
    acceptedPerSec: Math.round((acceptedIds.length / elapsed) * 10) / 10,
    acceptedP50Ms: Math.round(acceptedMs[Math.floor(acceptedMs.length / 2)] ?? 0),
    acceptedMaxMs: Math.round(acceptedMs.at(-1) ?? 0),
    refused503: refused,
    otherStatuses: other,
    networkErrors,
    acceptedJobsMissing: acceptedIds.length - Number(rows[0]!.n),
    atPeak,
  };
}
