import type { WebhookConfig } from '../config/webhookConfig.js';
import type { Pool } from '../data/pool.js';
import {
  newDeliveryCursor,
  webhookDeliveriesClaim,
  webhookDeliveriesRelease,
  type ClaimedDelivery,
} from '../data/webhookDeliveries.js';
import { deliveryDecision, retryAfterSeconds, webhookIdOf } from '../domain/webhookRetry.js';
import type { Logger } from '../log/logger.js';
import { noWebhookMetrics, type WebhookMetrics } from '../metrics/webhookMetrics.js';
import { noTracing, type Tracing } from '../tracing/tracing.js';
import { DeliverySlots } from './deliverySlots.js';
import { OutcomeRecorder } from './outcomeRecorder.js';
import { signWebhook } from './signature.js';
import { StatementLane } from './statementLane.js';
import { postWebhook, type Resolver } from './webhookRequest.js';

/** What a worker process's delivery loop needs. */
export interface WebhookDispatcherOptions {
  /** The worker's pool: the loop's statements run one at a time, so it holds at most one connection. */
  pool: Pool;
  /** The worker's name, written on the messages it claims. */
  owner: string;
  config: WebhookConfig;
  logger: Logger;
  metrics?: WebhookMetrics;
  tracing?: Tracing;
  /** Name resolution; the system's by default (tests point names elsewhere). */
  resolve?: Resolver;
}

/** Endpoints one claim visits at most; the next claim goes on from there. */
const endpointsPerClaim = 100;
/** Beyond the request's own time-out, how long a claim holds before the message is due for anyone. */
const leaseMarginSeconds = 30;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers the webhook messages that finished jobs left in the outbox, in a worker process, beside (never
 * inside) job processing: its own loop, pool and HTTP requests, so a slow or dead receiver cannot hold
 * up a job. It claims due messages fairly across endpoints, sends up to WEBHOOK_CONCURRENCY at once and
 * at most WEBHOOK_ENDPOINT_CONCURRENCY to one endpoint (with as many again claimed ahead: DeliverySlots),
 * signs each attempt, and writes the outcomes in batches: delivered, retried with backoff, or given up.
 */
export class WebhookDispatcher {
  private readonly slots: DeliverySlots;
  private readonly recorder: OutcomeRecorder;
  private readonly lane = new StatementLane();
  private readonly metrics: WebhookMetrics;
  private readonly tracing: Tracing;
  private readonly log: Logger;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.log = options.logger.child({ component: 'webhooks' });
    this.metrics = options.metrics ?? noWebhookMetrics;
    this.tracing = options.tracing ?? noTracing;
    this.slots = new DeliverySlots(
      options.config,
      (message) =>
        this.deliver(message).catch((error: unknown) =>
          this.log.error({ err: error, webhookId: webhookIdOf(message.id) }, 'webhook delivery failed'),
        ),
      () => this.wake(),
    );
    this.recorder = new OutcomeRecorder(options.pool, this.lane, options.owner, this.log, (givenUp) =>
      this.metrics.givenUp(givenUp),
    );
  }

  /** Starts the loop (none with WEBHOOK_CONCURRENCY=0). */
  start(): void {
    if (this.options.config.concurrency > 0) this.loop = this.run();
  }

  /** There may be messages to send: a job of a tenant with an endpoint finished here. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /**
   * Stops claiming, lets the attempts on their way end within `graceMs` (each is bounded by its time-out),
   * hands back any that did not, and writes the outcomes.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    const deadline = performance.now() + graceMs;
    // Queued messages were never sent: back at once, for any worker.
    const queued = this.slots.drainQueued();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.slots.settled(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    const unfinished = [...queued, ...this.slots.sendingIds()];
    if (unfinished.length > 0) {
      try {
        await this.lane.run(() =>
          webhookDeliveriesRelease(this.options.pool, this.options.owner, unfinished),
        );
      } catch (error) {
        this.log.warn(
          { err: error },
          'could not hand back webhook messages; they are due again when their claim ends',
        );
      }
    }
    await this.recorder.stop(Math.max(deadline - performance.now(), 1000));
  }

  private idle(ms: number): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    const { pool, owner, config } = this.options;
    const cursor = newDeliveryCursor();
    let failures = 0;
    while (!this.stopping) {
      const room = this.slots.room();
      if (room <= 0) {
        await this.idle(config.pollIntervalMs);
        continue;
      }
      let claimed: ClaimedDelivery[];
      try {
        const limits = {
          limit: room,
          perEndpoint: this.slots.perEndpoint,
          sending: this.slots.held(),
          leaseSeconds: config.timeoutSeconds + leaseMarginSeconds,
          endpointsPerClaim,
        };
        claimed = await this.lane.run(() => webhookDeliveriesClaim(pool, owner, limits, cursor));
        failures = 0;
      } catch (error) {
        failures += 1;
        const retryInMs = Math.min(100 * 2 ** failures, 2000);
        this.log.warn({ err: error, retryInMs }, 'webhook claim failed');
        await sleep(retryInMs);
        continue;
      }
      this.slots.add(claimed);
      // Nothing due: wait for a finished job, a drained endpoint queue, or the poll. Something claimed:
      // the same, since whatever it left behind is taken when a queue runs dry.
      await this.idle(config.pollIntervalMs);
    }
  }

  /** One attempt: sign, send, decide, and queue the outcome to be written. */
  private async deliver(message: ClaimedDelivery): Promise<void> {
    const { config } = this.options;
    const webhookId = webhookIdOf(message.id);
    const url = new URL(message.url);
    const span = this.tracing.startSpan(`POST ${url.host}`, {
      parent: message.traceparent,
      kind: 'client',
      attributes: {
        'http.request.method': 'POST',
        // Without the query, which may carry a receiver's token.
        'url.full': `${url.origin}${url.pathname}`,
        'ingest.webhook.id': webhookId,
        'ingest.webhook.attempt': message.attempt,
        'ingest.job.id': message.jobId,
        'ingest.tenant.id': message.tenantId,
      },
    });
    // With tracing off, the job's own trace context goes on as it came.
    const traceparent = span.traceparent ?? message.traceparent ?? undefined;
    const startedAt = new Date();
    const headers = {
      ...signWebhook(webhookId, Math.floor(startedAt.getTime() / 1000), message.body, message.secrets),
      ...(traceparent ? { traceparent } : {}),
    };
    const answer = await postWebhook(
      {
        url: message.url,
        headers,
        body: message.body,
        timeoutMs: config.timeoutSeconds * 1000,
        allowPrivate: config.allowPrivateUrls,
      },
      this.options.resolve,
    );
    const decision = deliveryDecision(
      { statusCode: answer.statusCode, retryAfterSeconds: retryAfterSeconds(answer.retryAfter, Date.now()) },
      message.attempt,
      config,
    );
    this.metrics.attempted(decision.kind === 'delivered' ? 'delivered' : 'failed', answer.durationMs / 1000);
    if (answer.statusCode !== undefined) span.setAttribute('http.response.status_code', answer.statusCode);
    if (decision.kind !== 'delivered') span.fail(new Error(answer.error ?? `answered ${answer.statusCode}`));
    span.end();
    const context = {
      webhookId,
      jobId: message.jobId,
      endpointId: message.endpointId,
      attempt: message.attempt,
    };
    if (decision.kind === 'delivered')
      this.log.debug({ ...context, ms: Math.round(answer.durationMs) }, 'webhook delivered');
    else if (decision.kind === 'retry')
      this.log.info(
        { ...context, error: answer.error, retryInSeconds: Math.round(decision.retryInSeconds) },
        'webhook attempt failed; will retry',
      );
    else this.log.warn({ ...context, error: answer.error, decision: decision.kind }, 'webhook given up');
    this.recorder.record({
      id: message.id,
      attempt: message.attempt,
      kind: decision.kind,
      statusCode: answer.statusCode,
      durationMs: answer.durationMs,
      error: answer.error,
      retryInSeconds: decision.kind === 'retry' ? decision.retryInSeconds : undefined,
      startedAt,
    });
  }
}
