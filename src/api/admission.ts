import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pacedBody, type BodyPace } from './bodyPace.js';
import type { InflightBytes, ReserveOutcome } from './inflightBytes.js';
import { ProblemError } from './problem.js';
import { markRejection } from './rejectionMarks.js';

export { InflightBytes } from './inflightBytes.js';

/** Seconds a client turned away for lack of room is asked to wait. */
export const admissionRetryAfterSeconds = 1;

/** A request's share of the budget, released once the request no longer holds its body. */
class Reservation {
  bytes = 0;
  #handlerRunning = false;
  #closed = false;
  #released = false;

  constructor(
    readonly budget: InflightBytes,
    readonly holder: string | undefined,
  ) {}

  /** Counts `more` bytes too, if they fit in the budget and the holder's share. */
  grow(more: number): ReserveOutcome {
    const outcome = this.budget.tryReserve(more, this.holder);
    if (outcome === 'reserved') this.bytes += more;
    return outcome;
  }

  /** The route handler has the parsed body: it is held until the answer is ready. */
  handlerStarted(): void {
    this.#handlerRunning = true;
  }

  /** The answer is ready: the handler let go of the body. */
  handlerDone(): void {
    this.#handlerRunning = false;
    if (this.#closed) this.#release();
  }

  /** The response is finished or the connection gone; a handler still running keeps its share. */
  closed(): void {
    this.#closed = true;
    if (!this.#handlerRunning) this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.budget.release(this.bytes, this.holder);
  }
}

const reservations = new WeakMap<FastifyRequest, Reservation>();
const seconds = `${admissionRetryAfterSeconds} second${admissionRetryAfterSeconds === 1 ? '' : 's'}`;

/** Whether a request carries a body Fastify reads (Node's own test: a length, or a transfer coding). */
function hasBody(request: FastifyRequest): boolean {
  // GET and HEAD bodies are never read, so they hold nothing: a body there must not reserve a share that
  // a `Prefer: wait` would then keep for a minute.
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** The refusal of a body that does not fit, marked for the metrics; `Connection: close` lets the lingering close read the unread body. */
function refusal(
  request: FastifyRequest,
  budget: InflightBytes,
  outcome: 'full' | 'holder-full',
  holder: string | undefined,
): ProblemError {
  if (outcome === 'full') {
    markRejection(request, 'overloaded');
    return new ProblemError(
      503,
      'Overloaded',
      `This instance holds as many request bodies as it may (API_MAX_INFLIGHT_BYTES=${budget.limit}); nothing ` +
        `was stored. Retry in ${seconds}.`,
      { retryAfterSeconds: admissionRetryAfterSeconds },
    );
  }
  markRejection(request, 'tenant_inflight');
  return new ProblemError(
    429,
    'Too many bodies in flight',
    `This tenant's requests already hold ${holder === undefined ? 0 : budget.heldBy(holder)} bytes of request ` +
      `bodies on this instance, and this one would pass its share (API_TENANT_MAX_INFLIGHT_BYTES=` +
      `${budget.holderLimit}); nothing was stored. Retry in ${seconds}, or send fewer requests at once.`,
    { retryAfterSeconds: admissionRetryAfterSeconds },
  );
}

/**
 * Admission control, once the caller is known (a preParsing hook: a key's onRequest check has run) and
 * before the body is read: a request whose body does not fit in the budget is answered 503 with
 * Retry-After; one that would pass its tenant's share (with keys) 429. A declared Content-Length is
 * reserved whole; a chunked body reserves its bytes as they arrive and is refused at the first chunk that
 * does not fit. A body over `maxBodyBytes` reserves nothing: Fastify refuses it with 413 without keeping
 * it. Every body must keep to `pace` or it is ended with 408. The share is given back when the response
 * is finished and the handler done (a client that gives up does not free the memory its request still
 * holds in the insert queue).
 */
export function registerAdmission(
  app: FastifyInstance,
  options: {
    budget: InflightBytes;
    maxBodyBytes: number;
    pace: BodyPace;
    /** Whom a request's bytes count against (its key's tenant), if anyone. */
    holderOf: (request: FastifyRequest) => string | undefined;
  },
): void {
  const { budget, maxBodyBytes, pace } = options;
  const tooSlow = (request: FastifyRequest) => () => {
    markRejection(request, 'too_slow');
    return new ProblemError(
      408,
      'Request body too slow',
      `The request body arrived slower than API_BODY_MIN_BYTES_PER_SECOND=${pace.minBytesPerSecond} bytes ` +
        `a second after its first ${pace.graceMs / 1000} seconds (API_BODY_GRACE_SECONDS); nothing was ` +
        'stored. Send the body right after the headers, or smaller batches.',
    );
  };
  app.addHook('preParsing', async (request, reply, payload) => {
    if (!hasBody(request)) return payload;
    const holder = options.holderOf(request);
    const reservation = new Reservation(budget, holder);
    reply.raw.once('close', () => reservation.closed());
    const declared = Number(request.headers['content-length']);
    const known = request.headers['content-length'] !== undefined;
    if (known && declared > maxBodyBytes) return payload;
    if (known && Number.isInteger(declared) && declared > 0) {
      const outcome = budget.tryReserve(declared, holder);
      if (outcome !== 'reserved') {
        reply.header('connection', 'close');
        throw refusal(request, budget, outcome, holder);
      }
      reservation.bytes = declared;
    }
    reservations.set(request, reservation);
    const paced = pacedBody(payload, pace, {
      tooSlow: () => {
        reply.header('connection', 'close');
        return tooSlow(request)();
      },
      // A declared length was reserved whole; only a body of unknown length is counted as it arrives.
      onChunk: known
        ? undefined
        : (chunk) => {
            const outcome = budget.tryReserve(chunk.length, holder);
            if (outcome === 'reserved') {
              reservation.bytes += chunk.length;
              return undefined;
            }
            reply.header('connection', 'close');
            return refusal(request, budget, outcome, holder);
          },
    });
    // An answer sent before the body was read (415 …) ends the body's clock, and lets the rest drain.
    reply.raw.once('close', paced.answered);
    return paced.body;
  });
  app.addHook('preHandler', async (request) => {
    reservations.get(request)?.handlerStarted();
  });
  app.addHook('onSend', async (request) => {
    reservations.get(request)?.handlerDone();
  });
}

/**
 * Counts `bytes` more of a request's body against its reservation (a decompressed body is larger than what
 * arrived), or answers why they do not fit: the same 503 or 429 as a body refused at its headers. A
 * request that reserved nothing (no body, or one over the size limit) has nothing to grow.
 */
export function reserveMore(
  request: FastifyRequest,
  reply: FastifyReply,
  bytes: number,
): ProblemError | undefined {
  const reservation = reservations.get(request);
  if (!reservation) return undefined;
  const outcome = reservation.grow(bytes);
  if (outcome === 'reserved') return undefined;
  reply.header('connection', 'close');
  return refusal(request, reservation.budget, outcome, reservation.holder);
}
