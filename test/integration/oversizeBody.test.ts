import { execFile } from 'node:child_process';
import { connect, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// Real HTTP, since the defect lives in the connection: Node's own fetch (undici) writes the whole body
// before it reads the answer, as many SDKs do.
const run = promisify(execFile);
const db = useTestDatabase();
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = await buildTestApp(db);
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
});

// The client runs in a process of its own, as a real one does: in this process the server would read
// the upload between the client's writes, and the race that loses the answer would never happen.
const clientScript = `
const [url, bytes, chunked] = process.argv.slice(1);
const head = '{"tenantId":"t","events":[{"type":"a","timestamp":"2024-01-01T00:00:00Z","payload":"';
const piece = 'x'.repeat(65536);
const pieces = Math.ceil(Number(bytes) / piece.length);
const encoder = new TextEncoder();
let sent = 0;
const body = chunked === 'true'
  ? new ReadableStream({
      start(c) { c.enqueue(encoder.encode(head)); },
      pull(c) { if (sent++ < pieces) c.enqueue(encoder.encode(piece)); else { c.enqueue(encoder.encode('"}]}')); c.close(); } },
    })
  : head + piece.repeat(pieces) + '"}]}';
fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' }).then(
  async (r) => console.log(JSON.stringify({ status: r.status, type: r.headers.get('content-type'),
    correlationId: r.headers.get('x-correlation-id'), body: await r.json() })),
  (e) => console.log(JSON.stringify({ error: e.message, cause: e.cause?.code ?? e.cause?.message })),
);
`;

interface ClientOutcome {
  status?: number;
  type?: string;
  correlationId?: string;
  body?: unknown;
  error?: string;
  cause?: string;
}

async function post(bytes: number, chunked: boolean): Promise<ClientOutcome> {
  const { stdout } = await run(process.execPath, [
    '-e',
    clientScript,
    `${base}/v1/ingestions`,
    String(bytes),
    String(chunked),
  ]);
  return JSON.parse(stdout) as ClientOutcome;
}

describe('a body over the size limit', () => {
  it.each([
    [3_000_000, false],
    [3_000_000, true],
    [12_000_000, false],
    [40_000_000, false],
    [12_000_000, true],
  ])('reaches a client that uploads %i bytes (chunked: %s) as the 413 problem', async (bytes, chunked) => {
    const outcome = await post(bytes, chunked);
    expect(outcome).toMatchObject({
      status: 413,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(outcome.correlationId).toBeTruthy();
    expect(outcome.body).toMatchObject({ status: 413, title: 'Request body too large' });
  });

  it('stops reading an upload that goes on beyond the bound, and keeps serving others', async () => {
    // A raw client that never stops sending: the server must cut it off rather than read for ever.
    const { port } = new URL(base);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'POST /v1/ingestions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
    let written = 0;
    let answer = '';
    socket.on('data', (data: Buffer) => (answer += data.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    while (!socket.destroyed && written < 500 * 1_048_576) {
      if (!socket.write(chunk))
        await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      written += 0x10000;
    }
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    // Cut off after the bound (16 MiB here), far before the 500 MiB the client would have sent.
    expect(written).toBeLessThan(100 * 1_048_576);
    const ok = await fetch(`${base}/health/live`);
    expect(ok.status).toBe(200);
  });
});
