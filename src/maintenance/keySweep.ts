import { idempotencyKeysDeleteOrphaned, type IdempotencyKeyPosition } from '../data/jobRetention.js';
import type { Pool } from '../data/pool.js';
import type { MaintenanceSettings } from './maintenanceSettings.js';

/** Keys one statement looks at: a short transaction, a few milliseconds of primary-key probes. */
const keysPerStatement = 2000;

/** Where a sweep of the idempotency keys stopped: the last key it looked at. */
export type KeySweepPosition = IdempotencyKeyPosition;

/**
 * Deletes idempotency keys whose job is gone (an older build's retention left them during an upgrade),
 * looking at `keySweepPerPass` keys at most, in statements of 2,000, from just after
 * `after`. A pass does a slice, the next one goes on from where it stopped (`keySweepNext`; null once
 * the end was reached, so the next starts again from the first key): the whole table is covered over
 * passes at a bounded cost each, however many keys there are.
 */
export async function sweepOrphanedKeys(
  pool: Pool,
  settings: MaintenanceSettings,
  after: KeySweepPosition | null | undefined,
  stopped: () => boolean,
): Promise<{ keysDeleted: number; keySweepNext: KeySweepPosition | null }> {
  let position = after ?? null;
  let keysDeleted = 0;
  for (let looked = 0; looked < settings.keySweepPerPass && !stopped();) {
    const count = Math.min(keysPerStatement, settings.keySweepPerPass - looked);
    const slice = await idempotencyKeysDeleteOrphaned(pool, position, count);
    keysDeleted += slice.deleted;
    looked += slice.examined;
    if (slice.examined < count) return { keysDeleted, keySweepNext: null };
    position = slice.last;
  }
  return { keysDeleted, keySweepNext: position };
}
