import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got, as it arrived. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body's exact bytes as text: what the signature covers. */
  body: string;
  receivedAt: number;
  /**
   * With `secret` set on the receiver: 'verified', or why the Standard Webhooks library refused the
   * message, judged on arrival (as a receiver does: a signature's timestamp is only good for five minutes).
   */
  verification?: string;
}

/** What the receiver answers a request with; `delayMs` holds the answer (never answering: Infinity). */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/**
 * A webhook receiver on a free port of 127.0.0.1: it records every request and answers what `answer`
 * says (200 by default), which tests change as they go (fail the first attempts, hang, answer 410).
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  answer: (request: ReceivedRequest, index: number) => ReceiverAnswer = () => ({ status: 200 });
  /** The endpoint's secret: each request is then verified as it arrives. */
  secret: string | undefined;
  private readonly server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      if (this.secret !== undefined) {
        try {
          verifyMessage(received, this.secret);
          received.verification = 'verified';
        } catch (error) {
          received.verification = (error as Error).message;
        }
      }
      const index = this.requests.push(received) - 1;
      this.reply(response, this.answer(received, index));
    });
  });
  private port = 0;

  /** Listens; resolves once the port is known. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The receiver's URL for `path`. */
  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Its port. */
  get listeningPort(): number {
    return this.port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The requests whose body is about job `jobId`. */
  forJob(jobId: string): ReceivedRequest[] {
    return this.requests.filter((request) => messageOf(request).data.jobId === jobId);
  }

  private reply(response: ServerResponse, answer: ReceiverAnswer): void {
    const send = () => {
      if (response.destroyed) return;
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body ?? '');
    };
    if (answer.delayMs === Infinity) return;
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  }
}

/** A message's body as the service sends it. */
export interface WebhookMessage {
  type: 'ingestion.succeeded' | 'ingestion.failed';
  timestamp: string;
  data: {
    jobId: string;
    tenantId: string;
    status: 'Succeeded' | 'Failed';
    attempt: number;
    maxAttempts: number;
    eventCount: number;
    createdAt: string;
    processedAt: string;
    results: Array<{ eventType: string; count: number; firstTimestamp: string; lastTimestamp: string }>;
    output: unknown;
    error: string | null;
  };
}

/** The parsed body of a received message. */
export function messageOf(request: ReceivedRequest): WebhookMessage {
  return JSON.parse(request.body) as WebhookMessage;
}

/**
 * Verifies a received message with the Standard Webhooks reference library, as a receiver would: the
 * signature over the exact body, and a timestamp within its five minutes' tolerance. Throws when it does
 * not verify.
 */
export function verifyMessage(request: ReceivedRequest, secret: string): WebhookMessage {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as WebhookMessage;
}
