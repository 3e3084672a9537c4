// A small OTLP/HTTP trace receiver for the tests: it takes what an exporter really sends to /v1/traces,
// in either encoding the service supports (http/json and http/protobuf), and decodes it into spans. The
// protobuf reader below knows the few fields of the OTLP trace messages the tests look at.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the receiver decoded it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: Array<{ traceId: string; spanId: string }>;
  /** The resource's service.name. */
  service: string;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** Which encoding it came in. */
  encoding: 'json' | 'protobuf';
}

/** Listens on a free port of 127.0.0.1 and keeps every span it is sent. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = (request.headers['content-type'] ?? '').includes('json');
      if (request.url === '/v1/traces') this.spans.push(...(json ? fromJson(body) : fromProtobuf(body)));
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : '');
    });
  });
  private port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---- OTLP/JSON: ids are hex strings, enums numbers, values tagged by type.

interface JsonValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface JsonKeyValue {
  key: string;
  value: JsonValue;
}

function jsonValue(value: JsonValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.doubleValue ?? '';
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function fromJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans: Array<{
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans: Array<{
        spans: Array<{
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: JsonKeyValue[];
          links?: Array<{ traceId: string; spanId: string }>;
          status?: { code?: number };
        }>;
      }>;
    }>;
  };
  return request.resourceSpans.flatMap((resourceSpans) => {
    const service = String(jsonAttributes(resourceSpans.resource?.attributes)['service.name'] ?? '');
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
        service,
        statusCode: span.status?.code ?? 0,
        encoding: 'json' as const,
      })),
    );
  });
}

// ---- OTLP/protobuf: a reader of the wire format (varints, fixed64/32, length-delimited fields).

interface Field {
  number: number;
  /** A varint or fixed value, or the bytes of a length-delimited field. */
  value: bigint | Buffer;
}

function readVarint(buffer: Buffer, at: { offset: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buffer[at.offset++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7n;
  }
}

function fields(buffer: Buffer): Field[] {
  const out: Field[] = [];
  const at = { offset: 0 };
  while (at.offset < buffer.length) {
    const key = Number(readVarint(buffer, at));
    const number = key >> 3;
    const wireType = key & 7;
    if (wireType === 0) out.push({ number, value: readVarint(buffer, at) });
    else if (wireType === 1) {
      out.push({ number, value: buffer.subarray(at.offset, at.offset + 8) });
      at.offset += 8;
    } else if (wireType === 2) {
      const length = Number(readVarint(buffer, at));
      out.push({ number, value: buffer.subarray(at.offset, at.offset + length) });
      at.offset += length;
    } else if (wireType === 5) {
      out.push({ number, value: buffer.subarray(at.offset, at.offset + 4) });
      at.offset += 4;
    } else throw new Error(`OTLP protobuf: wire type ${wireType} is not expected here`);
  }
  return out;
}

const bytesOf = (list: Field[], number: number) =>
  list.filter((f) => f.number === number).map((f) => f.value as Buffer);
const first = (list: Field[], number: number) => list.find((f) => f.number === number)?.value;
const text = (value: bigint | Buffer | undefined) => (value instanceof Buffer ? value.toString('utf8') : '');
const hex = (value: bigint | Buffer | undefined) => (value instanceof Buffer ? value.toString('hex') : '');

function protobufValue(any: Field[]): string | number | boolean {
  const [field] = any;
  if (!field) return '';
  if (field.number === 1) return text(field.value);
  if (field.number === 2) return field.value === 1n;
  if (field.number === 3) return Number(BigInt.asIntN(64, field.value as bigint));
  if (field.number === 4) return (field.value as Buffer).readDoubleLE(0);
  return '';
}

function protobufAttributes(list: Buffer[]): Record<string, string | number | boolean> {
  return Object.fromEntries(
    list.map((kv) => {
      const parts = fields(kv);
      const value = first(parts, 2);
      return [text(first(parts, 1)), value instanceof Buffer ? protobufValue(fields(value)) : ''];
    }),
  );
}

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  return bytesOf(fields(body), 1).flatMap((resourceSpansBytes) => {
    const resourceSpans = fields(resourceSpansBytes);
    const resource = first(resourceSpans, 1);
    const service = String(
      protobufAttributes(resource instanceof Buffer ? bytesOf(fields(resource), 1) : [])['service.name'] ??
        '',
    );
    return bytesOf(resourceSpans, 2).flatMap((scopeBytes) =>
      bytesOf(fields(scopeBytes), 2).map((spanBytes) => {
        const span = fields(spanBytes);
        const status = first(span, 15);
        return {
          traceId: hex(first(span, 1)),
          spanId: hex(first(span, 2)),
          parentSpanId: hex(first(span, 4)),
          name: text(first(span, 5)),
          kind: Number(first(span, 6) ?? 0n),
          attributes: protobufAttributes(bytesOf(span, 9)),
          links: bytesOf(span, 13).map((linkBytes) => {
            const link = fields(linkBytes);
            return { traceId: hex(first(link, 1)), spanId: hex(first(link, 2)) };
          }),
          service,
          statusCode: status instanceof Buffer ? Number(first(fields(status), 3) ?? 0n) : 0,
          encoding: 'protobuf' as const,
        };
      }),
    );
  });
}
