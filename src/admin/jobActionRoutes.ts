import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError } from '../api/problem.js';
import { bodyTooSlowResponse, jsonResponse, problemResponse } from '../api/schemas/responses.js';
import {
  adminJobCancel,
  adminJobRetry,
  adminJobRunNow,
  adminJobsCancel,
  adminJobsRetry,
} from '../data/adminJobActions.js';
import { adminJobFind } from '../data/adminStore.js';
import type { JobStatus } from '../domain/jobStatus.js';
import {
  adminDocs,
  filterOrThrow,
  invalidInput,
  jobNotFound,
  pathTooLong,
  refusals,
  refuseInReadOnly,
  type AdminRouteOptions,
} from './adminShared.js';
import { retryAfterRetention } from './retryAfterRetention.js';
import {
  AdminJobParamsSchema,
  BulkCancelBodySchema,
  BulkCancelSchema,
  BulkRetryBodySchema,
  BulkRetrySchema,
  JobActionSchema,
} from './adminSchemas.js';

/** Jobs one bulk statement changes: each batch is a short transaction. */
const batchSize = 500;
/** Jobs one bulk request changes at most; the answer says when more remain. */
const maxJobs = 100_000;

/** What one action on one job needs, does and answers. */
interface JobAction {
  /** Its status once done. */
  to: JobStatus;
  act: (jobId: string) => Promise<boolean>;
  /** Why not, for a job in another status. */
  refusal: (status: JobStatus) => string;
}

/** The operator's actions on jobs: retry, cancel and run now, one job or every job a filter matches. */
export const jobActionRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  const { pool, readOnly } = options;

  /** Runs an action; when it changed nothing, tells an unknown job from one in another state. */
  const answer = async (jobId: string, action: JobAction) => {
    refuseInReadOnly(readOnly);
    if (await action.act(jobId)) return { jobId, status: action.to };
    const job = await adminJobFind(pool, jobId, 0);
    if (!job) throw new ProblemError(404, 'Job not found', `No job has the id ${jobId}.`);
    if (action.to === 'Pending' && job.status === 'Failed') {
      throw new ProblemError(
        409,
        'Job events deleted',
        'The events of this job were deleted by retention (RAW_EVENT_RETENTION_DAYS), so it cannot run again. ' +
          'Submit its events again as a new job.',
        { jobId },
      );
    }
    throw new ProblemError(409, 'Job not in the right state', action.refusal(job.status), { jobId });
  };
  const actionResponses = {
    200: jsonResponse('Done: the job and its new status.', JobActionSchema),
    400: invalidInput,
    404: jobNotFound,
    ...pathTooLong,
    409: problemResponse(
      'The job is not in the state the action needs (Failed to retry, Pending or Processing to cancel, ' +
        'Pending to run now).',
    ),
    ...refusals,
  };
  const oneJob = (
    verb: string,
    operationId: string,
    summary: string,
    description: string,
    action: JobAction,
  ) =>
    app.post(
      `/admin/jobs/:jobId/${verb}`,
      {
        schema: {
          ...adminDocs,
          operationId,
          summary,
          description,
          params: AdminJobParamsSchema,
          response: actionResponses,
        },
      },
      async (request) => answer(request.params.jobId, action),
    );

  oneJob(
    'retry',
    'adminRetryJob',
    'Retry a Failed job',
    'Pending again at once, with all its attempts available again; its history is kept.',
    {
      to: 'Pending',
      act: (id) => adminJobRetry(pool, id).catch(retryAfterRetention(id)),
      refusal: (status) => `Only a Failed job can be retried; this one is ${status}.`,
    },
  );
  oneJob(
    'cancel',
    'adminCancelJob',
    'Cancel a Pending or Processing job',
    "It becomes Failed with error 'cancelled by an operator' and cancelledAt, so the template's clients " +
      'see a status they know. A Processing job is taken from its worker at once: the worker stops it at ' +
      "its next lease renewal (a processor's signal aborts) and can record no outcome; no results are written.",
    {
      to: 'Failed',
      act: (id) => adminJobCancel(pool, id),
      refusal: (status) => `Only a Pending or Processing job can be cancelled; this one is ${status}.`,
    },
  );
  oneJob(
    'run-now',
    'adminRunJobNow',
    'Run a Pending job now',
    'A job waiting out its retry backoff becomes due at once and idle workers are woken. A paused tenant ' +
      'or paused processing still holds it back until resumed.',
    {
      to: 'Pending',
      act: (id) => adminJobRunNow(pool, id),
      refusal: (status) => `Only a Pending job can be run now; this one is ${status}.`,
    },
  );

  app.post(
    '/admin/jobs/retry',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminRetryJobs',
        summary: 'Retry every Failed job matching a filter',
        description: `In batches of ${batchSize} per transaction, at most ${maxJobs} per request; answers how many.`,
        body: BulkRetryBodySchema,
        response: {
          200: jsonResponse('How many jobs were retried.', BulkRetrySchema),
          400: invalidInput,
          408: bodyTooSlowResponse,
          ...refusals,
        },
      },
    },
    async (request) => {
      refuseInReadOnly(readOnly);
      const filter = filterOrThrow(request.body ?? {});
      const { changed, batches, complete } = await adminJobsRetry(pool, filter, batchSize, maxJobs).catch(
        retryAfterRetention(),
      );
      return { retried: changed, batches, complete };
    },
  );

  app.post(
    '/admin/jobs/cancel',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminCancelJobs',
        summary: 'Cancel every Pending and Processing job matching a filter',
        description:
          `The list's filter (status: Pending, Processing or both, the default). In batches of ${batchSize} ` +
          `per transaction, oldest first, at most ${maxJobs} per request, then the filter again for rows held ` +
          'at that moment (up to 3 passes); answers how many. Each cancelled Processing job is stopped by its ' +
          'worker at its next lease renewal.',
        body: BulkCancelBodySchema,
        response: {
          200: jsonResponse('How many jobs were cancelled.', BulkCancelSchema),
          400: invalidInput,
          ...refusals,
        },
      },
    },
    async (request) => {
      refuseInReadOnly(readOnly);
      const { status, ...rest } = request.body ?? {};
      const filter = filterOrThrow({ ...rest, status: status?.trim() ? status : 'Pending,Processing' });
      if (filter.statuses.some((s) => s !== 'Pending' && s !== 'Processing')) {
        throw new ProblemError(400, 'Invalid filter', 'Only Pending and Processing jobs can be cancelled.', {
          errors: { status: ['expected Pending, Processing or Pending,Processing'] },
        });
      }
      const { changed, batches, complete } = await adminJobsCancel(pool, filter, batchSize, maxJobs);
      return { cancelled: changed, batches, complete };
    },
  );
};
