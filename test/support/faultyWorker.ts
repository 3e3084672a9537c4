// A worker process like `npm run worker`, with a test-only hook: jobs of tenant "poison" fail every
// attempt, jobs of tenant "slow" take SLOW_JOB_MS to process, jobs of tenant "flaky" fail while the file
// FLAKY_MARKER_FILE exists (a test fails them, removes the file, and retries them). With CRASH_AFTER_FINISH=1
// it kills itself (SIGKILL) the moment its first statement that finishes jobs has committed, before their
// webhooks go out. Nothing a user can send or configure
// reaches this file; it exists only for the tests. It serves its metrics as the real worker does.
import { existsSync } from 'node:fs';
import { createLogger } from '../../src/log/logger.js';
import { MetricsRegistry } from '../../src/metrics/metricsRegistry.js';
import { startMetricsServer } from '../../src/entry/metricsServer.js';
import { loadConfigOrExit, onShutdownSignal, requireDatabase } from '../../src/entry/runtime.js';
import { startWorker } from '../../src/entry/workerService.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'faulty-worker', config.logFormat);
const database = requireDatabase(config, 'faulty worker');
const slowMs = Number(process.env.SLOW_JOB_MS ?? '1000');
const flakyMarker = process.env.FLAKY_MARKER_FILE;
const crashAfterFinish = process.env.CRASH_AFTER_FINISH === '1';

const metrics = new MetricsRegistry(config.metrics.enabled);
const metricsServer = metrics.enabled
  ? await startMetricsServer(metrics, config.http.host, config.metrics.port, logger)
  : undefined;
const worker = await startWorker(config, database, logger, {
  metrics,
  hooks: {
    beforeComplete: async (job) => {
      if (job.tenantId === 'poison') throw new Error('injected failure');
      if (job.tenantId === 'flaky' && flakyMarker && existsSync(flakyMarker))
        throw new Error('injected failure while the marker file exists');
      if (job.tenantId === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
    },
    afterFinish: () => {
      if (crashAfterFinish) process.kill(process.pid, 'SIGKILL');
    },
  },
});
onShutdownSignal(logger, (config.worker.shutdownGraceSeconds + 10) * 1000, async () => {
  await worker.stop();
  await metricsServer?.stop();
});
