import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError } from '../api/problem.js';
import { jsonResponse, problemResponse } from '../api/schemas/responses.js';
import {
  adminJobCancel,
  adminJobFind,
  adminJobRetry,
  adminJobsList,
  adminJobsRetry,
  adminOverview,
  type AdminJobRow,
} from '../data/adminStore.js';
import type { Pool } from '../data/pool.js';
import type { AdminAccess } from './adminAccess.js';
import { adminRefusals as refusals, adminRouteDoc, guardAdminRoutes, readOnlyRefusal } from './adminGuard.js';
import {
  AdminJobDetailSchema,
  AdminJobParamsSchema,
  BulkRetryBodySchema,
  BulkRetrySchema,
  JobActionSchema,
  JobListQuerySchema,
  JobListSchema,
  OverviewSchema,
} from './adminSchemas.js';
import { decodeCursor, encodeCursor } from './jobCursor.js';
import { parseJobFilter, type RawJobFilter } from './jobFilter.js';

/** What the admin routes need. */
export interface AdminRouteOptions {
  pool: Pool;
  access: AdminAccess;
  /** DASHBOARD_READ_ONLY: retries and cancels are refused. */
  readOnly: boolean;
}

/** Events shown with their payloads on a job's page. */
const eventsShown = 20;
/** Jobs one bulk-retry statement changes: each batch is a short transaction. */
const retryBatchSize = 500;
/** Jobs one bulk-retry request changes at most; the answer says when more remain. */
const retryMaxJobs = 100_000;

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

function jobView(row: Omit<AdminJobRow, 'key'>) {
  return {
    jobId: row.id,
    tenantId: row.tenantId,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    eventCount: row.eventCount,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    processedAt: iso(row.processedAt),
    availableAt: row.availableAt.toISOString(),
    cancelledAt: iso(row.cancelledAt),
  };
}

function filterOrThrow(raw: RawJobFilter) {
  const outcome = parseJobFilter(raw, new Date());
  if ('errors' in outcome) {
    throw new ProblemError(400, 'Invalid filter', 'The filter is invalid; see errors for what to fix.', {
      errors: outcome.errors,
    });
  }
  return outcome.filter;
}

const { tags, security } = adminRouteDoc;
const invalidInput = problemResponse('The filter, cursor or job id is invalid; errors says what to fix.');
const jobNotFound = problemResponse('No job has this id.');

/**
 * The admin API: list and inspect jobs, retry and cancel them, and the overview. Every route is behind
 * AdminAccess; the actions are refused in read-only mode.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  const { pool, access, readOnly } = options;

  guardAdminRoutes(app, access);

  const refuseInReadOnly = readOnlyRefusal(
    readOnly,
    'jobs can be looked at but not retried or cancelled. Unset it to allow actions.',
  );

  app.get(
    '/admin/jobs',
    {
      schema: {
        tags,
        security,
        operationId: 'adminListJobs',
        summary: 'List jobs',
        description:
          'Jobs matching a filter (status, tenant, time range, error text, payload condition), newest first, ' +
          'one page at a time: pass nextCursor back as cursor for the next page.',
        querystring: JobListQuerySchema,
        response: { 200: jsonResponse('A page of jobs.', JobListSchema), 400: invalidInput, ...refusals },
      },
    },
    async (request) => {
      const { cursor, limit, ...raw } = request.query;
      const filter = filterOrThrow(raw);
      const after = cursor ? decodeCursor(cursor) : undefined;
      if (cursor && !after) {
        throw new ProblemError(
          400,
          'Invalid cursor',
          'The cursor is not one this service gave; start from the first page.',
          {
            errors: { cursor: ['pass nextCursor of a previous page unchanged'] },
          },
        );
      }
      const size = limit === undefined ? 50 : Number(limit);
      if (size < 1 || size > 200) {
        throw new ProblemError(400, 'Invalid filter', 'The page size is out of range.', {
          errors: { limit: ['expected a whole number from 1 to 200'] },
        });
      }
      // One row more than the page tells whether another page follows.
      const rows = await adminJobsList(pool, filter, after, size + 1);
      const page = rows.slice(0, size);
      return {
        jobs: page.map(jobView),
        nextCursor: rows.length > size ? encodeCursor(page[page.length - 1]!.key) : null,
        from: iso(filter.createdFrom ?? null),
      };
    },
  );

  app.get(
    '/admin/jobs/:jobId',
    {
      schema: {
        tags,
        security,
        operationId: 'adminGetJob',
        summary: 'One job',
        description:
          'Its fields, every attempt with its worker, outcome and error, its events summarised, its results.',
        params: AdminJobParamsSchema,
        response: {
          200: jsonResponse('The job.', AdminJobDetailSchema),
          400: invalidInput,
          404: jobNotFound,
          ...refusals,
        },
      },
    },
    async (request) => {
      const job = await adminJobFind(pool, request.params.jobId, eventsShown);
      if (!job) throw new ProblemError(404, 'Job not found', `No job has the id ${request.params.jobId}.`);
      return {
        ...jobView(job),
        lockedBy: job.lockedBy,
        lockedUntil: iso(job.lockedUntil),
        attemptedAt: iso(job.attemptedAt),
        idempotencyKey: job.idempotencyKey,
        attempts: job.attempts,
        eventTypes: job.eventTypes,
        firstEvents: job.firstEvents,
        results: job.results,
      };
    },
  );

  /** Answers an action on one job: done, or why not (unknown job, or not in the state it needs). */
  const action = async (jobId: string, needed: 'Failed' | 'Pending', act: () => Promise<boolean>) => {
    refuseInReadOnly();
    if (await act())
      return { jobId, status: needed === 'Failed' ? ('Pending' as const) : ('Failed' as const) };
    const job = await adminJobFind(pool, jobId, 0);
    if (!job) throw new ProblemError(404, 'Job not found', `No job has the id ${jobId}.`);
    if (needed === 'Failed' && job.status === 'Failed') {
      throw new ProblemError(
        409,
        'Job events deleted',
        'The events of this job were deleted by retention (RAW_EVENT_RETENTION_DAYS), so it cannot run again. ' +
          'Submit its events again as a new job.',
        { jobId },
      );
    }
    throw new ProblemError(
      409,
      'Job not in the right state',
      needed === 'Failed'
        ? `Only a Failed job can be retried; this one is ${job.status}.`
        : `Only a Pending job can be cancelled; this one is ${job.status}${job.status === 'Processing' ? ' (a worker holds it; wait for its outcome)' : ''}.`,
      { jobId },
    );
  };
  const actionResponses = {
    200: jsonResponse('Done: the job and its new status.', JobActionSchema),
    400: invalidInput,
    404: jobNotFound,
    409: problemResponse(
      'The job is not in the state the action needs (Failed to retry, Pending to cancel).',
    ),
    ...refusals,
  };

  app.post(
    '/admin/jobs/:jobId/retry',
    {
      schema: {
        tags,
        security,
        operationId: 'adminRetryJob',
        summary: 'Retry a Failed job',
        description: 'Pending again at once, with all its attempts available again; its history is kept.',
        params: AdminJobParamsSchema,
        response: actionResponses,
      },
    },
    async (request) =>
      action(request.params.jobId, 'Failed', () => adminJobRetry(pool, request.params.jobId)),
  );

  app.post(
    '/admin/jobs/:jobId/cancel',
    {
      schema: {
        tags,
        security,
        operationId: 'adminCancelJob',
        summary: 'Cancel a Pending job',
        description:
          "It becomes Failed with error 'cancelled by an operator' and cancelledAt, so the template's clients " +
          'see a status they know.',
        params: AdminJobParamsSchema,
        response: actionResponses,
      },
    },
    async (request) =>
      action(request.params.jobId, 'Pending', () => adminJobCancel(pool, request.params.jobId)),
  );

  app.post(
    '/admin/jobs/retry',
    {
      schema: {
        tags,
        security,
        operationId: 'adminRetryJobs',
        summary: 'Retry every Failed job matching a filter',
        description: `In batches of ${retryBatchSize} per transaction, at most ${retryMaxJobs} per request; answers how many.`,
        body: BulkRetryBodySchema,
        response: {
          200: jsonResponse('How many jobs were retried.', BulkRetrySchema),
          400: invalidInput,
          ...refusals,
        },
      },
    },
    async (request) => {
      refuseInReadOnly();
      const filter = filterOrThrow(request.body ?? {});
      return adminJobsRetry(pool, filter, retryBatchSize, retryMaxJobs);
    },
  );

  app.get(
    '/admin/overview',
    {
      schema: {
        tags,
        security,
        operationId: 'adminOverview',
        summary: 'Overview',
        description:
          'Jobs by status, completions and failures per minute over the last hour, the oldest pending job.',
        response: { 200: jsonResponse('The overview.', OverviewSchema), ...refusals },
      },
    },
    async () => {
      const overview = await adminOverview(pool);
      const oldest = overview.oldestPending;
      return {
        counts: overview.counts,
        estimated: overview.estimated,
        perMinute: overview.perMinute.map((m) => ({ ...m, minute: m.minute.toISOString() })),
        oldestPending: oldest
          ? {
              jobId: oldest.id,
              tenantId: oldest.tenantId,
              createdAt: oldest.createdAt.toISOString(),
              availableAt: oldest.availableAt.toISOString(),
              ageSeconds: (oldest.now.getTime() - oldest.createdAt.getTime()) / 1000,
            }
          : null,
        now: new Date().toISOString(),
        readOnly,
      };
    },
  );
};
