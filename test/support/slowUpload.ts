import { connect, type Socket } from 'node:net';

/** What the server answered a slow upload, read straight off the socket. */
export interface UploadAnswer {
  /** 0 when the connection ended without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the answer (or to the end of the connection). */
  afterMs: number;
}

/** An upload in progress; `answer` settles once the server answered or closed the connection. */
export interface SlowUpload {
  answer: Promise<UploadAnswer>;
  /** Body bytes sent so far. */
  sent(): number;
  /** Stops sending and closes the connection. */
  stop(): void;
}

/** Parses an HTTP/1.1 answer once its head and its Content-Length of body are in `data`. */
function parseAnswer(data: Buffer, afterMs: number): UploadAnswer | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return undefined;
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    body: data.subarray(end + 4, end + 4 + length).toString(),
    afterMs,
  };
}

/**
 * POSTs a body of `declaredBytes` (declared in Content-Length) over a raw socket: `firstBytes` at once,
 * then `bytesPerTick` bytes every `tickMs` until the server answers, the whole body is sent, or `stop()`.
 * The body is a JSON object padded with spaces, so a complete one would be valid. A raw socket, since an
 * HTTP client library would not show an answer that arrives before its upload ends.
 */
export function slowUpload(
  base: string,
  options: {
    path?: string;
    headers?: Record<string, string>;
    tenantId: string;
    declaredBytes: number;
    firstBytes: number;
    bytesPerTick: number;
    tickMs: number;
  },
): SlowUpload {
  const url = new URL(base);
  const head = `{"tenantId":${JSON.stringify(options.tenantId)},"events":[{"type":"a","timestamp":"2024-05-01T12:00:00Z"}]`;
  const body = Buffer.alloc(options.declaredBytes, ' ');
  body.write(head);
  body.write('}', options.declaredBytes - 1);
  const headers = {
    host: url.host,
    'content-type': 'application/json',
    'content-length': String(options.declaredBytes),
    ...options.headers,
  };
  const socket: Socket = connect(Number(url.port), url.hostname);
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const send = (count: number) => {
    const next = Math.min(options.declaredBytes, sent + count);
    if (next > sent && socket.writable) socket.write(body.subarray(sent, next));
    sent = next;
    if (sent >= options.declaredBytes) clearInterval(timer);
  };
  const answer = new Promise<UploadAnswer>((resolve) => {
    let data = Buffer.alloc(0);
    const finish = (parsed: UploadAnswer) => {
      clearInterval(timer);
      resolve(parsed);
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parseAnswer(data, performance.now() - started);
      if (parsed) finish(parsed);
    });
    const ended = () =>
      finish({ status: 0, headers: {}, body: data.toString(), afterMs: performance.now() - started });
    socket.on('close', ended);
    socket.on('error', ended);
  });
  socket.once('connect', () => {
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`POST ${options.path ?? '/v1/ingestions'} HTTP/1.1\r\n${lines.join('')}\r\n`);
    send(options.firstBytes);
    timer = setInterval(() => send(options.bytesPerTick), options.tickMs);
  });
  return {
    answer,
    sent: () => sent,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}
