import { Agent, request } from 'node:http';

/** An answer to a raw request; status 0 when the request failed below HTTP (reset, refused, time-out). */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  error?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/**
 * Sends exactly the given method, path, headers and bytes: unlike fetch, nothing is validated or
 * normalised on the way, so malformed paths and content types reach the server as a hostile client
 * would send them.
 */
export function rawRequest(
  base: string,
  options: {
    method: string;
    path: string;
    /** An array sends the header once per value. */
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
  },
): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: RawAnswer) => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    try {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: options.method,
          path: options.path,
          headers: options.headers,
          timeout: 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString(),
            }),
          );
          res.on('error', (error) => done({ status: 0, headers: {}, text: '', error: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out after 15 s')));
      req.on('error', (error) => done({ status: 0, headers: {}, text: '', error: error.message }));
      req.end(options.body);
    } catch (error) {
      // The client library itself refused the request (an invalid header or path): nothing was sent.
      done({ status: -1, headers: {}, text: '', error: (error as Error).message });
    }
  });
}

export function closeRawAgent(): void {
  agent.destroy();
}
