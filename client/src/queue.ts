import type { StoredEvent } from './types.js';

/** An event waiting to be sent, with its JSON text (what a batch is made of) and its place in line. */
export interface Queued {
  seq: number;
  event: StoredEvent;
  json: string;
  bytes: number;
}

/** The UTF-8 length of `text`, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The events waiting to be sent, oldest first, bounded: past `limit` events the oldest are dropped (the
 * newest tell more about now, and a service away for long must not make the client grow without end).
 */
export class EventQueue {
  #items: Queued[] = [];
  #start = 0;
  #bytes = 0;
  #nextSeq = 0;

  constructor(private readonly limit: number) {}

  /** Events waiting. */
  get length(): number {
    return this.#items.length - this.#start;
  }

  /** Bytes of JSON waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The place in line of the oldest event waiting, or of the next one to come when none is. */
  get firstSeq(): number {
    return this.#items[this.#start]?.seq ?? this.#nextSeq;
  }

  /** The place in line the last event added took (-1 before the first). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Adds an event; returns how many of the oldest were dropped to keep within the limit. */
  push(event: StoredEvent): number {
    const json = JSON.stringify(event);
    this.#items.push({ seq: this.#nextSeq, event, json, bytes: utf8Length(json) });
    this.#nextSeq += 1;
    this.#bytes += this.#items[this.#items.length - 1]!.bytes;
    let dropped = 0;
    while (this.length > this.limit) {
      this.#bytes -= this.#items[this.#start]!.bytes;
      this.#start += 1;
      dropped += 1;
    }
    this.#compact();
    return dropped;
  }

  /**
   * Takes the oldest events, as many as fit in `maxEvents` and `maxBytes` of JSON; the first is taken
   * even when alone it is larger, unless `fitOnly` (then nothing is taken that does not fit).
   */
  take(maxEvents: number, maxBytes: number, fitOnly = false): Queued[] {
    let end = this.#start;
    let bytes = 0;
    while (end < this.#items.length && end - this.#start < maxEvents) {
      const next = this.#items[end]!.bytes + 1;
      if (bytes + next > maxBytes && (end > this.#start || fitOnly)) break;
      bytes += next;
      end += 1;
    }
    const taken = this.#items.slice(this.#start, end);
    this.#start = end;
    for (const item of taken) this.#bytes -= item.bytes;
    this.#compact();
    return taken;
  }

  /** Empties the queue, returning what it held. */
  drain(): Queued[] {
    return this.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  #compact(): void {
    if (this.#start > 1024 && this.#start * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#start);
      this.#start = 0;
    }
  }
}

/** The body of POST /v1/ingestions for these events: their JSON texts as they were queued. */
export function batchBody(items: readonly Queued[], tenantId: string | undefined): string {
  const events = `[${items.map((item) => item.json).join(',')}]`;
  return tenantId === undefined
    ? `{"events":${events}}`
    : `{"tenantId":${JSON.stringify(tenantId)},"events":${events}}`;
}
