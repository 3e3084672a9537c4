import { Counter, Gauge, type Registry } from 'prom-client';

/** What a completed maintenance pass reports to the metrics. */
export interface MaintenancePassFigures {
  /** When the pass worked (database clock). */
  now: Date;
  dropped: readonly string[];
  jobsDeleted: number;
  /** The upper bound of the newest partition of raw_events: inserts fail from then on. */
  partitionsUntil: Date | null;
}

/** What a worker's maintenance schedule records (only passes this process ran). */
export interface MaintenanceMetrics {
  passDone(figures: MaintenancePassFigures): void;
  passFailed(): void;
}

/** Records nothing. */
export const noMaintenanceMetrics: MaintenanceMetrics = { passDone() {}, passFailed() {} };

/** The maintenance metrics on `registry`. */
export function createMaintenanceMetrics(registry: Registry): MaintenanceMetrics {
  const lastPass = new Gauge({
    name: 'ingest_maintenance_last_pass_timestamp_seconds',
    help: 'When this process last completed a maintenance pass (database clock); take the max over processes.',
    registers: [registry],
  });
  const partitionsUntil = new Gauge({
    name: 'ingest_raw_events_partitions_until_timestamp_seconds',
    help: 'End of the newest partition of raw_events at the last pass: inserts fail from then on.',
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'ingest_maintenance_partitions_dropped_total',
    help: 'Partitions of raw_events past RAW_EVENT_RETENTION_DAYS dropped by this process.',
    registers: [registry],
  });
  const jobsDeleted = new Counter({
    name: 'ingest_maintenance_jobs_deleted_total',
    help: 'Finished jobs past JOB_RETENTION_DAYS deleted with their results by this process.',
    registers: [registry],
  });
  const failed = new Counter({
    name: 'ingest_maintenance_passes_failed_total',
    help: 'Maintenance passes that ended with an error (lock timeouts are not errors: the step waits for the next pass).',
    registers: [registry],
  });
  for (const counter of [dropped, jobsDeleted, failed]) counter.inc(0);
  return {
    passDone(figures) {
      lastPass.set(figures.now.getTime() / 1000);
      if (figures.partitionsUntil) partitionsUntil.set(figures.partitionsUntil.getTime() / 1000);
      dropped.inc(figures.dropped.length);
      jobsDeleted.inc(figures.jobsDeleted);
    },
    passFailed() {
      failed.inc();
    },
  };
}
