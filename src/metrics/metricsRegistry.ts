import { collectDefaultMetrics, Registry } from 'prom-client';
import { createBuildInfoMetric, currentBuild } from './buildInfo.js';
import { createApiMetrics, noApiMetrics, type ApiMetrics } from './apiMetrics.js';
import {
  createMaintenanceMetrics,
  noMaintenanceMetrics,
  type MaintenanceMetrics,
} from './maintenanceMetrics.js';
import type { PausesSummary } from '../data/pauseStore.js';
import type { CachedSource } from './cachedRead.js';
import { createJobCountMetrics, type JobCountSource } from './jobCountMetrics.js';
import { createPauseMetrics } from './pauseMetrics.js';
import { createPoolMetrics, type PoolCounts } from './poolMetrics.js';
import { createWorkerMetrics, noWorkerMetrics, type WorkerMetrics } from './workerMetrics.js';
import {
  createWebhookBacklogMetrics,
  createWebhookMetrics,
  noWebhookMetrics,
  type WebhookBacklogSource,
  type WebhookMetrics,
} from './webhookMetrics.js';

/** A text exposition ready to send. */
export interface Exposition {
  contentType: string;
  body: string;
}

/**
 * The process's one registry. The API and the worker record into it (with `npm start` both do, into the
 * same one); the entry points expose it. Disabled (METRICS_ENABLED=false), every recorder is a no-op and
 * nothing is collected.
 */
export class MetricsRegistry {
  private readonly registry = new Registry();
  private api: ApiMetrics | undefined;
  private worker: WorkerMetrics | undefined;
  private maintenance: MaintenanceMetrics | undefined;
  private webhooks: WebhookMetrics | undefined;
  private webhookBacklogWatched = false;
  private addPool: ((name: string, pool: PoolCounts) => void) | undefined;
  private jobCountsWatched = false;
  private pausesWatched = false;

  /** `commit`: GIT_COMMIT from the configuration, for `ingest_build_info`. */
  constructor(
    readonly enabled: boolean,
    commit?: string,
  ) {
    // CPU, memory, heap, event-loop lag, handles, GC: prom-client's standard process_ and nodejs_ metrics.
    if (enabled) {
      // The event-loop lag is sampled by a timer: prom-client's default of every 10 ms cost an idle worker
      // about 3 ms of CPU a second (measured, docs/performance.md); every 100 ms still sees any lag that
      // matters to an alert.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
      // Gauges whose names end in _total, which the naming rules keep for counters (promtool check
      // metrics refuses them); the same counts by type remain as nodejs_active_handles{type} and so on.
      for (const name of ['handles', 'requests', 'resources'])
        this.registry.removeSingleMetric(`nodejs_active_${name}_total`);
      createBuildInfoMetric(this.registry, currentBuild(commit));
    }
  }

  /** The API's recorders (made once, shared by every caller in the process). */
  apiMetrics(): ApiMetrics {
    if (!this.enabled) return noApiMetrics;
    return (this.api ??= createApiMetrics(this.registry));
  }

  /** The worker's recorders (made once, shared by every caller in the process). */
  workerMetrics(): WorkerMetrics {
    if (!this.enabled) return noWorkerMetrics;
    return (this.worker ??= createWorkerMetrics(this.registry));
  }

  /** The maintenance schedule's recorders (made once). */
  maintenanceMetrics(): MaintenanceMetrics {
    if (!this.enabled) return noMaintenanceMetrics;
    return (this.maintenance ??= createMaintenanceMetrics(this.registry));
  }

  /** The webhook delivery's recorders (made once). */
  webhookMetrics(): WebhookMetrics {
    if (!this.enabled) return noWebhookMetrics;
    return (this.webhooks ??= createWebhookMetrics(this.registry));
  }

  /** Reports the webhook backlog; the first call wins, as with the job counts. */
  watchWebhookBacklog(source: WebhookBacklogSource): void {
    if (!this.enabled || this.webhookBacklogWatched) return;
    this.webhookBacklogWatched = true;
    createWebhookBacklogMetrics(this.registry, source);
  }

  /** Reports a database pool's connections under `name`. */
  watchPool(name: string, pool: PoolCounts): void {
    if (!this.enabled) return;
    (this.addPool ??= createPoolMetrics(this.registry))(name, pool);
  }

  /** Reports the jobs by status; the first call wins, as one count serves the whole process. */
  watchJobCounts(source: JobCountSource): void {
    if (!this.enabled || this.jobCountsWatched) return;
    this.jobCountsWatched = true;
    createJobCountMetrics(this.registry, source);
  }

  /** Reports the pauses operators set; the first call wins, as one read serves the whole process. */
  watchPauses(source: CachedSource<PausesSummary>): void {
    if (!this.enabled || this.pausesWatched) return;
    this.pausesWatched = true;
    createPauseMetrics(this.registry, source);
  }

  /** Everything, in the Prometheus text format. */
  async exposition(): Promise<Exposition> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
