// What compressed request bodies cost: the ingest workload (100-event batches, 32 connections) with the
// body sent plain and sent as gzip (Content-Encoding: gzip), alternating in rounds so drift on a shared
// machine hits both alike, in one API process. Events/s and the API process's CPU time per 1,000 events;
// CPU per event is the steadier figure on a shared machine.
import { gzipSync } from 'node:zlib';
import type pg from 'pg';
import { resetTables } from '../benchDatabase.js';
import { batchBody } from '../batches.js';
import { postLoad } from '../loadGenerator.js';
import { cpuSeconds } from '../processCpu.js';
import { startApi } from '../serviceProcesses.js';
import { median } from './metricsCost.js';

/** One measurement of one way of sending. */
export interface CompressedIngestRun {
  encoding: 'plain' | 'gzip';
  eventsPerSec: number;
  /** CPU milliseconds of the API process per 1,000 accepted events. */
  cpuMsPerThousand: number;
  non2xx: number;
}

export interface CompressedIngestFigures {
  runs: CompressedIngestRun[];
  plainBytes: number;
  gzipBytes: number;
  seconds: number;
}

export async function compressedIngestWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { rounds: number; seconds: number },
): Promise<CompressedIngestFigures> {
  const plain = batchBody(100);
  const gzip = gzipSync(plain);
  const bodies = { plain, gzip } as const;
  await resetTables(client);
  const api = await startApi(databaseUrl);
  const runs: CompressedIngestRun[] = [];
  try {
    const url = `${api.url}/v1/ingestions`;
    const load = (encoding: 'plain' | 'gzip', seconds: number) =>
      postLoad({
        url,
        body: bodies[encoding],
        connections: 32,
        seconds,
        headers: encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {},
      });
    // Warm-up of both paths: JIT, pool, prepared statements, zlib.
    await load('plain', 2);
    await load('gzip', 2);
    for (let round = 0; round < options.rounds; round += 1) {
      const order = round % 2 === 0 ? (['plain', 'gzip'] as const) : (['gzip', 'plain'] as const);
      for (const encoding of order) {
        await resetTables(client);
        const before = cpuSeconds(api.pid);
        const result = await load(encoding, options.seconds);
        const cpu = cpuSeconds(api.pid) - before;
        const events = result.accepted * 100;
        runs.push({
          encoding,
          eventsPerSec: events / result.seconds,
          cpuMsPerThousand: (cpu * 1e6) / events,
          non2xx: result.non2xx,
        });
      }
    }
  } finally {
    await api.stop();
  }
  return { runs, plainBytes: Buffer.byteLength(plain), gzipBytes: gzip.length, seconds: options.seconds };
}

/** The report's lines: medians of each way of sending and their ratio. */
export function compressedIngestLines(f: CompressedIngestFigures): string[] {
  const side = (encoding: 'plain' | 'gzip') => {
    const chosen = f.runs.filter((run) => run.encoding === encoding);
    return {
      perSec: median(chosen.map((run) => run.eventsPerSec)),
      cpu: median(chosen.map((run) => run.cpuMsPerThousand)),
      non2xx: chosen.reduce((sum, run) => sum + run.non2xx, 0),
    };
  };
  const plain = side('plain');
  const gzip = side('gzip');
  const rounds = f.runs.length / 2;
  const row = (name: string, bytes: number, s: ReturnType<typeof side>) =>
    `| ${name} | ${bytes.toLocaleString('en-US')} | ${Math.round(s.perSec).toLocaleString('en-US')} | ${s.cpu.toFixed(1)} | ${s.non2xx} |`;
  return [
    `### Compressed request bodies (100-event batches, 32 connections, ${f.seconds} s each; median of ${rounds} alternating round${rounds === 1 ? '' : 's'})`,
    '',
    '| body | bytes sent | events/s | API CPU ms per 1,000 events | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('plain JSON', f.plainBytes, plain),
    row('gzip (Content-Encoding: gzip)', f.gzipBytes, gzip),
    '',
    `gzip against plain: ${(gzip.perSec / plain.perSec).toFixed(2)}× the events/s, ${(gzip.cpu / plain.cpu).toFixed(2)}× the API CPU per event, ${(f.gzipBytes / f.plainBytes).toFixed(2)}× the bytes on the wire.`,
    '',
  ];
}
