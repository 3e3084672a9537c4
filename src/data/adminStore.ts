import type { JobKey } from '../domain/jobCursor.js';
import type { JobStatus } from '../domain/jobStatus.js';
import { canonicalInstantText } from '../domain/timestamp.js';
import { jobViewOf, type JobRow, type JobView } from './ingestionStore.js';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

// The admin statements run unprepared (text only, no name): each call is planned with its own values, so
// a filter that is left out (a null parameter) drops out of the plan and the right index is chosen.
const statements = {
  adminJobsList: sqlStatement('adminJobsList').text,
  adminJobFind: sqlStatement('adminJobFind').text,
  adminStatusCounts: sqlStatement('adminStatusCounts').text,
  adminCompletionsPerMinute: sqlStatement('adminCompletionsPerMinute').text,
  adminOldestPending: sqlStatement('adminOldestPending').text,
};

/** Which jobs an operator asks for. Every field left undefined matches every job. */
export interface AdminJobFilter {
  statuses: readonly JobStatus[];
  tenantId?: string;
  /** Created at or after. */
  createdFrom?: Date;
  /** Created before. */
  createdBefore?: Date;
  /** Text the job's error contains, ignoring case. */
  errorContains?: string;
  /** A JSON object one of the job's events' payload must contain (jsonb `@>`). */
  payloadContains?: unknown;
}

/** A job as the admin list shows it: the status route's view, and when an operator cancelled it. */
export interface AdminJobRow extends JobView {
  key: JobKey;
  cancelledAt: Date | null;
}

/** One finished attempt (or operator action) in a job's history. */
export interface AttemptRecord {
  attempt: number;
  startedAt: string | null;
  endedAt: string;
  worker: string | null;
  outcome: 'succeeded' | 'failed' | 'abandoned' | 'released' | 'retried' | 'cancelled';
  error: string | null;
  /** A failed attempt's error stack, bounded; absent for other outcomes and for older entries. */
  stack?: string;
}

/** A job with everything the job page shows. */
export interface AdminJobDetail extends Omit<AdminJobRow, 'key'> {
  lockedBy: string | null;
  lockedUntil: Date | null;
  attemptedAt: Date | null;
  idempotencyKey: string | null;
  attempts: AttemptRecord[];
  eventTypes: Array<{ type: string; count: number }>;
  firstEvents: Array<{ seq: number; type: string; timestamp: string; payload: unknown }>;
  results: Array<{ eventType: string; count: number; firstTimestamp: string; lastTimestamp: string }>;
  /** Since when the job's tenant is paused; null when it is not. */
  tenantPausedAt: Date | null;
  /** Since when processing is paused for every tenant; null when it runs. */
  processingPausedAt: Date | null;
}

/** Finished jobs in one minute of the overview. */
export interface MinuteCounts {
  minute: Date;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Median seconds from acceptance to finish of the minute's jobs (cancelled ones left out); null: none. */
  p50Seconds: number | null;
  p95Seconds: number | null;
}

/** The overview's figures. */
export interface AdminOverview {
  counts: Record<JobStatus, number>;
  /** Statuses whose count is over the exact-count cap, and so estimated from the planner's statistics. */
  estimated: JobStatus[];
  perMinute: MinuteCounts[];
  oldestPending: { id: string; tenantId: string; createdAt: Date; availableAt: Date; now: Date } | null;
}

/** An ILIKE pattern matching text that contains `text` literally (its % and _ escaped). */
function containsPattern(text: string | undefined): string | null {
  return text === undefined ? null : `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The parameters the list and the bulk actions share: tenant, time range, error, payload, keyset position. */
export function filterParameters(filter: Omit<AdminJobFilter, 'statuses'>, after: JobKey | undefined) {
  return [
    filter.tenantId ?? null,
    filter.createdFrom ?? null,
    filter.createdBefore ?? null,
    containsPattern(filter.errorContains),
    filter.payloadContains === undefined ? null : JSON.stringify(filter.payloadContains),
    after?.createdKey ?? null,
    after?.id ?? null,
  ];
}

interface JobRowDb extends JobRow {
  created_key: string;
  cancelled_at: Date | null;
}

function jobRowOf(row: Omit<JobRowDb, 'created_key'>) {
  return { ...jobViewOf(row), cancelledAt: row.cancelled_at };
}

/** One page of jobs matching `filter`, newest first, after `after` (exclusive). */
export async function adminJobsList(
  pool: Pool,
  filter: AdminJobFilter,
  after: JobKey | undefined,
  limit: number,
): Promise<AdminJobRow[]> {
  const { rows } = await pool.query<JobRowDb>(statements.adminJobsList, [
    filter.statuses,
    ...filterParameters(filter, after),
    limit,
  ]);
  return rows.map((row) => ({ ...jobRowOf(row), key: { createdKey: row.created_key, id: row.id } }));
}

/** One job with its history, events summary and results; undefined when unknown. */
export async function adminJobFind(
  pool: Pool,
  id: string,
  eventsShown: number,
): Promise<AdminJobDetail | undefined> {
  const { rows } = await pool.query<
    Omit<JobRowDb, 'created_key'> & {
      locked_by: string | null;
      locked_until: Date | null;
      attempted_at: Date | null;
      idempotency_key: string | null;
      attempts: AttemptRecord[];
      event_types: AdminJobDetail['eventTypes'];
      first_events: AdminJobDetail['firstEvents'];
      results: AdminJobDetail['results'];
      tenant_paused_at: Date | null;
      processing_paused_at: Date | null;
    }
  >(statements.adminJobFind, [id, eventsShown]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...jobRowOf(row),
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    attemptedAt: row.attempted_at,
    idempotencyKey: row.idempotency_key,
    // jsonb keeps timestamps as PostgreSQL writes them (`+00:00`, up to six digits): given here in the
    // form of every other timestamp of the API (UTC, `Z`, milli- or microseconds).
    attempts: row.attempts.map((attempt) => ({
      ...attempt,
      startedAt: attempt.startedAt === null ? null : canonicalInstantText(attempt.startedAt),
      endedAt: canonicalInstantText(attempt.endedAt),
    })),
    eventTypes: row.event_types,
    firstEvents: row.first_events.map((event) => ({
      ...event,
      timestamp: canonicalInstantText(event.timestamp),
    })),
    results: row.results.map((result) => ({
      ...result,
      firstTimestamp: canonicalInstantText(result.firstTimestamp),
      lastTimestamp: canonicalInstantText(result.lastTimestamp),
    })),
    tenantPausedAt: row.tenant_paused_at,
    processingPausedAt: row.processing_paused_at,
  };
}

/** Up to this many jobs of a status are counted exactly; more are estimated (see adminStatusCounts). */
export const exactCountCap = 10_000;

/** Counts by status, completions per minute over the last hour, and the oldest pending job. */
export async function adminOverview(pool: Pool): Promise<AdminOverview> {
  const [counts, perMinute, oldest] = await Promise.all([
    pool.query<{ status: JobStatus; count: string; estimated: boolean }>(statements.adminStatusCounts, [
      exactCountCap,
    ]),
    pool.query<
      Omit<MinuteCounts, 'p50Seconds' | 'p95Seconds'> & {
        p50_seconds: number | null;
        p95_seconds: number | null;
      }
    >(statements.adminCompletionsPerMinute),
    pool.query<{ id: string; tenant_id: string; created_at: Date; available_at: Date; now: Date }>(
      statements.adminOldestPending,
    ),
  ]);
  const byStatus = { Pending: 0, Processing: 0, Succeeded: 0, Failed: 0 };
  for (const row of counts.rows) byStatus[row.status] = Number(row.count);
  const first = oldest.rows[0];
  return {
    counts: byStatus,
    estimated: counts.rows.filter((row) => row.estimated).map((row) => row.status),
    perMinute: perMinute.rows.map(({ p50_seconds, p95_seconds, ...counts }) => ({
      ...counts,
      p50Seconds: p50_seconds,
      p95Seconds: p95_seconds,
    })),
    oldestPending: first
      ? {
          id: first.id,
          tenantId: first.tenant_id,
          createdAt: first.created_at,
          availableAt: first.available_at,
          now: first.now,
        }
      : null,
  };
}
