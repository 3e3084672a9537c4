import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { correlationIdHeader } from './correlationId.js';

/** What the handler logs with: Fastify's logger, or any with the same shape. */
interface ClientErrorLog {
  info(object: object, message: string): void;
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it (a control character in a header,
 * Transfer-Encoding together with Content-Length, headers too large, a request too slow), which would
 * otherwise get Fastify's bare JSON with no correlation id. The answer is a problem document like every
 * other, with a new correlation id (the request's own could not be read) that is also logged, and the
 * connection is closed: after a framing error nothing more on it can be trusted.
 */
export function createClientErrorHandler(log: ClientErrorLog) {
  return function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const correlationId = randomUUID();
    const detail =
      status === 431
        ? 'The request headers are too large; send fewer or shorter headers.'
        : status === 408
          ? 'The request was not received in time; send it again, faster.'
          : 'The request is not valid HTTP/1.1 (for example a control character in a header, or both ' +
            'Transfer-Encoding and Content-Length); fix the client or proxy that sent it.';
    const body = JSON.stringify({
      type: 'about:blank',
      title: reasons[status],
      status,
      detail,
      correlationId,
    });
    log.info({ correlationId, code: error.code, statusCode: status }, 'request refused by the HTTP parser');
    socket.end(
      `HTTP/1.1 ${status} ${reasons[status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `${correlationIdHeader}: ${correlationId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}
