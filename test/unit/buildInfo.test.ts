import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { MetricsRegistry } from '../../src/metrics/metricsRegistry.js';

describe('ingest_build_info', () => {
  it('names GIT_COMMIT when the configuration has one', async () => {
    const config = loadConfig({ GIT_COMMIT: '0123abcd' });
    const { body } = await new MetricsRegistry(true, config.metrics.buildCommit).exposition();
    expect(body).toMatch(/^# HELP ingest_build_info Always 1;/m);
    expect(body).toMatch(
      new RegExp(
        `^ingest_build_info\\{version="\\d+\\.\\d+\\.\\d+",commit="0123abcd",node="${process.version}"\\} 1$`,
        'm',
      ),
    );
  });

  it('is absent with METRICS_ENABLED=false, like every metric', async () => {
    expect((await new MetricsRegistry(false).exposition()).body).not.toContain('ingest_build_info');
  });
});
