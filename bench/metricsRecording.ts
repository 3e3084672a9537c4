// `npx tsx bench/metricsRecording.ts`: the CPU cost of the metrics' own code, away from the noise of a
// shared machine's end-to-end runs: one request as the API records it (duration histogram + accepted
// counters), one job as the worker records it (queue wait, processing time, outcome; in batches of 50
// as it claims them), and one scrape (the whole exposition, default metrics included; no job count).
import { MetricsRegistry } from '../src/metrics/metricsRegistry.js';

const registry = new MetricsRegistry(true);
const api = registry.apiMetrics();
const worker = registry.workerMetrics();
const requests = 2_000_000;
const cpuNs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
};

for (let round = 1; round <= 3; round += 1) {
  let since = process.cpuUsage();
  for (let i = 0; i < requests; i += 1) {
    api.requestCompleted('POST', '/v1/ingestions', 202, 0.012 + (i % 7) / 1000);
    api.jobAccepted(100);
  }
  const perRequest = cpuNs(since) / requests;

  since = process.cpuUsage();
  const waits = new Array<number>(50).fill(0.01);
  for (let i = 0; i < requests / 50; i += 1) {
    worker.jobsClaimed(waits);
    worker.batchProcessed(50, 0.02);
    worker.jobsCompleted('succeeded', 50);
    worker.leasesLost(0);
  }
  const perJob = cpuNs(since) / requests;

  since = process.cpuUsage();
  for (let i = 0; i < 200; i += 1) await registry.exposition();
  const perScrape = cpuNs(since) / 200;
  const series = (await registry.exposition()).body.split('\n').filter((l) => l && !l.startsWith('#')).length;
  process.stdout.write(
    `round ${round}: ${perRequest.toFixed(0)} ns per API request, ${perJob.toFixed(0)} ns per worker job, ` +
      `${(perScrape / 1e6).toFixed(2)} ms per scrape of ${series} samples\n`,
  );
}
