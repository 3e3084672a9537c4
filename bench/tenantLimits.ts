// Issue 12, part 5: a tenant's requests/s limit across two API processes. Starts two compiled API
// processes with RATE_LIMIT_REQUESTS_PER_SECOND (default 100) on one fresh database and drives one tenant
// with 1-event posts as fast as 16 clients can: spread over both processes (round robin, as a load
// balancer would), then all to one process. Reports the accepted rate after the first second (the
// buckets start full), the 429s and the p50 latency of the answers.
//
//   npx tsx bench/tenantLimits.ts [--rps=100] [--seconds=10]
import { openBenchDatabase } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { startApi } from './serviceProcesses.js';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name!, value ?? 'true'];
  }),
);
const rps = Number(args.get('rps') ?? 100);
const seconds = Number(args.get('seconds') ?? 10);
const body = JSON.stringify({
  tenantId: 'limited-tenant',
  events: [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { page: '/home' } }],
});

async function drive(urls: string[]) {
  const started = Date.now();
  const deadline = started + (seconds + 1) * 1000;
  let accepted = 0;
  let refused = 0;
  const latencies: number[] = [];
  const client = async (url: string) => {
    while (Date.now() < deadline) {
      const began = performance.now();
      const response = await fetch(`${url}/v1/ingestions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - began);
      // The first second drains the full buckets; only what follows measures the rate.
      if (Date.now() - started < 1000) continue;
      if (response.status === 202) accepted += 1;
      else if (response.status === 429) refused += 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, i) => client(urls[i % urls.length]!)));
  latencies.sort((a, b) => a - b);
  return {
    acceptedPerSec: Math.round((accepted / seconds) * 10) / 10,
    refusedPerSec: Math.round(refused / seconds),
    p50Ms: Math.round(latencies[Math.floor(latencies.length / 2)]! * 10) / 10,
  };
}

buildService();
const database = await openBenchDatabase();
try {
  const env = { RATE_LIMIT_REQUESTS_PER_SECOND: String(rps) };
  const first = await startApi(database.url, env);
  const second = await startApi(database.url, { ...env, RUN_MIGRATIONS_ON_STARTUP: 'false' });
  // Both hear each other within two announcements.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const spread = await drive([first.url, second.url]);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const oneProcess = await drive([first.url]);
  await Promise.all([first.stop(), second.stop()]);
  const unlimited = await startApi(database.url, { RUN_MIGRATIONS_ON_STARTUP: 'false' });
  const off = await drive([unlimited.url]);
  await unlimited.stop();
  console.log(
    JSON.stringify({ rps, seconds, spreadOverTwo: spread, allToOneOfTwo: oneProcess, limitOff: off }),
  );
} finally {
  await database.dispose();
}
