// What the fair claim's index (migration 006, ingestion_jobs_pending_tenant_idx) costs ingest: the
// bench's ingest load (32 connections; 100-event and 1-event requests) against one API process, with
// and without that index, alternating in the same database, so both meet the same load on a shared
// machine. Reports requests/s and the CPU of the API's PostgreSQL backends per 1,000 jobs, where an
// index insert is paid.
//   npx tsx bench/ingestIndexCost.ts [pairs=3] [seconds=8]
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { batchBody } from './batches.js';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { postLoad } from './loadGenerator.js';
import { backendCpuSeconds } from './processCpu.js';
import { startApi } from './serviceProcesses.js';

const pairs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
const createIndex = readFileSync(
  new URL('../src/data/migrations/007_fair_claim.sql', import.meta.url),
  'utf8',
);

buildService();
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
const api = await startApi(database.url);
const rows: Array<{ index: boolean; events: number; perSec: number; backendCpuMs: number }> = [];
try {
  const run = async (index: boolean, events: number) => {
    await resetTables(client);
    await client.query('DROP INDEX IF EXISTS ingestion_jobs_pending_tenant_idx');
    if (index) await client.query(createIndex);
    const before = await backendCpuSeconds(client, 'ingest-api');
    const result = await postLoad({
      url: `${api.url}/v1/ingestions`,
      body: batchBody(events),
      connections: 32,
      seconds,
    });
    let cpu = 0;
    for (const [pid, s] of await backendCpuSeconds(client, 'ingest-api')) cpu += s - (before.get(pid) ?? 0);
    rows.push({
      index,
      events,
      perSec: result.acceptedPerSec,
      backendCpuMs: (cpu * 1e6) / result.accepted,
    });
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  };
  // Warm-up: JIT, pool, prepared statements.
  await postLoad({ url: `${api.url}/v1/ingestions`, body: batchBody(100), connections: 32, seconds: 2 });
  for (let i = 0; i < pairs; i += 1) {
    for (const events of [100, 1]) {
      // Alternating which goes first, so neither always follows the other.
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const index of order) await run(index, events);
    }
  }
} finally {
  await api.stop();
  await client.end();
  await database.dispose();
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const events of [100, 1]) {
  const side = (index: boolean) => rows.filter((r) => r.events === events && r.index === index);
  const without = side(false);
  const withIndex = side(true);
  const ratios = withIndex.map((r, i) => r.perSec / without[i]!.perSec);
  console.log(
    `${events}-event requests: without index ${median(without.map((r) => r.perSec)).toFixed(0)} req/s, ` +
      `${median(without.map((r) => r.backendCpuMs)).toFixed(1)} backend CPU ms per 1,000 jobs; with index ` +
      `${median(withIndex.map((r) => r.perSec)).toFixed(0)} req/s, ${median(withIndex.map((r) => r.backendCpuMs)).toFixed(1)} ms; ` +
      `with/without per pair ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
  );
}
