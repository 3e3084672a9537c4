import { Gauge, type Registry } from 'prom-client';
import type { PausesSummary } from '../data/pauseStore.js';
import { cachedRead, type CachedSource } from './cachedRead.js';

/**
 * `ingest_processing_paused` and `ingest_tenants_paused`: the pauses operators set in the admin API,
 * read from the database at most once per `cacheSeconds` per process (every process reports the same
 * state: aggregate with max).
 */
export function createPauseMetrics(registry: Registry, source: CachedSource<PausesSummary>): void {
  const current = cachedRead(source);
  new Gauge({
    name: 'ingest_processing_paused',
    help: 'Whether an operator paused processing for every tenant (1) or not (0): no job is claimed while it is 1. Read from the database at most once per METRICS_JOB_COUNTS_CACHE_SECONDS per process.',
    registers: [registry],
    async collect() {
      const pauses = await current();
      if (pauses) this.set(pauses.processingPausedAt ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ingest_tenants_paused',
    help: 'Tenants an operator paused: their jobs are accepted and stay Pending. Read from the database at most once per METRICS_JOB_COUNTS_CACHE_SECONDS per process.',
    registers: [registry],
    async collect() {
      const pauses = await current();
      if (pauses) this.set(pauses.pausedTenants);
    },
  });
}
