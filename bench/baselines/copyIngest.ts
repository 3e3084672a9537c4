// Ingest baseline: the same rows (jobs of 100 events) written straight into the same tables by one Node
// process with COPY, the fastest plain way into PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { eventAt } from '../batches.js';

function* jobLines(ids: string[], eventsPerJob: number): Generator<string> {
  for (const id of ids) yield `${id}\tbench-tenant\t5\t${eventsPerJob}\n`;
}

function* eventLines(ids: string[], eventsPerJob: number): Generator<string> {
  const events = Array.from({ length: eventsPerJob }, (_, i) => eventAt(i));
  for (const id of ids) {
    let chunk = '';
    events.forEach((event, i) => {
      chunk += `${id}\t${i + 1}\t${event.type}\t${event.type.toLowerCase()}\t${event.timestamp}\t${JSON.stringify(event.payload)}\n`;
    });
    yield chunk;
  }
}

/** Copies `jobs` jobs of `eventsPerJob` events; returns events per second. */
export async function copyIngest(client: pg.Client, jobs: number, eventsPerJob: number): Promise<number> {
  const ids = Array.from({ length: jobs }, () => randomUUID());
  const started = performance.now();
  await pipeline(
    Readable.from(jobLines(ids, eventsPerJob)),
    client.query(copyFrom('COPY ingestion_jobs (id, tenant_id, max_attempts, event_count) FROM STDIN')),
  );
  await pipeline(
    Readable.from(eventLines(ids, eventsPerJob)),
    client.query(copyFrom('COPY raw_events (job_id, seq, type, type_key, occurred_at, payload) FROM STDIN')),
  );
  const seconds = (performance.now() - started) / 1000;
  return (jobs * eventsPerJob) / seconds;
}
