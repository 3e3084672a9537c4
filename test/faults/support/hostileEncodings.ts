// Generators for the hostile-input scenario's compressed bodies and cross-origin requests, and the
// rules their answers must follow beyond the scenario's general invariant.
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { RawAnswer } from './rawHttp.js';

/** Codings a client may name: the accepted ones in their spellings, and ones the service must refuse. */
export const codings = [
  'gzip',
  'x-gzip',
  'GZIP',
  ' gzip ',
  'deflate',
  'br',
  'identity',
  'compress',
  'zstd',
  'gzip, br',
  'gzip;q=1',
  'br, identity',
  '*',
  'gzip\u0000',
];

const accepted = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** Whether the service decodes `coding` (identity: no coding at all). */
export function decodes(coding: string): boolean {
  const name = coding.trim().toLowerCase();
  return accepted.has(name) || name === 'identity';
}

const brotliFast = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };

/** `bytes` compressed as `coding` names it; gzip for a coding the service does not know. */
export function compress(bytes: Buffer, coding: string): Buffer {
  const name = coding.trim().toLowerCase();
  if (name === 'identity') return bytes;
  if (name === 'deflate') return deflateSync(bytes);
  if (name === 'br') return brotliCompressSync(bytes, brotliFast);
  return gzipSync(bytes);
}

/** How a compressed body is broken, if it is: the scenario's mutations, applied to the compressed bytes. */
export const corruption = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('truncate', 'flip', 'append', 'prefix', 'swap-coding'),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

/** Applies a corruption to compressed bytes; swap-coding compresses with another coding than named. */
export function corrupt(
  compressed: Buffer,
  plain: Buffer,
  how: { op: string; at: number } | undefined,
): Buffer {
  if (!how) return compressed;
  const at = Math.floor(how.at * compressed.length);
  switch (how.op) {
    case 'truncate':
      return compressed.subarray(0, at);
    case 'flip':
      return Buffer.from(compressed.map((byte, i) => (i === at ? byte ^ 0x5a : byte)));
    case 'append':
      return Buffer.concat([compressed, Buffer.from('trailing garbage')]);
    case 'prefix':
      return Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), compressed]);
    default:
      return brotliCompressSync(plain, brotliFast);
  }
}

/**
 * Bodies that expand far past MAX_BODY_BYTES: `megabytes` of spaces inside a valid batch, in each
 * coding, and gzip inside gzip (which the service decodes once: the inner gzip is not JSON).
 */
export function compressionBombs(megabytes: number): Array<[string, string, Buffer]> {
  const head = '{"tenantId":"acme","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z","payload":"';
  const plain = Buffer.concat([
    Buffer.from(head),
    Buffer.alloc(megabytes * 1_048_576, 0x20),
    Buffer.from('"}]}'),
  ]);
  const gzip = gzipSync(plain, { level: 9 });
  return [
    [`gzip bomb, ${megabytes} MB of spaces`, 'gzip', gzip],
    [`deflate bomb, ${megabytes} MB of spaces`, 'deflate', deflateSync(plain, { level: 9 })],
    [`br bomb, ${megabytes} MB of spaces`, 'br', brotliCompressSync(plain, brotliFast)],
    [`gzip of the gzip bomb`, 'gzip', gzipSync(gzip)],
    [
      `whitespace before the JSON, ${megabytes} MB`,
      'gzip',
      gzipSync(Buffer.concat([Buffer.alloc(megabytes * 1_048_576, 0x20), Buffer.from('{}')])),
    ],
  ];
}

/** Origins a page (or a forger) may send, against CORS_ALLOWED_ORIGINS=https://app.example,*. */
export const corsSetting = 'https://app.example,*';
const listedOrigin = 'https://app.example';
export const originValue = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      listedOrigin,
      listedOrigin,
      'https://other.example',
      'null',
      'HTTPS://APP.EXAMPLE',
      'https://app.example.',
      'https://app.example:443',
      'http://app.example',
      'https://app.example/',
      'https://app.example.evil.example',
      '*',
      '',
      'file://',
      'https://' + 'a'.repeat(5000),
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v)) },
);

/** The paths a cross-origin request may try, /v1 and everything that must never answer CORS. */
export function corsPath(jobId: string) {
  return fc.constantFrom(
    '/v1/ingestions',
    '/v1/ingestions?limit=1&tenantId=acme',
    `/v1/ingestions/${jobId}`,
    `/v1/results/${jobId}`,
    '/v1/ingestions/not-a-uuid',
    '/admin/jobs',
    '/admin/overview',
    `/admin/jobs/${jobId}`,
    '/health/ready',
    '/openapi.json',
    '/docs',
    '/ui/',
    '/metrics',
    '/v1/nothing',
  );
}

/** The policy a request to `path` with `method` has: the origins that may read its answer. */
function policyOf(path: string, method: string): 'submit' | 'read' | undefined {
  const route = path.split('?')[0]!;
  if (route === '/v1/ingestions') return method === 'POST' ? 'submit' : method === 'GET' ? 'read' : undefined;
  if (/^\/v1\/(ingestions|results)\/[^/]+$/.test(route)) return method === 'GET' ? 'read' : undefined;
  return undefined;
}

/**
 * What is wrong with the CORS headers of an answer, for a request with this method, path, Origin and
 * (for a preflight) requested method. Access-Control-Allow-Origin may appear only on a /v1 route, only
 * echoing an origin CORS_ALLOWED_ORIGINS allows for what the request does, and never on the admin API,
 * the documents or health; an allowed preflight is a 204 that browsers may cache.
 */
export function corsProblems(
  request: { method: string; path: string; origin?: string; requestedMethod?: string },
  answer: RawAnswer,
): string[] {
  const allowOrigin = answer.headers['access-control-allow-origin'];
  // The Origin the server reads: spaces and tabs around a field value are not part of it (RFC 9110,
  // section 5.5), so " o7" arrives as "o7". An empty Origin is no Origin.
  const sentOrigin = request.origin?.replace(/^[\t ]+|[\t ]+$/g, '');
  const origin = sentOrigin ? sentOrigin.toLowerCase() : undefined;
  const preflight =
    request.method === 'OPTIONS' && origin !== undefined && request.requestedMethod !== undefined;
  const policy = policyOf(
    request.path,
    preflight ? request.requestedMethod!.trim().toUpperCase() : request.method,
  );
  const allowed =
    origin !== undefined && policy !== undefined && (origin === listedOrigin || policy === 'submit');
  const problems: string[] = [];
  if (allowOrigin !== undefined) {
    if (!allowed)
      problems.push(`Access-Control-Allow-Origin ${String(allowOrigin)} where no CORS is allowed`);
    else if (allowOrigin !== sentOrigin)
      problems.push(`Access-Control-Allow-Origin ${String(allowOrigin)} is not the Origin`);
  } else if (allowed && answer.status > 0 && !(request.method === 'OPTIONS' && !preflight)) {
    problems.push('no Access-Control-Allow-Origin for an allowed origin');
  }
  if (preflight && allowed && answer.status !== 204)
    problems.push(`allowed preflight answered ${answer.status}`);
  if (preflight && allowed && answer.headers['access-control-max-age'] === undefined)
    problems.push('allowed preflight without Access-Control-Max-Age');
  return problems;
}
