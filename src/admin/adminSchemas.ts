import { Type } from '@sinclair/typebox';
import { pageSizeForm } from '../domain/jobListFilter.js';
import { jobStatuses } from '../domain/jobStatus.js';

const dateTime = Type.String({ format: 'date-time' });
const nullableDateTime = Type.Union([dateTime, Type.Null()]);
const status = Type.Union(
  jobStatuses.map((s) => Type.Literal(s)),
  { description: 'A cancelled job is Failed with cancelledAt set.' },
);

/** The filter fields shared by the list (query) and the bulk retry (body). */
const filterFields = {
  tenant: Type.Optional(Type.String({ maxLength: 128, description: 'Exactly this tenantId.' })),
  from: Type.Optional(Type.String({ description: 'Created at or after (RFC 3339 date-time).' })),
  to: Type.Optional(Type.String({ description: 'Created before (RFC 3339 date-time).' })),
  error: Type.Optional(
    Type.String({
      maxLength: 500,
      description:
        'Text the error contains, any case. Searches at most 24 hours of jobs: without from, the 24 hours before to.',
    }),
  ),
  payload: Type.Optional(
    Type.String({
      maxLength: 1000,
      description:
        "path=value: one of the job events' payload has this value at this path (customer.id=42, page=/home; " +
        'the value is read as JSON when it is JSON). Searches at most 24 hours of jobs: without from, the 24 hours before to.',
      examples: ['customer.id=42'],
    }),
  ),
};

/** Query of GET /admin/jobs. */
export const JobListQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        description: 'Comma-separated statuses in any case, e.g. Failed, failed or Pending,Processing.',
      }),
    ),
    ...filterFields,
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page.' })),
    limit: Type.Optional(
      Type.String({ pattern: pageSizeForm.pattern, description: 'Page size, 1 to 200; 50 by default.' }),
    ),
  },
  { additionalProperties: false },
);

/** Body of POST /admin/jobs/retry: which Failed jobs to retry. */
export const BulkRetryBodySchema = Type.Object(filterFields, { additionalProperties: false });

/** Body of POST /admin/jobs/cancel: which Pending and Processing jobs to cancel. */
export const BulkCancelBodySchema = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        description: 'Pending, Processing or Pending,Processing (the default): which of them to cancel.',
      }),
    ),
    ...filterFields,
  },
  { additionalProperties: false },
);

/** A job in the admin list. */
export const AdminJobSchema = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  tenantId: Type.String(),
  status,
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
  eventCount: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: dateTime,
  updatedAt: dateTime,
  processedAt: nullableDateTime,
  availableAt: dateTime,
  cancelledAt: Type.Union([dateTime, Type.Null()], {
    description: 'Set when an operator cancelled the job.',
  }),
});

/** GET /admin/jobs. */
export const JobListSchema = Type.Object({
  jobs: Type.Array(AdminJobSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page.' }),
  from: Type.Union([dateTime, Type.Null()], {
    description: 'The window start applied (a payload condition sets one).',
  }),
});

/** One entry of a job's history. */
export const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.String(),
  worker: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union(
    ['succeeded', 'failed', 'abandoned', 'released', 'retried', 'cancelled'].map((o) => Type.Literal(o)),
    {
      description:
        'abandoned: the worker stopped renewing its lease; released: handed back by a stopping worker (not counted); retried/cancelled: an operator action.',
    },
  ),
  error: Type.Union([Type.String(), Type.Null()]),
  stack: Type.Optional(
    Type.String({
      description:
        "For a failed attempt: the stack of the processor's error, at most 4,000 characters (the worker logs it too).",
    }),
  ),
});

/** GET /admin/jobs/{jobId}. */
export const AdminJobDetailSchema = Type.Object({
  ...AdminJobSchema.properties,
  lockedBy: Type.Union([Type.String(), Type.Null()]),
  lockedUntil: nullableDateTime,
  attemptedAt: nullableDateTime,
  idempotencyKey: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Array(AttemptSchema),
  eventTypes: Type.Array(Type.Object({ type: Type.String(), count: Type.Integer() })),
  firstEvents: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      type: Type.String(),
      timestamp: Type.String(),
      payload: Type.Unknown(),
    }),
  ),
  results: Type.Array(
    Type.Object({
      eventType: Type.String(),
      count: Type.Integer(),
      firstTimestamp: Type.String(),
      lastTimestamp: Type.String(),
    }),
  ),
  tenantPausedAt: Type.Union([dateTime, Type.Null()], {
    description: "Since when the job's tenant is paused: no claim takes its jobs. Null when it is not.",
  }),
  processingPausedAt: Type.Union([dateTime, Type.Null()], {
    description: 'Since when processing is paused for every tenant. Null while it runs.',
  }),
});

/** The answer to a retry or cancel of one job. */
export const JobActionSchema = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: status,
});

/** The answer to a bulk cancel. */
export const BulkCancelSchema = Type.Object({
  cancelled: Type.Integer({ description: 'Jobs now Failed, cancelled by an operator.' }),
  batches: Type.Integer(),
  complete: Type.Boolean({ description: 'false when the cap was reached; send the request again for more.' }),
});

/** The answer to a bulk retry. */
export const BulkRetrySchema = Type.Object({
  retried: Type.Integer({ description: 'Failed jobs now Pending again.' }),
  batches: Type.Integer(),
  complete: Type.Boolean({ description: 'false when the cap was reached; send the request again for more.' }),
});

/** Jobs finished in one bucket of the overview's history. */
const finishedFields = {
  succeeded: Type.Integer(),
  failed: Type.Integer({ description: 'Failed, not counting cancelled jobs.' }),
  cancelled: Type.Integer(),
  p50Seconds: Type.Union([Type.Number(), Type.Null()], {
    description:
      'Median time from acceptance to finish of the jobs that finished in the bucket (cancelled ones left out); null when none did.',
  }),
  p95Seconds: Type.Union([Type.Number(), Type.Null()], { description: 'The 95th percentile of the same.' }),
};

/** GET /admin/overview. */
export const OverviewSchema = Type.Object({
  counts: Type.Object(Object.fromEntries(jobStatuses.map((s) => [s, Type.Integer()]))),
  estimated: Type.Array(status, {
    description:
      'Statuses with more than 10,000 jobs: their count is estimated from the planner statistics (ANALYZE), not counted.',
  }),
  perMinute: Type.Array(Type.Object({ minute: dateTime, ...finishedFields }), {
    description: 'The last 60 minutes, oldest first, by the minute jobs finished in.',
  }),
  perHour: Type.Array(Type.Object({ hour: dateTime, ...finishedFields }), {
    description:
      'The last 168 hours (7 days; the last 24 are the last day), oldest first, the current hour last, by the ' +
      'UTC hour jobs finished in.',
  }),
  paused: Type.Object({
    processingPausedAt: Type.Union([dateTime, Type.Null()], {
      description: 'Since when processing is paused for every tenant; null while it runs.',
    }),
    tenants: Type.Integer({ description: 'Tenants paused one by one.' }),
  }),
  oldestPending: Type.Union([
    Type.Object({
      jobId: Type.String({ format: 'uuid' }),
      tenantId: Type.String(),
      createdAt: dateTime,
      availableAt: dateTime,
      ageSeconds: Type.Number(),
    }),
    Type.Null(),
  ]),
  now: dateTime,
  readOnly: Type.Boolean({ description: 'DASHBOARD_READ_ONLY: every action is refused.' }),
});

/** Path parameter of the job routes. */
export const AdminJobParamsSchema = Type.Object({ jobId: Type.String({ format: 'uuid' }) });
