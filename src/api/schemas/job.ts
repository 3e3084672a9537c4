import { Type, type TUnsafe } from '@sinclair/typebox';
import { jobStatuses, type JobStatus } from '../../domain/jobStatus.js';

const dateTime = Type.String({ format: 'date-time' });

// One string enum rather than a union of literals: readers and client generators see the four values
// at once, and the serializer writes a plain string.
function jobStatusSchema(description: string): TUnsafe<JobStatus> {
  return Type.Unsafe<JobStatus>({ type: 'string', enum: [...jobStatuses], description });
}

/** The status document of GET /v1/ingestions/{jobId}. */
export const JobStatusSchema = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: jobStatusSchema('Pending, Processing, Succeeded or Failed, as the .NET template spelled them.'),
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
  status: jobStatusSchema('Results are listed once the job has Succeeded; until then the list is empty.'),
  results: Type.Array(
    Type.Object({
      eventType: Type.String({ description: 'The casing of the first event of this type in the batch.' }),
      count: Type.Integer(),
      firstTimestamp: dateTime,
      lastTimestamp: dateTime,
    }),
    {
      description:
        "The template's aggregation by type. Empty when a processor written in TypeScript completed the " +
        'job: its result is `output`.',
    },
  ),
  output: Type.Optional(
    Type.Unknown({
      description:
        'What the processor written in TypeScript (PROCESSOR_MODULE, see docs/customizing.md) returned for ' +
        'this job: any JSON value, stored with Succeeded in one statement. Absent when the job has not ' +
        "Succeeded or was completed by the template's aggregation (see `results`).",
    }),
  ),
});
