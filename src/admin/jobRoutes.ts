import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError } from '../api/problem.js';
import { jsonResponse } from '../api/schemas/responses.js';
import { adminJobFind, adminJobsList } from '../data/adminStore.js';
import {
  adminDocs,
  filterOrThrow,
  invalidInput,
  iso,
  jobNotFound,
  pathTooLong,
  jobView,
  refusals,
  type AdminRouteOptions,
} from './adminShared.js';
import {
  AdminJobDetailSchema,
  AdminJobParamsSchema,
  JobListQuerySchema,
  JobListSchema,
} from './adminSchemas.js';
import { requestedPage } from '../api/jobListPaging.js';
import { encodeCursor } from '../domain/jobCursor.js';

/** Events shown with their payloads on a job's page. */
const eventsShown = 20;

/** Reading jobs: the filtered list, one page at a time, and one job with its history. */
export const jobRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, { pool }) => {
  app.get(
    '/admin/jobs',
    {
      schema: {
        ...adminDocs,
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
      const { after, size } = requestedPage(cursor, limit);
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
        ...adminDocs,
        operationId: 'adminGetJob',
        summary: 'One job',
        description:
          'Its fields, every attempt with its worker, outcome and error, its events summarised, its results, ' +
          'and whether a pause holds it back.',
        params: AdminJobParamsSchema,
        response: {
          200: jsonResponse('The job.', AdminJobDetailSchema),
          400: invalidInput,
          404: jobNotFound,
          ...pathTooLong,
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
        tenantPausedAt: iso(job.tenantPausedAt),
        processingPausedAt: iso(job.processingPausedAt),
      };
    },
  );
};
