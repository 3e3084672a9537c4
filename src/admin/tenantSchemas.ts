import { Type } from '@sinclair/typebox';
import { pageSizeForm } from '../domain/jobListFilter.js';

const dateTime = Type.String({ format: 'date-time' });

/** Query of GET /admin/tenants. */
export const TenantListQuerySchema = Type.Object(
  {
    tenant: Type.Optional(
      Type.String({ maxLength: 128, description: 'This tenant only (listed even with no job stored).' }),
    ),
    paused: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false')], {
        description: 'true: the paused tenants only, in tenantId order.',
      }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 800, description: 'nextCursor of the previous page.' })),
    limit: Type.Optional(
      Type.String({ pattern: pageSizeForm.pattern, description: 'Page size, 1 to 200; 50 by default.' }),
    ),
  },
  { additionalProperties: false },
);

const capped = (what: string) =>
  Type.Integer({ description: `${what}; counted up to 10,000 (a count of 10,000 means at least that).` });

/** One tenant in the tenant list. */
export const TenantSchema = Type.Object({
  tenantId: Type.String(),
  pending: capped('Pending jobs (the backlog the list is sorted by)'),
  processing: capped('Processing jobs'),
  failedLast24h: capped('Failed jobs among those created in the last 24 hours (cancelled ones included)'),
  finishedLastHour: Type.Integer({
    description: 'Jobs that finished (Succeeded or Failed) in the last hour.',
  }),
  oldestPendingAt: Type.Union([dateTime, Type.Null()], {
    description: 'When the oldest Pending job was accepted.',
  }),
  oldestPendingAgeSeconds: Type.Union([Type.Number(), Type.Null()], {
    description: 'Its age by the database clock; null when nothing is pending.',
  }),
  pausedAt: Type.Union([dateTime, Type.Null()], { description: 'Since when it is paused; null when not.' }),
});

/** GET /admin/tenants. */
export const TenantListSchema = Type.Object({
  tenants: Type.Array(TenantSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page.' }),
});

/** Path parameter of the tenant routes. */
export const TenantParamsSchema = Type.Object({
  tenantId: Type.String({ minLength: 1, maxLength: 128, description: 'The tenantId, URL-encoded.' }),
});

/** The answer to a pause or resume of a tenant. */
export const TenantPauseSchema = Type.Object({
  tenantId: Type.String(),
  paused: Type.Boolean(),
  pausedAt: Type.Union([dateTime, Type.Null()]),
});

/** The answer to a pause or resume of processing. */
export const ProcessingPauseSchema = Type.Object({
  paused: Type.Boolean(),
  pausedAt: Type.Union([dateTime, Type.Null()]),
});
