// Ingest baseline: the same rows (jobs of 100 events) written straight into the same tables by one Node
// process with COPY, the fastest plain way into PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { eventAt } from '../batches.js';

function* jobLines(ids: string[], eventsPerJob: number, acceptedAt: string): Generator<string> {
  for (const id of ids) yield `${id}\tbench-tenant\t5\t${eventsPerJob}\t${acceptedAt}\n`;
}

function* eventLines(ids: string[], eventsPerJob: number, acceptedAt: string): Generator<string> {
  const events = Array.from({ length: eventsPerJob }, (_, i) => eventAt(i));
  for (const id of ids) {
    let chunk = '';
    events.forEach((event, i) => {
      chunk += `${id}\t${i + 1}\t${event.type}\t${event.type.toLowerCase()}\t${event.timestamp}\t${JSON.stringify(event.payload)}\t${acceptedAt}\n`;
    });
    yield chunk;
  }
}

/** Copies `jobs` jobs of `eventsPerJob` events; returns events per second. */
export async function copyIngest(client: pg.Client, jobs: number, eventsPerJob: number): Promise<number> {
  const ids = Array.from({ length: jobs }, () => randomUUID());
  // The jobs' created_at and their events' accepted_at (the partition key) are one value, as the API
  // stores them.
  const acceptedAt = new Date().toISOString();
  const started = performance.now();
  await pipeline(
    Readable.from(jobLines(ids, eventsPerJob, acceptedAt)),
    client.query(
      copyFrom('COPY ingestion_jobs (id, tenant_id, max_attempts, event_count, created_at) FROM STDIN'),
    ),
  );
  await pipeline(
    Readable.from(eventLines(ids, eventsPerJob, acceptedAt)),
    client.query(
      copyFrom('COPY raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at) FROM STDIN'),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  return (jobs * eventsPerJob) / seconds;
}
