import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, sendProblem } from './problem.js';
import { markRejection } from './rejectionMarks.js';

/** Seconds a client turned away for lack of room is asked to wait. */
export const admissionRetryAfterSeconds = 1;

/**
 * The request-body bytes the API holds at once. Every byte of a body stands for several in memory while
 * its request runs (the received chunks, their decoded string, the parsed objects, the events' JSON text
 * and the insert statement's parameter), so bounding the bytes bounds the process's memory; see
 * docs/performance.md for the measured factor.
 */
export class InflightBytes {
  #held = 0;

  constructor(readonly limit: number) {}

  /** Bytes reserved now. */
  get held(): number {
    return this.#held;
  }

  /** Reserves `bytes` if they fit under the limit; a request alone larger than the limit never fits. */
  tryReserve(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  /** Gives back bytes reserved earlier. */
  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}

/** A request's share of the budget, released once the request no longer holds its body. */
class Reservation {
  bytes = 0;
  #handlerRunning = false;
  #closed = false;
  #released = false;

  constructor(private readonly budget: InflightBytes) {}

  /** Counts `more` bytes too, if they fit in the budget. */
  grow(more: number): boolean {
    if (!this.budget.tryReserve(more)) return false;
    this.bytes += more;
    return true;
  }

  /** The budget's limit, for the answer that refuses a request. */
  get limit(): number {
    return this.budget.limit;
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
    this.budget.release(this.bytes);
  }
}

const reservations = new WeakMap<FastifyRequest, Reservation>();

function overloaded(limit: number): ProblemError {
  return new ProblemError(
    503,
    'Overloaded',
    `This instance holds as many request bodies as it may (API_MAX_INFLIGHT_BYTES=${limit}); nothing was ` +
      `stored. Retry in ${admissionRetryAfterSeconds} second${admissionRetryAfterSeconds === 1 ? '' : 's'}.`,
    { retryAfterSeconds: admissionRetryAfterSeconds },
  );
}

/** Whether a request carries a body at all (Node's own test: a length, or a transfer coding). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * Admission control: a request whose body does not fit in the budget is answered 503 with Retry-After
 * before its body is read. A declared Content-Length is reserved whole when the headers arrive; a chunked
 * body reserves its bytes as they arrive and is refused at the first chunk that does not fit. A body over
 * `maxBodyBytes` reserves nothing: Fastify refuses it with 413 without keeping it. The share is given back
 * when the response is finished and the handler done (a client that gives up does not free the memory
 * its request still holds in the insert queue).
 */
export function registerAdmission(
  app: FastifyInstance,
  options: { budget: InflightBytes; maxBodyBytes: number },
): void {
  const { budget, maxBodyBytes } = options;
  app.addHook('onRequest', async (request, reply) => {
    if (!hasBody(request)) return;
    const reservation = new Reservation(budget);
    reply.raw.once('close', () => reservation.closed());
    const declared = Number(request.headers['content-length']);
    if (Number.isInteger(declared) && declared > 0) {
      if (declared > maxBodyBytes) return;
      if (!budget.tryReserve(declared)) {
        // Connection: close lets the lingering close read the unread body, so the client sees the answer.
        reply.header('retry-after', String(admissionRetryAfterSeconds)).header('connection', 'close');
        markRejection(request, 'overloaded');
        const problem = overloaded(budget.limit);
        return sendProblem(request, reply, {
          status: problem.status,
          title: problem.title,
          detail: problem.detail,
        });
      }
      reservation.bytes = declared;
    }
    reservations.set(request, reservation);
  });
  app.addHook('preParsing', async (request, reply, payload) => {
    const reservation = reservations.get(request);
    // A declared length was reserved whole; only a body of unknown length is counted as it arrives.
    if (!reservation || request.headers['content-length'] !== undefined) return payload;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (!budget.tryReserve(chunk.length)) {
          reply.header('connection', 'close');
          markRejection(request, 'overloaded');
          callback(overloaded(budget.limit));
          return;
        }
        reservation.bytes += chunk.length;
        callback(null, chunk);
      },
    });
    payload.on('error', (error) => counted.destroy(error));
    return payload.pipe(counted);
  });
  app.addHook('preHandler', async (request) => {
    reservations.get(request)?.handlerStarted();
  });
  app.addHook('onSend', async (request) => {
    reservations.get(request)?.handlerDone();
  });
}

/**
 * Counts `bytes` more of an admitted request's body against the budget: what a compressed body
 * decompresses to, which is what the request then holds. Returns the 503 to refuse the request with
 * when they do not fit (the connection closes after it, as for a chunked body that does not fit). A
 * request with no reservation (no body, or one over the body limit, refused anyway) counts nothing.
 */
export function reserveMore(
  request: FastifyRequest,
  reply: FastifyReply,
  bytes: number,
): ProblemError | undefined {
  const reservation = reservations.get(request);
  if (!reservation || reservation.grow(bytes)) return undefined;
  reply.header('connection', 'close');
  markRejection(request, 'overloaded');
  return overloaded(reservation.limit);
}
