// A worker process like `npm run worker`, with a test-only hook: jobs of tenant "poison" fail every
// attempt, jobs of tenant "slow" take SLOW_JOB_MS to process. Nothing a user can send or configure
// reaches this file; it exists only for the tests. It serves its metrics as the real worker does.
import { createLogger } from '../../src/log/logger.js';
import { MetricsRegistry } from '../../src/metrics/metricsRegistry.js';
import { startMetricsServer } from '../../src/entry/metricsServer.js';
import { loadConfigOrExit, onShutdownSignal, requireDatabase } from '../../src/entry/runtime.js';
import { startWorker } from '../../src/entry/workerService.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'faulty-worker');
const database = requireDatabase(config, 'faulty worker');
const slowMs = Number(process.env.SLOW_JOB_MS ?? '1000');

const metrics = new MetricsRegistry(config.metrics.enabled);
const metricsServer = metrics.enabled
  ? await startMetricsServer(metrics, config.http.host, config.metrics.port, logger)
  : undefined;
const worker = await startWorker(config, database, logger, {
  metrics,
  hooks: {
    beforeComplete: async (job) => {
      if (job.tenantId === 'poison') throw new Error('injected failure');
      if (job.tenantId === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
    },
  },
});
onShutdownSignal(logger, (config.worker.shutdownGraceSeconds + 10) * 1000, async () => {
  await worker.stop();
  await metricsServer?.stop();
});
