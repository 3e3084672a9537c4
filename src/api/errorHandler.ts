import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable, isEventPartitionMissing, isUnstorableText } from '../data/databaseErrors.js';
import { InsertOutcomeUnknownError } from '../data/insertOutcome.js';
import { TenantReadsUnprotectedError } from '../data/tenantReadProtection.js';
import { correlationIdHeader } from './correlationId.js';
import { ProblemError, sendProblem } from './problem.js';
import { fieldErrorsFromValidation } from './validationErrors.js';

/** Seconds a client is asked to wait when the database is unavailable. */
const retryAfterSeconds = 5;

/** Seconds a tenant's read is asked to wait while the database lacks its row-level security. */
const unprotectedRetryAfterSeconds = 30;

/** Limits from the configuration, quoted in 413 answers. */
export interface ErrorLimits {
  maxBodyBytes: number;
  maxEventsPerRequest: number;
}

/**
 * The one place errors become answers. Client mistakes become 4xx problem documents that say what to
 * fix; an unreachable database becomes 503 with Retry-After; anything else is logged with its stack and
 * answered with a 500 that reveals nothing of the server.
 */
export function createErrorHandler(limits: ErrorLimits) {
  return function errorHandler(
    error: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply {
    if (error instanceof ProblemError) {
      if (error.extra.retryAfterSeconds) reply.header('retry-after', String(error.extra.retryAfterSeconds));
      return sendProblem(request, reply, {
        status: error.status,
        title: error.title,
        detail: error.detail,
        ...(error.extra.errors ? { errors: error.extra.errors } : {}),
        ...(error.extra.jobId ? { jobId: error.extra.jobId } : {}),
      });
    }

    if (error.validation) {
      const context = error.validationContext ?? 'body';
      const part = context === 'params' ? 'path' : context === 'querystring' ? 'query string' : context;
      const tooMany = error.validation.some(
        (issue) => issue.keyword === 'maxItems' && issue.instancePath === '/events',
      );
      if (tooMany) {
        return sendProblem(request, reply, {
          status: 413,
          title: 'Too many events',
          detail: `A request may carry at most ${limits.maxEventsPerRequest} events; split the batch into smaller requests.`,
        });
      }
      return sendProblem(request, reply, {
        status: 400,
        title: 'Invalid request',
        detail: `The request ${part} ${part === 'headers' ? 'are' : 'is'} invalid; see errors for what to fix in each field.`,
        errors: fieldErrorsFromValidation(error.validation, context),
      });
    }

    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(request, reply, {
          status: 413,
          title: 'Request body too large',
          detail: `The body may be at most ${limits.maxBodyBytes} bytes; split the batch into smaller requests.`,
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      case 'FST_ERR_CTP_INVALID_CHARSET':
        return sendProblem(request, reply, {
          status: 415,
          title: 'Unsupported media type',
          detail: 'Send the body as JSON with the header Content-Type: application/json.',
        });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(request, reply, {
          status: 400,
          title: 'Empty body',
          detail: 'The body is empty; send a JSON object with tenantId and events.',
        });
    }

    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return sendProblem(request, reply, {
        status: 400,
        title: 'Malformed JSON',
        // Fastify's own message ("Body is not valid JSON but content-type is set to …") tells nothing more.
        detail:
          error instanceof SyntaxError
            ? `The body is not valid JSON: ${error.message}`
            : 'The body is not valid JSON: look for a trailing comma, an unquoted key or a body cut short.',
      });
    }

    if (error instanceof InsertOutcomeUnknownError) {
      // Never "nothing was stored" unless known: the job may exist under the id it was given.
      const jobId = error.jobIds.length === 1 ? error.jobIds[0]! : undefined;
      request.log.warn({ err: error, jobId }, 'insert outcome unknown');
      reply.header('retry-after', String(retryAfterSeconds));
      return sendProblem(request, reply, {
        status: 503,
        title: 'Outcome unknown',
        detail:
          'The database did not confirm in time whether the batch was stored: the outcome is unknown. ' +
          (jobId
            ? `If it was stored, its job is ${jobId}; GET /v1/ingestions/${jobId} tells (404: it was not). `
            : '') +
          'To retry safely: a request sent with an Idempotency-Key may be resent with the same key (it ' +
          'answers the stored job if there is one); one sent without a key should be resent only once that ' +
          `check answers 404. Retry in ${retryAfterSeconds} seconds.`,
        ...(jobId ? { jobId } : {}),
      });
    }

    if (error instanceof TenantReadsUnprotectedError) {
      request.log.error({ err: error }, error.message);
      reply.header('retry-after', String(unprotectedRetryAfterSeconds));
      return sendProblem(request, reply, {
        status: 503,
        title: 'Service unavailable',
        detail:
          "Reads with a tenant's key are paused until the service's database has its row-level security " +
          `back; the service's log says what to run. Retry in ${unprotectedRetryAfterSeconds} seconds.`,
      });
    }

    if (isUnstorableText(error)) {
      return sendProblem(request, reply, {
        status: 400,
        title: 'Invalid request',
        detail:
          'The request holds a value the database cannot store, such as the NUL character (\\u0000), ' +
          'an unpaired surrogate (\\ud800) or a timestamp out of range.',
      });
    }

    if (isEventPartitionMissing(error)) {
      request.log.error(
        { err: error },
        'no partition of raw_events covers today: partitions are created a week ahead by worker ' +
          'processes (MAINTENANCE_INTERVAL_SECONDS); start a worker or run `npm run maintenance`',
      );
      reply.header('retry-after', String(retryAfterSeconds));
      return sendProblem(request, reply, {
        status: 503,
        title: 'Service unavailable',
        detail: `The service cannot store events right now; nothing was stored. Retry in ${retryAfterSeconds} seconds.`,
      });
    }

    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', String(retryAfterSeconds));
      return sendProblem(request, reply, {
        status: 503,
        title: 'Service unavailable',
        detail:
          request.method === 'POST'
            ? `The database cannot be reached right now; nothing was stored. Retry in ${retryAfterSeconds} seconds.`
            : `The database cannot be reached right now. Retry in ${retryAfterSeconds} seconds.`,
      });
    }

    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendProblem(request, reply, { status, title: 'Bad request', detail: error.message });
    }

    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, {
      status: 500,
      title: 'Internal server error',
      detail:
        'The server failed to handle the request; nothing was stored. Quote the correlationId when reporting it.',
    });
  };
}

/**
 * Fastify's own early refusals, made before routing and so before the error handler and the hooks: a
 * URL with a malformed percent-escape (400) or a path parameter over its length (414). They get the same
 * problem document and correlation id as every other answer instead of Fastify's bare JSON.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  reply.header(correlationIdHeader, request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(request, reply, {
      status: 414,
      title: 'URI too long',
      detail:
        'A path segment of the URL is longer than any valid value (a job id, a tenant id); check the URL.',
    });
  }
  return sendProblem(request, reply, {
    status: 400,
    title: 'Invalid URL',
    detail: 'The URL is not valid, for example it holds a malformed percent-escape such as %zz.',
  });
}
