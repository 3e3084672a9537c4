import { Transform } from 'node:stream';

/** How slowly a body may arrive: `graceMs` for any body, then at least `minBytesPerSecond` on average. */
export interface BodyPace {
  graceMs: number;
  minBytesPerSecond: number;
}

/**
 * Passes a request body through, ending it with `tooSlow()`'s error once it falls behind its pace: a
 * body must be complete by `graceMs` plus one second per `minBytesPerSecond` bytes received so far (as
 * Apache's mod_reqtimeout counts), so a client that sends a byte now and then cannot hold its share of
 * the in-flight budget for ever, while one on a slow link that keeps sending is never cut. `onChunk` may
 * refuse a chunk with an error (it counts a body of unknown length against the budget). One timer per
 * body, re-armed only when it fires: nothing is done per chunk but counting.
 */
export function pacedBody(
  payload: NodeJS.ReadableStream,
  pace: BodyPace,
  handlers: { tooSlow: () => Error; onChunk?: (chunk: Buffer) => Error | undefined },
): { body: Transform; answered: () => void } {
  const started = Date.now();
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const refusal = handlers.onChunk?.(chunk);
      if (refusal) {
        stop();
        callback(refusal);
        return;
      }
      received += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      stop();
      callback();
    },
  });
  const check = () => {
    const left = started + pace.graceMs + (received / pace.minBytesPerSecond) * 1000 - Date.now();
    if (left > 0) {
      timer = setTimeout(check, left);
      timer.unref();
    } else {
      body.destroy(handlers.tooSlow());
    }
  };
  timer = setTimeout(check, pace.graceMs);
  timer.unref();
  body.once('close', stop);
  payload.on('error', (error) => body.destroy(error));
  payload.pipe(body);
  // Once the answer is out, what is left of a body nobody read (an answer given before it, such as a 415)
  // is read and discarded, so that the connection serves its next request: Node drains an unread body
  // itself, but not one piped somewhere, and this pipe would stall once its buffers are full.
  const answered = () => {
    stop();
    const raw = payload as NodeJS.ReadableStream & { complete?: boolean };
    if (raw.complete === true) return;
    payload.unpipe(body);
    payload.resume();
  };
  return { body, answered };
}
