import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How much of an unread request body is read and discarded after an early answer, and for how long. */
export interface LingerLimits {
  maxBytes: number;
  maxMs: number;
}

/**
 * Keeps reading (and discarding) the rest of a request body after the answer was sent before it had
 * arrived, as nginx's "lingering close" does, and then keeps the connection for the next request. Fastify answers a body over its limit,
 * or one it cannot parse, at once with `Connection: close`; closing while the client still uploads
 * resets the connection, and a client that writes before it reads (Node's fetch, many SDKs) then reports
 * a network error instead of the 413, and retries the same batch for ever instead of splitting it.
 * Bounded in bytes and time, so a client cannot hold the connection open by uploading without end.
 */
export function lingerIfBodyUnread(request: FastifyRequest, reply: FastifyReply, limits: LingerLimits): void {
  const raw: IncomingMessage = request.raw;
  const socket = raw.socket;
  if (raw.complete || reply.getHeader('connection') !== 'close') return;
  // Only a real connection can linger (app.inject's stand-in socket cannot be ended or destroyed).
  if (typeof socket?.end !== 'function' || typeof socket.destroy !== 'function') return;
  // Without the header Node keeps the socket after the answer instead of closing it under the upload.
  reply.removeHeader('connection');
  // Read the rest ourselves (Node's own draining would drop our listener): counted, then discarded.
  let received = 0;
  const timer = setTimeout(() => socket.destroy(), limits.maxMs);
  timer.unref();
  raw.removeAllListeners('data');
  raw.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > limits.maxBytes) socket.destroy();
  });
  // Once the whole body is in, the connection is clean again: it stays open for the client's next request,
  // as the answer (without Connection: close) told the client it would.
  raw.once('end', () => clearTimeout(timer));
  raw.once('close', () => clearTimeout(timer));
  raw.resume();
}
