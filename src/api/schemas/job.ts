import { Type } from '@sinclair/typebox';
import { jobStatuses } from '../../domain/jobStatus.js';

const dateTime = Type.String({ format: 'date-time' });

/** The status document of GET /v1/ingestions/{jobId}. */
export const JobStatusSchema = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: Type.Union(jobStatuses.map((status) => Type.Literal(status))),
  attempt: Type.Integer({ description: 'Attempts started so far.' }),
  createdAt: dateTime,
  updatedAt: dateTime,
  processedAt: Type.Union([dateTime, Type.Null()], { description: 'When the job Succeeded or Failed.' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt failed.' }),
  tenantId: Type.String(),
  eventCount: Type.Integer(),
  maxAttempts: Type.Integer(),
  availableAt: Type.String({ format: 'date-time', description: 'When the job may next be attempted.' }),
});

/** GET /v1/results/{jobId}. */
export const JobResultsSchema = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: Type.Union(
    jobStatuses.map((status) => Type.Literal(status)),
    {
      description: 'Results are listed once the job has Succeeded; until then the list is empty.',
    },
  ),
  results: Type.Array(
    Type.Object({
      eventType: Type.String({ description: 'The casing of the first event of this type in the batch.' }),
      count: Type.Integer(),
      firstTimestamp: dateTime,
      lastTimestamp: dateTime,
    }),
  ),
});
