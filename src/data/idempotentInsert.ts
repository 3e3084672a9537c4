import {
  defaultOutcomeWaitMillis,
  jobInsertMany,
  type JobInsertOutcome,
  type NewJob,
} from './ingestionStore.js';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

// What a job whose idempotency key was already taken comes to: the job the key names, or, when that
// job is gone, a free key and the job stored after all.

const statements = {
  jobsFindByIdempotencyKeys: sqlStatement('jobsFindByIdempotencyKeys'),
  idempotencyKeysFree: sqlStatement('idempotencyKeysFree'),
};

function idempotencyMapKey(tenantId: string, idempotencyKey: string | undefined): string {
  return JSON.stringify([tenantId, idempotencyKey ?? null]);
}

/**
 * For jobs that jobInsertMany did not create, in the order given: the job their idempotency key names,
 * as a replay of the same body or a conflict with another; or `free` when the key names a job that is
 * gone (see idempotencyKeysFree.sql), which this frees: the caller stores the job again. One statement
 * for all of them, and one more when some key is free.
 */
export async function idempotencyOutcomes(
  pool: Pool,
  jobs: readonly NewJob[],
): Promise<Array<JobInsertOutcome | { kind: 'free' }>> {
  const { rows } = await pool.query<{
    tenant_id: string;
    idempotency_key: string;
    id: string;
    request_fingerprint: string | null;
  }>({
    ...statements.jobsFindByIdempotencyKeys,
    values: [jobs.map((job) => job.tenantId), jobs.map((job) => job.idempotencyKey ?? null)],
  });
  const existing = new Map(rows.map((row) => [idempotencyMapKey(row.tenant_id, row.idempotency_key), row]));
  const free = jobs.filter((job) => !existing.has(idempotencyMapKey(job.tenantId, job.idempotencyKey)));
  if (free.length > 0) {
    await pool.query({
      ...statements.idempotencyKeysFree,
      values: [free.map((job) => job.tenantId), free.map((job) => job.idempotencyKey ?? null)],
    });
  }
  return jobs.map((job) => {
    const row = existing.get(idempotencyMapKey(job.tenantId, job.idempotencyKey));
    if (!row) return { kind: 'free' };
    // A keyed job without a fingerprint came from the .NET template's database, which kept none: its
    // key alone names the job, as the template answered.
    return row.request_fingerprint === null || row.request_fingerprint === (job.requestFingerprint ?? null)
      ? { kind: 'replayed', jobId: row.id }
      : { kind: 'conflict', jobId: row.id };
  });
}

/** Times a job whose idempotency key turned out free is stored again before the error is passed on. */
const freeKeyRounds = 3;

/**
 * Stores one job and its events atomically, or finds the job its idempotency key already names. A key
 * whose job is gone is freed and the job stored (again, should another request have taken the key
 * meanwhile, which then names that request's job).
 */
export async function jobInsert(
  pool: Pool,
  job: NewJob,
  outcomeWaitMillis = defaultOutcomeWaitMillis,
): Promise<JobInsertOutcome> {
  for (let round = 1; ; round += 1) {
    const created = await jobInsertMany(pool, [job], outcomeWaitMillis);
    if (created.has(job.id)) return { kind: 'created', jobId: job.id };
    const [outcome] = await idempotencyOutcomes(pool, [job]);
    if (outcome!.kind !== 'free') return outcome!;
    if (round >= freeKeyRounds) {
      throw new Error(
        `Idempotency key of tenant ${job.tenantId} was freed ${round} times and taken again each time`,
      );
    }
  }
}
