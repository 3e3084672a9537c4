import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError } from '../api/problem.js';
import { pageSizeForm, parsePageSize } from '../domain/jobListFilter.js';
import { jsonResponse, problemResponse } from '../api/schemas/responses.js';
import { processingPause, processingResume, tenantPause, tenantResume } from '../data/pauseStore.js';
import {
  tenantsByBacklog,
  tenantsFigures,
  tenantsPaused,
  tenantsOutsideRanking,
  type TenantBacklog,
  type TenantFigures,
} from '../data/tenantStats.js';
import {
  adminDocs,
  iso,
  pathTooLong,
  refusals,
  refuseInReadOnly,
  type AdminRouteOptions,
} from './adminShared.js';
import { sharedRead } from './sharedRead.js';
import { decodeTenantCursor, encodeTenantCursor, type TenantCursor } from './tenantCursor.js';
import {
  ProcessingPauseSchema,
  TenantListQuerySchema,
  TenantListSchema,
  TenantParamsSchema,
  TenantPauseSchema,
} from './tenantSchemas.js';

/** How long one ranking of the tenants by backlog serves every page (and every open dashboard). */
const rankingMaxAgeMs = 5_000;

/** The tenant list's order: the longest backlog first, then by tenant id. */
const byBacklog = (a: TenantBacklog, b: TenantBacklog) =>
  b.pending - a.pending || (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0);

const invalidQuery = problemResponse('The cursor, page size or tenant is invalid; errors says what to fix.');

function tenantView(t: TenantFigures) {
  return {
    tenantId: t.tenantId,
    pending: t.pending,
    processing: t.processing,
    failedLast24h: t.failedLast24h,
    finishedLastHour: t.finishedLastHour,
    oldestPendingAt: iso(t.oldestPendingAt),
    oldestPendingAgeSeconds: t.oldestPendingAt
      ? (t.now.getTime() - t.oldestPendingAt.getTime()) / 1000
      : null,
    pausedAt: iso(t.pausedAt),
  };
}

/** A tenant id sent as `field`, unless it is blank. */
function tenantIdOrThrow(raw: string, field: 'tenant' | 'tenantId'): string {
  if (raw.trim() === '') {
    throw new ProblemError(
      400,
      field === 'tenant' ? 'Invalid filter' : 'Invalid request',
      `The ${field} is blank; name a tenant.`,
      { errors: { [field]: ['must not be blank'] } },
    );
  }
  return raw;
}

/** The tenant list (by backlog), and pausing and resuming one tenant or all processing. */
export const tenantRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  const { pool, readOnly } = options;

  // The tenants with a backlog, ranked, shared by every page and dashboard for a few seconds: computing
  // it reads every such tenant (tenantsByBacklog), a page needs only its slice.
  const ranking = sharedRead(async () => (await tenantsByBacklog(pool)).sort(byBacklog), rankingMaxAgeMs);

  /** One page of tenant ids, and where the next one starts. */
  const page = async (
    cursor: TenantCursor | undefined,
    size: number,
    pausedOnly: boolean,
  ): Promise<{ ids: string[]; next: TenantCursor | undefined }> => {
    if (pausedOnly) {
      const ids = await tenantsPaused(pool, cursor?.tenantId ?? '', size + 1);
      const next = ids.length > size ? { part: 'paused' as const, tenantId: ids[size - 1]! } : undefined;
      return { ids: ids.slice(0, size), next };
    }
    // Tenants with a backlog first, largest first; then the others by id.
    const ranked = await ranking();
    let backlog: TenantBacklog[] = [];
    if (cursor?.part !== 'idle') {
      const start = cursor?.part === 'backlog' ? ranked.findIndex((t) => byBacklog(t, cursor) > 0) : 0;
      backlog = start < 0 ? [] : ranked.slice(start, start + size + 1);
      if (backlog.length > size) {
        const last = backlog[size - 1]!;
        return {
          ids: backlog.slice(0, size).map((t) => t.tenantId),
          next: { part: 'backlog', pending: last.pending, tenantId: last.tenantId },
        };
      }
    }
    const room = size - backlog.length;
    const idle = await tenantsOutsideRanking(
      pool,
      cursor?.part === 'idle' ? cursor.tenantId : '',
      room + 1,
      ranked.map((t) => t.tenantId),
    );
    return {
      ids: [...backlog.map((t) => t.tenantId), ...idle.slice(0, room)],
      next: idle.length > room ? { part: 'idle', tenantId: idle[room - 1]! } : undefined,
    };
  };

  app.get(
    '/admin/tenants',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminListTenants',
        summary: 'List tenants by backlog',
        description:
          'Every tenant with a job stored (or paused): Pending and Processing jobs, Failed jobs of the last ' +
          '24 hours, jobs finished in the last hour, the oldest Pending job, whether it is paused. Tenants ' +
          'with Pending jobs first, the longest backlog first (the ranking is refreshed every 5 s), then the ' +
          'others by tenantId (a backlog begun since the ranking was read among them); one page at a time: pass nextCursor back as cursor. With paused=true, the ' +
          'paused tenants only.',
        querystring: TenantListQuerySchema,
        response: {
          200: jsonResponse('A page of tenants.', TenantListSchema),
          400: invalidQuery,
          ...refusals,
        },
      },
    },
    async (request) => {
      const { cursor: cursorText, limit, paused, tenant } = request.query;
      const size = parsePageSize(limit);
      if (size === undefined) {
        throw new ProblemError(400, 'Invalid filter', 'The page size is out of range.', {
          errors: { limit: [pageSizeForm.message] },
        });
      }
      const cursor = cursorText ? decodeTenantCursor(cursorText) : undefined;
      if (cursorText && (!cursor || (cursor.part === 'paused') !== (paused === 'true'))) {
        throw new ProblemError(400, 'Invalid cursor', 'The cursor is not one this list gave; start again.', {
          errors: { cursor: ['pass nextCursor of a previous page of the same list unchanged'] },
        });
      }
      if (tenant !== undefined) {
        const figures = await tenantsFigures(pool, [tenantIdOrThrow(tenant, 'tenant')]);
        return { tenants: figures.map(tenantView), nextCursor: null };
      }
      const { ids, next } = await page(cursor, size, paused === 'true');
      const figures = await tenantsFigures(pool, ids);
      return { tenants: figures.map(tenantView), nextCursor: next ? encodeTenantCursor(next) : null };
    },
  );

  const pauseResponses = (description: string) => ({
    200: jsonResponse(description, TenantPauseSchema),
    400: problemResponse('The tenantId is blank.'),
    ...pathTooLong,
    ...refusals,
  });
  app.post(
    '/admin/tenants/:tenantId/pause',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminPauseTenant',
        summary: 'Pause a tenant',
        description:
          "No claim takes the tenant's jobs until it is resumed; they are still accepted and stay Pending. " +
          'Jobs already Processing run to their end. Survives restarts. Pausing a paused tenant changes nothing.',
        params: TenantParamsSchema,
        response: pauseResponses('The tenant is paused.'),
      },
    },
    async (request) => {
      refuseInReadOnly(readOnly);
      const tenantId = tenantIdOrThrow(request.params.tenantId, 'tenantId');
      const pausedAt = await tenantPause(pool, tenantId);
      request.log.info({ tenantId }, 'tenant paused by an operator');
      return { tenantId, paused: true, pausedAt: pausedAt.toISOString() };
    },
  );
  app.post(
    '/admin/tenants/:tenantId/resume',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminResumeTenant',
        summary: 'Resume a paused tenant',
        description:
          'Its due jobs are claimed again at once. Resuming a tenant that is not paused changes nothing.',
        params: TenantParamsSchema,
        response: pauseResponses('The tenant is not paused.'),
      },
    },
    async (request) => {
      refuseInReadOnly(readOnly);
      const tenantId = tenantIdOrThrow(request.params.tenantId, 'tenantId');
      if (await tenantResume(pool, tenantId)) request.log.info({ tenantId }, 'tenant resumed by an operator');
      return { tenantId, paused: false, pausedAt: null };
    },
  );

  const processingResponses = (description: string) => ({
    200: jsonResponse(description, ProcessingPauseSchema),
    ...refusals,
  });
  app.post(
    '/admin/processing/pause',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminPauseProcessing',
        summary: 'Pause processing for every tenant',
        description:
          'No claim takes any job until resumed; jobs are still accepted and stay Pending, jobs already ' +
          'Processing run to their end. Survives restarts. Tenants paused one by one stay paused after a resume.',
        response: processingResponses('Processing is paused.'),
      },
    },
    async (request) => {
      refuseInReadOnly(readOnly);
      const pausedAt = await processingPause(pool);
      request.log.info('processing paused by an operator');
      return { paused: true, pausedAt: pausedAt.toISOString() };
    },
  );
  app.post(
    '/admin/processing/resume',
    {
      schema: {
        ...adminDocs,
        operationId: 'adminResumeProcessing',
        summary: 'Resume processing',
        description: 'Due jobs are claimed again at once (except those of paused tenants).',
        response: processingResponses('Processing runs.'),
      },
    },
    async (request) => {
      refuseInReadOnly(readOnly);
      if (await processingResume(pool)) request.log.info('processing resumed by an operator');
      return { paused: false, pausedAt: null };
    },
  );
};
