/** One request a client made, and what came of it (status 0: no answer, the request failed). */
export interface RecordedRequest {
  at: number;
  /** When the answer (or the failure) came. */
  answeredAt: number;
  method: string;
  url: string;
  status: number;
  idempotencyKey: string | undefined;
  contentEncoding: string | undefined;
  retryAfter: string | null;
  replayed: boolean;
  /** Events in the batch, for a POST whose body could be read (gzip bodies are counted after gunzip). */
  events: number | undefined;
  jobId: string | undefined;
  error?: string;
}

async function eventsIn(
  body: RequestInit['body'],
  encoding: string | undefined,
): Promise<number | undefined> {
  if (body === undefined || body === null) return undefined;
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) {
    const bytes =
      encoding === 'gzip'
        ? new Uint8Array(
            await new Response(
              new Blob([body]).stream().pipeThrough(new DecompressionStream('gzip')),
            ).arrayBuffer(),
          )
        : body;
    text = new TextDecoder().decode(bytes);
  } else return undefined;
  return (JSON.parse(text) as { events: unknown[] }).events.length;
}

/**
 * A fetch that records every request a client makes through it (for tests of what the client sends and
 * when), and passes everything on unchanged to the real fetch.
 */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recording: typeof fetch = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    const entry: RecordedRequest = {
      at: performance.now(),
      answeredAt: 0,
      method: init.method ?? 'GET',
      url: String(input),
      status: 0,
      idempotencyKey: headers.get('idempotency-key') ?? undefined,
      contentEncoding: headers.get('content-encoding') ?? undefined,
      retryAfter: null,
      replayed: false,
      events: await eventsIn(init.body, headers.get('content-encoding') ?? undefined),
      jobId: undefined,
    };
    requests.push(entry);
    try {
      const response = await fetch(input, init);
      entry.answeredAt = performance.now();
      entry.status = response.status;
      entry.retryAfter = response.headers.get('retry-after');
      entry.replayed = response.headers.get('idempotent-replayed') === 'true';
      if (response.status === 202) entry.jobId = ((await response.clone().json()) as { jobId: string }).jobId;
      return response;
    } catch (error) {
      entry.answeredAt = performance.now();
      entry.error = (error as Error).message;
      throw error;
    }
  };
  return { fetch: recording, requests };
}
