import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from './schemas/problem.js';

/** A field path mapped to what is wrong with it, as in `{ "events[3].timestamp": ["..."] }`. */
export type FieldErrors = Record<string, string[]>;

/**
 * An error that is the client's to fix, thrown by a route and turned into a problem document by the
 * central error handler.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: { errors?: FieldErrors; jobId?: string; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** Adds `message` to `errors[field]`. */
export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}

/** Sends an `application/problem+json` answer. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Omit<Problem, 'type' | 'correlationId' | 'instance'> & { type?: string },
): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: problem.type ?? 'about:blank',
      ...problem,
      instance: request.url.split('?')[0],
      correlationId: request.id,
    });
}
