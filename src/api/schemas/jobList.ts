import { Type } from '@sinclair/typebox';
import { jobPageSize, pageSizeForm } from '../../domain/jobListFilter.js';
import { JobStatusSchema } from './job.js';

const tenantIdParameter = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, description, examples: ['acme'] });

/**
 * Query of GET /v1/ingestions. With API keys a read key names its tenant, so `tenantId` is optional
 * (an admin key, which belongs to no tenant, names one); without keys nothing else does and it is
 * required, as in the body of a submission.
 */
export function tenantJobListQuerySchema(keysRequired: boolean) {
  const fields = {
    status: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Comma-separated statuses, e.g. Failed or Pending,Processing; every status when absent.',
        examples: ['Pending,Processing'],
      }),
    ),
    from: Type.Optional(
      Type.String({
        description: 'Created at or after (RFC 3339 date-time).',
        examples: ['2024-05-01T00:00:00Z'],
      }),
    ),
    to: Type.Optional(Type.String({ description: 'Created before (RFC 3339 date-time).' })),
    cursor: Type.Optional(
      Type.String({ maxLength: 500, description: 'nextCursor of the previous page, unchanged.' }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: pageSizeForm.pattern,
        description: `Page size, 1 to ${jobPageSize.max}; ${jobPageSize.default} by default.`,
      }),
    ),
  };
  return Type.Object(
    keysRequired
      ? {
          tenantId: Type.Optional(
            tenantIdParameter(
              'Optional with a read key, whose tenant it must be; required with an admin key, which belongs to no tenant.',
            ),
          ),
          ...fields,
        }
      : { tenantId: tenantIdParameter('The tenant whose jobs to list.'), ...fields },
    { additionalProperties: false },
  );
}

/** A page of a tenant's jobs. */
export const TenantJobListSchema = Type.Object({
  jobs: Type.Array(JobStatusSchema, { description: 'Newest first.' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass it as cursor for the next page; null on the last page.',
  }),
});
