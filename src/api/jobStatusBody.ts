import type { JobView } from '../data/ingestionStore.js';

/** A job as GET /v1/ingestions/{jobId} and the tenant's job list show it (JobStatusSchema). */
export function jobStatusBody(job: JobView) {
  return {
    jobId: job.id,
    status: job.status,
    attempt: job.attempt,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    processedAt: job.processedAt?.toISOString() ?? null,
    error: job.error,
    tenantId: job.tenantId,
    eventCount: job.eventCount,
    maxAttempts: job.maxAttempts,
    availableAt: job.availableAt.toISOString(),
  };
}
