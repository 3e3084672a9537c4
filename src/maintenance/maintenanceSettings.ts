import type { MaintenanceConfig } from '../config/config.js';

/** What a pass keeps and for how long. */
export interface MaintenanceSettings {
  /** Days a day's partition is kept after it ends; 0: forever. */
  rawEventRetentionDays: number;
  /** Days a finished job is kept after it finished; 0: forever. */
  jobRetentionDays: number;
  /** Days after today that get their partition ahead of time. */
  daysAhead: number;
  /** How long any step waits for a lock before it is left for the next pass. */
  lockTimeoutMs: number;
  /** Jobs one delete statement takes at most. */
  deleteBatchSize: number;
  /** Idempotency keys a pass looks at for a job that is gone, at most (see keySweep.ts). */
  keySweepPerPass: number;
}

/** The shipped values of the settings that are not configuration. */
export const maintenanceDefaults = {
  daysAhead: 7,
  // Short: a step waiting for a lock holds up whatever queues behind it (see docs/operations.md).
  lockTimeoutMs: 3000,
  deleteBatchSize: 2000,
  // Ten statements of 2,000 keys, two probes of a primary key each: a few hundred milliseconds.
  keySweepPerPass: 20_000,
} as const;

/** The settings of a pass from the configuration. */
export function maintenanceSettingsOf(config: MaintenanceConfig): MaintenanceSettings {
  return {
    ...maintenanceDefaults,
    rawEventRetentionDays: config.rawEventRetentionDays,
    jobRetentionDays: config.jobRetentionDays,
  };
}
