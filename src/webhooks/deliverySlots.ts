import type { ClaimedDelivery } from '../data/webhookDeliveries.js';

/** How many messages the slots send at once. */
export interface SlotLimits {
  /** In all (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** To one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY). */
  endpointConcurrency: number;
}

/**
 * The messages a delivery loop holds: those on their way, at most `concurrency` in all and
 * `endpointConcurrency` to one endpoint, and behind them as many again per endpoint, claimed ahead so
 * that the next message of an endpoint goes out the moment one of its attempts ends, without a claim in
 * between. A claim is then needed only when an endpoint's queue has run dry: about one claim per
 * `endpointConcurrency` messages of an endpoint, instead of one per message. A queued message waits at
 * most about one attempt's time-out, well within its claim's lease.
 */
export class DeliverySlots {
  private readonly sending = new Map<string, Promise<void>>();
  private readonly sendingTo = new Map<string, number>();
  private readonly queues = new Map<string, ClaimedDelivery[]>();

  /**
   * @param send delivers one message (never rejects)
   * @param onDry told when an endpoint's queue has run dry (more of its messages may be due), and when a
   *   slot frees up while nothing is queued
   */
  constructor(
    private readonly limits: SlotLimits,
    private readonly send: (message: ClaimedDelivery) => Promise<void>,
    private readonly onDry: () => void,
  ) {}

  /** Messages held per endpoint, sending or queued: what a claim must not exceed. */
  held(): Map<string, number> {
    const held = new Map(this.sendingTo);
    for (const [endpoint, queue] of this.queues) held.set(endpoint, (held.get(endpoint) ?? 0) + queue.length);
    return held;
  }

  /** How many more messages a claim may take: twice the slots, less what is held. */
  room(): number {
    let queued = 0;
    for (const queue of this.queues.values()) queued += queue.length;
    return 2 * this.limits.concurrency - this.sending.size - queued;
  }

  /** The most a claim may hold of one endpoint. */
  get perEndpoint(): number {
    return 2 * this.limits.endpointConcurrency;
  }

  /** Takes claimed messages: sends what the limits allow now, queues the rest. */
  add(messages: readonly ClaimedDelivery[]): void {
    for (const message of messages) {
      const queue = this.queues.get(message.endpointId) ?? [];
      queue.push(message);
      this.queues.set(message.endpointId, queue);
    }
    this.pump();
  }

  /** Takes every queued message out (a stopping loop hands them back); returns their ids. */
  drainQueued(): string[] {
    const ids = [...this.queues.values()].flat().map((message) => message.id);
    this.queues.clear();
    return ids;
  }

  /** The ids of the messages on their way. */
  sendingIds(): string[] {
    return [...this.sending.keys()];
  }

  /** Resolves when every attempt on its way now has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.sending.values()]);
  }

  /** Starts as many queued messages as the limits allow, endpoints in turn. */
  private pump(): void {
    let started = true;
    while (started && this.sending.size < this.limits.concurrency) {
      started = false;
      for (const [endpoint, queue] of this.queues) {
        if (this.sending.size >= this.limits.concurrency) return;
        if ((this.sendingTo.get(endpoint) ?? 0) >= this.limits.endpointConcurrency) continue;
        const message = queue.shift()!;
        if (queue.length === 0) this.queues.delete(endpoint);
        this.start(message);
        started = true;
      }
    }
  }

  private start(message: ClaimedDelivery): void {
    const endpoint = message.endpointId;
    this.sendingTo.set(endpoint, (this.sendingTo.get(endpoint) ?? 0) + 1);
    const done = this.send(message).finally(() => {
      this.sending.delete(message.id);
      const left = (this.sendingTo.get(endpoint) ?? 1) - 1;
      if (left > 0) this.sendingTo.set(endpoint, left);
      else this.sendingTo.delete(endpoint);
      const dry = !this.queues.has(endpoint);
      this.pump();
      if (dry) this.onDry();
    });
    this.sending.set(message.id, done);
  }
}
