// Workload 1: POST /v1/ingestions with 100-event batches at 32 connections, then the batch-size sweep.
import type pg from 'pg';
import { resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad, type LoadResult } from '../loadGenerator.js';
import { startApi } from '../serviceProcesses.js';

export interface IngestRow extends LoadResult {
  batchSize: number;
  eventsPerSec: number;
}

export interface IngestFigures {
  main: IngestRow;
  apiPeakRssMb: number;
  sweep: IngestRow[];
}

async function measure(url: string, batchSize: number, seconds: number): Promise<IngestRow> {
  const result = await postLoad({
    url: `${url}/v1/ingestions`,
    body: batchBody(batchSize),
    connections: 32,
    seconds,
  });
  return { ...result, batchSize, eventsPerSec: result.acceptedPerSec * batchSize };
}

export async function ingestWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { seconds: number; sweepSeconds: number },
): Promise<IngestFigures> {
  await resetTables(client);
  const api = await startApi(databaseUrl);
  try {
    // Warm-up: JIT, connection pool, prepared statements.
    await measure(api.url, 100, 2);
    await resetTables(client);
    const main = await measure(api.url, 100, options.seconds);
    const apiPeakRssMb = api.peakRssMb();
    const sweep: IngestRow[] = [];
    for (const batchSize of [1, 10, 100, 1000]) {
      await resetTables(client);
      sweep.push(await measure(api.url, batchSize, options.sweepSeconds));
    }
    return { main, apiPeakRssMb, sweep };
  } finally {
    await api.stop();
  }
}
