import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header that carries a request's correlation id in and out. */
export const correlationIdHeader = 'x-correlation-id';

// A caller's id is echoed into headers and logs, so only printable ASCII of a sane length is taken.
const acceptable = /^[\x21-\x7e]{1,128}$/;

/** The request's own correlation id when it sent a usable one, else a new one. */
export function correlationIdFor(request: IncomingMessage): string {
  const sent = request.headers[correlationIdHeader];
  return typeof sent === 'string' && acceptable.test(sent) ? sent : randomUUID();
}
