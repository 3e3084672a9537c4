import type { FastifyRequest } from 'fastify';
import type { RejectionReason } from '../metrics/apiMetrics.js';

const marks = new WeakMap<FastifyRequest, RejectionReason>();

/**
 * Records why a request was refused when its status alone does not say it (a 503 for lack of room is not
 * an unreachable database), for the rejection counter the onResponse hook increments.
 */
export function markRejection(request: FastifyRequest, reason: RejectionReason): void {
  marks.set(request, reason);
}

/** The reason marked on a refused request, if any. */
export function rejectionReasonOf(request: FastifyRequest): RejectionReason | undefined {
  return marks.get(request);
}
