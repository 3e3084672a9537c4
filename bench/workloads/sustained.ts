// Workload 4: the API and a worker side by side, ingest at the ceiling for a while: jobs accepted and
// completed per second, and whether the backlog grows.
import type pg from 'pg';
import { backlog, resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad } from '../loadGenerator.js';
import { startApi, startWorker } from '../serviceProcesses.js';

export interface SustainedFigures {
  seconds: number;
  workers: number;
  acceptedPerSec: number;
  completedPerSec: number;
  /** Backlog samples at each second. */
  backlogMid: number;
  backlogEnd: number;
  backlogMax: number;
  apiPeakRssMb: number;
  workerPeakRssMb: number;
}

export async function sustainedWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { seconds: number; workers: number; rate?: number },
): Promise<SustainedFigures> {
  await resetTables(client);
  const api = await startApi(databaseUrl);
  const workers = await Promise.all(Array.from({ length: options.workers }, () => startWorker(databaseUrl)));
  const samples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (sampling) samples.push(await backlog(client));
    }
  })();
  try {
    const load = await postLoad({
      url: `${api.url}/v1/ingestions`,
      body: batchBody(100),
      connections: 32,
      seconds: options.seconds,
      ...(options.rate ? { rate: options.rate } : {}),
    });
    sampling = false;
    await sampler;
    const end = await backlog(client);
    const { rows } = await client.query<{ succeeded: number }>(
      `SELECT count(*)::int AS succeeded FROM ingestion_jobs WHERE status = 'Succeeded'`,
    );
    return {
      seconds: load.seconds,
      workers: options.workers,
      acceptedPerSec: load.acceptedPerSec,
      completedPerSec: rows[0]!.succeeded / load.seconds,
      backlogMid: samples[Math.floor(samples.length / 2)] ?? 0,
      backlogEnd: end,
      backlogMax: Math.max(0, ...samples),
      apiPeakRssMb: api.peakRssMb(),
      workerPeakRssMb: Math.max(...workers.map((worker) => worker.peakRssMb())),
    };
  } finally {
    sampling = false;
    await Promise.all([api.stop(), ...workers.map((worker) => worker.stop())]);
  }
}
