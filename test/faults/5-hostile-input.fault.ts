// Scenario 5 of issue 4: property-based and mutation fuzzing of POST /v1/ingestions and the GET routes
// with fast-check, over real HTTP against a real API process. At least 10,000 requests: no answer ≥ 500,
// every 4xx a problem document, and the service still ready at the end. Run twice: with AUTH_MODE=none,
// and with AUTH_MODE=keys (issue 12), where every request also carries a credential, mostly a valid
// write or read key and otherwise every way of getting one wrong, each held to the status it must get.
// Also compressed bodies (every coding, intact and broken, and compression bombs, each a 413 with the
// API's memory unmoved) and cross-origin requests and preflights (CORS answered only where allowed).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/testDatabase.js';
import { recordFigures } from './support/figures.js';
import { keyCredentials, noCredentials, type Credential } from './support/keyCredentials.js';
import { closeRawAgent, rawRequest, type RawAnswer } from './support/rawHttp.js';
import { batchFor, Services } from './support/services.js';
import {
  codings,
  compress,
  compressionBombs,
  corrupt,
  corruption,
  corsPath,
  corsProblems,
  corsSetting,
  decodes,
  originValue,
} from './support/hostileEncodings.js';

const db = useTestDatabase();
const services = new Services(() => db.env);

afterAll(async () => {
  closeRawAgent();
  await services.killAll();
});

const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2_147_483_647);
const maxBodyBytes = 1_048_576; // the default of MAX_BODY_BYTES
const scale = Number(process.env.FAULTS_FUZZ_SCALE ?? 1);

// ---- generators of JSON text (text, not values: some inputs cannot be written as JavaScript values) ----

const nastyStrings = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\ud83d\ude00',
  '\u202e\u2066',
  '\ufeff',
  '\uffff',
  'é',
  'e\u0301',
  '𝟘𝟙',
  "'; DROP TABLE ingestion_jobs; --",
  '" OR 1=1 --',
  '$1',
  '%s%n%x',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\\',
  '"',
  '__proto__',
  'constructor',
  'x'.repeat(128),
  'x'.repeat(129),
  'ß'.repeat(128),
  'x'.repeat(70_000),
];
const text = <T>(arb: fc.Arbitrary<T>) => arb.map((value) => JSON.stringify(value) ?? 'null');
const stringText = fc.oneof(
  text(fc.string({ unit: 'binary', maxLength: 40 })),
  text(fc.string({ unit: 'grapheme', maxLength: 20 })),
  text(fc.constantFrom(...nastyStrings)),
  // Raw escapes JSON.stringify would never write: lone surrogates, NUL, overlong escapes.
  fc.constantFrom('"\\ud800"', '"\\u0000"', '"a\\u0000"', '"\\udc00\\ud800"', '"\\x41"', '"\\u12"', '"\\'),
);
const numberText = fc.oneof(
  text(fc.double()),
  text(fc.integer()),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '123456789012345678901234567890',
    '-0',
    '9007199254740993',
    '1.7976931348623157e309',
    'NaN',
    'Infinity',
    '0x10',
    '01',
    '.5',
  ),
);
const deepText = fc
  .tuple(fc.integer({ min: 60, max: 200_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );
const anyText = fc.oneof(
  { weight: 4, arbitrary: text(fc.jsonValue({ maxDepth: 4 })) },
  { weight: 2, arbitrary: text(fc.anything({ maxDepth: 3 })) },
  { weight: 2, arbitrary: numberText },
  { weight: 2, arbitrary: stringText },
  { weight: 1, arbitrary: deepText },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', '[]', '{}', '{"__proto__":{"x":1}}') },
);
const timestampText = fc.oneof(
  text(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  text(
    fc.constantFrom(
      '2024-05-01T12:00:00Z',
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00+23:59',
      '9999-12-31T23:59:59-23:59',
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-12-31T23:59:60Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00.12345678901234567890Z',
      '2024-01-01T00:00:00',
      '2024-01-01',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01t00:00:00z',
      '2024-01-01 00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '-000001-01-01T00:00:00Z',
      '１９７０-01-01T00:00:00Z',
    ),
  ),
  stringText,
  anyText,
);
const field = (name: string, value: fc.Arbitrary<string>) =>
  fc.option(
    value.map((v) => `${JSON.stringify(name)}:${v}`),
    { freq: 6, nil: undefined },
  );
const objectText = (...fields: Array<fc.Arbitrary<string | undefined>>) =>
  fc.tuple(...fields).map((parts) => `{${parts.filter((p) => p !== undefined).join(',')}}`);
const eventText = objectText(
  field(
    'type',
    fc.oneof({ weight: 3, arbitrary: text(fc.constantFrom('clicked', 'viewed')) }, stringText, anyText),
  ),
  field('timestamp', timestampText),
  field('payload', anyText),
  field('extra', anyText),
);
const bodyText = objectText(
  field(
    'tenantId',
    fc.oneof({ weight: 3, arbitrary: text(fc.constantFrom('acme', 'tenant')) }, stringText, anyText),
  ),
  field(
    'events',
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.array(eventText, { maxLength: 6 }).map((events) => `[${events.join(',')}]`),
      },
      { weight: 1, arbitrary: anyText },
    ),
  ),
  field('__proto__', anyText),
);
const headerValue = fc.string({ maxLength: 300 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v));
const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/json;;',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/problem+json',
      'application/vnd.api+json',
      '*/*',
      '',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);
const postHeaders = fc
  .tuple(
    contentType,
    fc.option(fc.oneof(headerValue, fc.constantFrom('', ' ', 'k'.repeat(255), 'k'.repeat(256))), { freq: 3 }),
    fc.option(headerValue, { freq: 4 }),
  )
  .map(([type, key, correlation]) => {
    const headers: Record<string, string> = {};
    if (type !== '') headers['content-type'] = type;
    if (key !== null) headers['idempotency-key'] = key;
    if (correlation !== null) headers['x-correlation-id'] = correlation;
    return headers;
  });

// ---- mutation fuzzing: valid bodies, broken a few bytes at a time ----

const insertions = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '\\',
  '\\u0000',
  '\\ud800',
  '0',
  '-',
  'e',
  '1e999',
  ' ',
  'null',
  'é',
];
const mutation = fc.record({
  op: fc.constantFrom('replace', 'insert', 'delete', 'duplicate', 'truncate', 'bytes'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  length: fc.integer({ min: 1, max: 12 }),
  insert: fc.constantFrom(...insertions),
  bytes: fc.constantFrom(
    [0xff],
    [0xc3],
    [0xed, 0xa0, 0x80],
    [0x00],
    [0xef, 0xbb, 0xbf],
    [0xf4, 0x90, 0x80, 0x80],
  ),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;
function mutate(body: string, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(body);
  for (const m of mutations) {
    const at = Math.floor(m.at * bytes.length);
    const before = bytes.subarray(0, at);
    const after = bytes.subarray(at);
    switch (m.op) {
      case 'replace':
        bytes = Buffer.concat([before, Buffer.from(m.insert), after.subarray(m.length)]);
        break;
      case 'insert':
        bytes = Buffer.concat([before, Buffer.from(m.insert), after]);
        break;
      case 'delete':
        bytes = Buffer.concat([before, after.subarray(m.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([before, after.subarray(0, m.length * 8), after]);
        break;
      case 'truncate':
        bytes = before;
        break;
      case 'bytes':
        bytes = Buffer.concat([before, Buffer.from(m.bytes), after]);
        break;
    }
  }
  return bytes;
}

// ---- the GET routes ----

const pathSegment = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc
    .string({ unit: 'binary', maxLength: 60 })
    .map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  fc.constantFrom(
    '',
    '%00',
    '%',
    '%zz',
    '%ff%fe',
    '..%2F..%2Fetc%2Fpasswd',
    '00000000-0000-0000-0000-000000000000',
    '{00000000-0000-0000-0000-000000000000}',
    '00000000-0000-0000-0000-00000000000g',
    '00000000-0000-0000-0000-000000000000%00',
    "1'%20OR%20'1'='1",
    'a'.repeat(5000),
    '%E2%80%AE',
    '%ED%A0%80',
  ),
);
const getRequest = fc.tuple(
  fc.constantFrom(
    '/v1/ingestions/',
    '/v1/results/',
    '/v1/ingestions',
    '/health/../v1/results/',
    '/v1//results/',
  ),
  pathSegment,
  fc.constantFrom('', '?x=1', '?jobId=%00', '#frag', '?' + 'a=1&'.repeat(200)),
  fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
);

// ---- the invariant, checked on every answer ----

const newTally = () => ({
  requests: 0,
  byStatus: {} as Record<string, number>,
  refusedByClient: 0,
  resetAfterOversize: 0,
  violations: [] as string[],
});
let tally = newTally();

/**
 * Records the answer and any broken invariant; always true, so one run reports every violation.
 * `allowed`: the only statuses the request's credential permits (a refused key must be 401, whatever
 * the body).
 */
function check(what: string, answer: RawAnswer, oversize = false, allowed?: readonly number[]): boolean {
  tally.requests += 1;
  tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;
  if (answer.status === -1) {
    tally.refusedByClient += 1; // never sent: node:http refused it
    tally.requests -= 1;
    return true;
  }
  const problems: string[] = [];
  if (answer.status === 0 && oversize && /EPIPE|ECONNRESET/.test(answer.error ?? '')) {
    // Over the body limit: the server answers 413 from the Content-Length alone and closes the
    // connection, so a client still writing the body sees the close instead of the answer.
    tally.resetAfterOversize += 1;
    return true;
  }
  if (answer.status === 0) problems.push(`no HTTP answer (${answer.error})`);
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  if (allowed && answer.status > 0 && !allowed.includes(answer.status))
    problems.push(`status ${answer.status}, expected ${allowed.join(' or ')}`);
  if (answer.status === 401 && !String(answer.headers['www-authenticate'] ?? '').startsWith('Bearer '))
    problems.push('401 without WWW-Authenticate: Bearer');
  if (!answer.headers['x-correlation-id']) problems.push('no X-Correlation-Id');
  if (answer.status >= 400 && answer.status < 500 && !what.startsWith('HEAD ')) {
    const type = String(answer.headers['content-type'] ?? '');
    if (!type.startsWith('application/problem+json')) problems.push(`4xx as ${type}`);
    try {
      const problem = JSON.parse(answer.text) as { status?: unknown; title?: unknown };
      if (problem.status !== answer.status || typeof problem.title !== 'string')
        problems.push('not a problem document');
      if (/at .*\.(ts|js):\d+/.test(answer.text)) problems.push('stack trace in answer');
    } catch {
      problems.push('4xx body is not JSON');
    }
  }
  if (problems.length > 0 && tally.violations.length < 50)
    tally.violations.push(`${what}: ${problems.join(', ')} → ${answer.status} ${answer.text.slice(0, 300)}`);
  return true;
}

const uuidSegment = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const describeCredential = (credential: Credential) =>
  credential.name === 'none' ? '' : ` [${credential.name}]`;

describe.each(['none', 'keys'] as const)('hostile input, AUTH_MODE=%s', (mode) => {
  it('answers at least 10,000 hostile requests without a 5xx, each 4xx a problem document', async () => {
    tally = newTally();
    let auth = noCredentials;
    if (mode === 'keys') {
      const pool = db.createPool(1);
      try {
        auth = await keyCredentials(pool);
      } finally {
        await pool.end();
      }
    }
    // Jobs the runs below stored (for tenant acme, in keys mode): the GET run reads them with every key.
    // Another tenant's write key stores a body without tenantId for its own tenant: not remembered.
    const storedJobs: string[] = [];
    const remember = (answer: RawAnswer, credential: Credential) => {
      if (answer.status === 202 && storedJobs.length < 1000 && credential.name !== 'other tenant write')
        storedJobs.push((JSON.parse(answer.text) as { jobId: string }).jobId);
      return answer;
    };
    const { service, base } = await services.api({
      CORS_ALLOWED_ORIGINS: corsSetting,
      ...(mode === 'keys' ? { AUTH_MODE: 'keys' } : {}),
    });
    const ready = async () => (await rawRequest(base, { method: 'GET', path: '/health/ready' })).status;
    const started = Date.now();
    const runs = (n: number) => ({ numRuns: Math.round(n * scale), seed, endOnFailure: true });

    // 1. Structured bodies: wrong types, missing fields, nasty strings and numbers, deep nesting.
    await fc.assert(
      fc.asyncProperty(bodyText, postHeaders, auth.submit, async (body, headers, credential) =>
        check(
          `POST ${body.slice(0, 200)} ${JSON.stringify(headers)}${describeCredential(credential)}`,
          remember(
            await rawRequest(base, {
              method: 'POST',
              path: '/v1/ingestions',
              headers: { ...headers, ...credential.headers },
              body,
            }),
            credential,
          ),
          Buffer.byteLength(body) > maxBodyBytes,
          credential.expect?.submit,
        ),
      ),
      runs(4000),
    );
    expect(await ready()).toBe(200);

    // 2. Mutations of valid bodies.
    await fc.assert(
      fc.asyncProperty(
        fc.nat(10_000),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        auth.submit,
        async (n, mutations, credential) => {
          const body = mutate(JSON.stringify(batchFor(n, mode === 'keys' ? 'acme' : undefined)), mutations);
          return check(
            `POST mutated ${JSON.stringify(body.toString().slice(0, 200))}${describeCredential(credential)}`,
            remember(
              await rawRequest(base, {
                method: 'POST',
                path: '/v1/ingestions',
                headers: { 'content-type': 'application/json', ...credential.headers },
                body,
              }),
              credential,
            ),
            false,
            credential.expect?.submit,
          );
        },
      ),
      runs(3500),
    );
    expect(await ready()).toBe(200);

    // 3. The GET routes with hostile ids, paths and methods.
    await fc.assert(
      fc.asyncProperty(
        getRequest,
        fc.option(fc.nat(), { freq: 2 }),
        auth.read,
        async ([route, generated, suffix, method], jobIndex, credential) => {
          const own = jobIndex !== null && storedJobs.length > 0;
          const segment = own ? storedJobs[jobIndex % storedJobs.length]! : generated;
          // Held to the credential's status only where the route is surely matched and the id valid.
          const exact =
            method === 'GET' &&
            suffix === '' &&
            (route === '/v1/ingestions/' || route === '/v1/results/') &&
            uuidSegment.test(segment);
          const allowed = exact
            ? own
              ? credential.expect?.ownJob
              : credential.expect?.unknownJob
            : undefined;
          return check(
            `${method} ${route}${segment}${suffix}${describeCredential(credential)}`.slice(0, 300),
            await rawRequest(base, {
              method,
              path: `${route}${segment}${suffix}`,
              headers: credential.headers,
            }),
            false,
            allowed,
          );
        },
      ),
      runs(2500),
    );

    // 4. Hand-picked extremes.
    const big = (n: number) => 'x'.repeat(n);
    const valid = (payload: string) =>
      `{"tenantId":"acme","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z","payload":${payload}}]}`;
    const deep = '['.repeat(400_000) + ']'.repeat(400_000);
    const extremes: Array<[string, { headers?: Record<string, string>; body: string | Buffer }]> = [
      ['oversize body (2 MB)', { body: valid(JSON.stringify(big(2_000_000))) }],
      ['oversize payload (40 KB)', { body: valid(JSON.stringify(big(40_000))) }],
      [
        '3,000 events',
        {
          body: JSON.stringify({
            tenantId: 'a',
            events: Array.from({ length: 3000 }, () => ({ type: 't', timestamp: '2024-05-01T12:00:00Z' })),
          }),
        },
      ],
      ['huge tenantId', { body: JSON.stringify({ tenantId: big(900_000), events: [] }) }],
      ['nesting 400,000 deep', { body: valid(deep) }],
      [
        'nesting 400,000 deep, with Idempotency-Key',
        { headers: { 'idempotency-key': 'deep' }, body: valid(deep) },
      ],
      [
        'unknown property nested 400,000 deep, with Idempotency-Key',
        {
          headers: { 'idempotency-key': 'deep-extra' },
          body: `{"tenantId":"a","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z"}],"extra":${deep}}`,
        },
      ],
      [
        'nesting 60 deep, with Idempotency-Key',
        { headers: { 'idempotency-key': 'deep60' }, body: valid('['.repeat(60) + ']'.repeat(60)) },
      ],
      ['number 1e400', { body: valid('1e400') }],
      [
        'NUL in tenantId',
        { body: '{"tenantId":"a\\u0000","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z"}]}' },
      ],
      [
        'NUL in type',
        { body: '{"tenantId":"a","events":[{"type":"\\u0000","timestamp":"2024-05-01T12:00:00Z"}]}' },
      ],
      [
        'lone surrogate in type',
        { body: '{"tenantId":"a","events":[{"type":"\\ud800","timestamp":"2024-05-01T12:00:00Z"}]}' },
      ],
      ['lone surrogate in payload', { body: valid('"\\udc00"') }],
      ['lone surrogate in payload key', { body: valid('{"\\ud800":1}') }],
      [
        'lone surrogate in tenantId',
        { body: '{"tenantId":"\\ud800","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z"}]}' },
      ],
      [
        'lone surrogate in Idempotency-Key body',
        { headers: { 'idempotency-key': 'sur' }, body: valid('"\\ud800"') },
      ],
      ['year 0', { body: '{"tenantId":"a","events":[{"type":"t","timestamp":"0000-01-01T00:00:00Z"}]}' }],
      [
        'year 1 with +23:59',
        { body: '{"tenantId":"a","events":[{"type":"t","timestamp":"0001-01-01T00:00:00+23:59"}]}' },
      ],
      [
        'leap second',
        { body: '{"tenantId":"a","events":[{"type":"t","timestamp":"2016-12-31T23:59:60Z"}]}' },
      ],
      [
        'leap second at year end 9999',
        { body: '{"tenantId":"a","events":[{"type":"t","timestamp":"9999-12-31T23:59:60-23:59"}]}' },
      ],
      [
        'BOM before JSON',
        { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid('1'))]) },
      ],
      [
        'UTF-16 body',
        {
          headers: { 'content-type': 'application/json; charset=utf-16' },
          body: Buffer.from(valid('1'), 'utf16le'),
        },
      ],
      ['empty body', { body: '' }],
      ['whitespace body', { body: '   ' }],
      ['no content-type', { headers: { 'content-type': '' }, body: valid('1') }],
      [
        'duplicate keys',
        {
          body: '{"tenantId":"a","tenantId":1,"events":[],"events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z"}]}',
        },
      ],
      [
        'prototype pollution',
        {
          body: '{"tenantId":"a","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z"}],"__proto__":{"admin":true}}',
        },
      ],
      ['constructor.prototype', { body: '{"tenantId":"a","events":[],"constructor":{"prototype":{"x":1}}}' }],
    ];
    // In keys mode the extremes go with acme's write key, so they reach the body checks.
    const extremeCredential = fc
      .sample(auth.submit, { numRuns: 200, seed })
      .find((c) => c.name === 'write' || c.name === 'none')!;
    const extremeAnswers: Record<string, number> = {};
    for (const [name, { headers, body: sent }] of extremes) {
      // With keys, tenant "a" is acme, the write key's tenant: the extremes still reach the body checks.
      const body =
        mode === 'keys' && typeof sent === 'string'
          ? sent.replace('"tenantId":"a"', '"tenantId":"acme"')
          : sent;
      const answer = await rawRequest(base, {
        method: 'POST',
        path: '/v1/ingestions',
        headers: { 'content-type': 'application/json', ...extremeCredential.headers, ...headers },
        body,
      });
      check(`extreme: ${name}`, answer, Buffer.byteLength(body) > maxBodyBytes);
      extremeAnswers[name] = answer.status;
    }

    // 5. Compressed bodies: every coding, the ones decoded and the ones refused, intact and broken
    // (truncated, a flipped byte, trailing garbage, compressed as another coding than named).
    let compressedRequests = 0;
    const validText = fc
      .nat(10_000)
      .map((n) => JSON.stringify(batchFor(n, mode === 'keys' ? 'acme' : undefined)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(bodyText, validText),
        fc.constantFrom(...codings),
        corruption,
        auth.submit,
        async (text, coding, how, credential) => {
          const plain = Buffer.from(text);
          const body = corrupt(compress(plain, coding), plain, how);
          compressedRequests += 1;
          const refusedCoding = !decodes(coding) && body.length > 0;
          return check(
            `POST ${JSON.stringify(coding)} ${how?.op ?? 'intact'} ${text.slice(0, 150)}${describeCredential(credential)}`,
            remember(
              await rawRequest(base, {
                method: 'POST',
                path: '/v1/ingestions',
                headers: {
                  'content-type': 'application/json',
                  'content-encoding': coding,
                  ...credential.headers,
                },
                body,
              }),
              credential,
            ),
            false,
            credential.expect?.submit ?? (refusedCoding ? [415] : undefined),
          );
        },
      ),
      runs(1500),
    );
    expect(await ready()).toBe(200);

    // Compression bombs: 200 MB of spaces in each coding, each refused within a few milliseconds of the
    // limit with the API's memory unmoved. Peak resident memory from /proc (VmHWM).
    const memoryMb = (field: 'VmRSS' | 'VmHWM') =>
      Math.round(
        Number(
          new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(
            readFileSync(`/proc/${service.child.pid}/status`, 'utf8'),
          )![1],
        ) / 1024,
      );
    const peakBeforeBombs = memoryMb('VmHWM');
    const bombAnswers: Record<string, string> = {};
    for (const [name, coding, body] of compressionBombs(200)) {
      const started = performance.now();
      const answer = await rawRequest(base, {
        method: 'POST',
        path: '/v1/ingestions',
        headers: {
          'content-type': 'application/json',
          'content-encoding': coding,
          ...extremeCredential.headers,
        },
        body,
      });
      // gzip inside gzip is decoded once: what is left is not JSON.
      check(`bomb: ${name}`, answer, false, name.startsWith('gzip of') ? [400] : [413]);
      bombAnswers[name] =
        `${answer.status} in ${Math.round(performance.now() - started)} ms (${body.length} bytes)`;
    }
    const peakAfterBombs = memoryMb('VmHWM');
    expect(await ready()).toBe(200);

    // 6. Cross-origin requests and preflights with hostile Origin headers, on the /v1 routes and on
    // every path that must never answer CORS (admin API, documents, health, metrics, the dashboard).
    let crossOriginRequests = 0;
    let crossOriginAllowed = 0;
    const corsJob = storedJobs[0] ?? '00000000-0000-0000-0000-000000000000';
    await fc.assert(
      fc.asyncProperty(
        corsPath(corsJob),
        fc.constantFrom('OPTIONS', 'OPTIONS', 'GET', 'POST'),
        fc.option(originValue, { freq: 8, nil: undefined }),
        fc.option(fc.oneof(fc.constantFrom('POST', 'GET', 'DELETE', 'get', ' post '), headerValue), {
          freq: 6,
          nil: undefined,
        }),
        fc.option(headerValue, { nil: undefined }),
        auth.submit,
        auth.read,
        fc.nat(10_000),
        async (path, method, origin, requestedMethod, requestHeaders, submitter, reader, n) => {
          const credential = method === 'POST' ? submitter : reader;
          const headers: Record<string, string | string[]> = { ...credential.headers };
          if (origin !== undefined) headers.origin = origin;
          if (requestedMethod !== undefined) headers['access-control-request-method'] = requestedMethod;
          if (requestHeaders !== undefined) headers['access-control-request-headers'] = requestHeaders;
          if (method === 'POST') headers['content-type'] = 'application/json';
          const answer = await rawRequest(base, {
            method,
            path,
            headers,
            ...(method === 'POST'
              ? { body: JSON.stringify(batchFor(n, mode === 'keys' ? 'acme' : undefined)) }
              : {}),
          });
          crossOriginRequests += 1;
          if (answer.headers['access-control-allow-origin'] !== undefined) crossOriginAllowed += 1;
          const what = `${method} ${path} Origin ${JSON.stringify(origin?.slice(0, 80))} ${JSON.stringify(requestedMethod?.slice(0, 40))}${describeCredential(credential)}`;
          check(what, answer);
          const problems =
            answer.status > 0
              ? corsProblems(
                  { method, path, origin: headers.origin as string | undefined, requestedMethod },
                  answer,
                )
              : [];
          if (problems.length > 0 && tally.violations.length < 50)
            tally.violations.push(`${what}: ${problems.join(', ')} → ${answer.status}`);
          return true;
        },
      ),
      runs(1500),
    );

    const readyAtEnd = await ready();
    const seconds = Math.round((Date.now() - started) / 1000);
    const errorsLogged = (service.output().match(/"msg":"unhandled error"/g) ?? []).length;
    recordFigures(mode === 'none' ? '5. hostile input' : '5. hostile input, AUTH_MODE=keys', {
      seed,
      requests: tally.requests,
      seconds,
      answers: JSON.stringify(tally.byStatus),
      answers5xx: Object.entries(tally.byStatus)
        .filter(([status]) => Number(status) >= 500)
        .reduce((sum, [, count]) => sum + count, 0),
      violations: tally.violations.length,
      refusedByClientLibrary: tally.refusedByClient,
      closedEarlyOnOversizeBody: tally.resetAfterOversize,
      unhandledErrorsLogged: errorsLogged,
      readyAtEnd,
      extremes: JSON.stringify(extremeAnswers),
      compressedRequests,
      bombs: JSON.stringify(bombAnswers),
      apiPeakRssMbBeforeAndAfterBombs: `${peakBeforeBombs} → ${peakAfterBombs}`,
      crossOriginRequests,
      crossOriginAnswersWithCors: crossOriginAllowed,
    });
    const unhandled = service
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"unhandled error"'))
      .map((line) => {
        const entry = JSON.parse(line) as { err?: { type?: string; message?: string; code?: string } };
        return `${entry.err?.type} ${entry.err?.code ?? ''} ${entry.err?.message?.slice(0, 200)}`;
      });
    expect({ violations: tally.violations, unhandled }).toEqual({ violations: [], unhandled: [] });
    expect(tally.requests).toBeGreaterThanOrEqual(10_000 * Math.min(scale, 1));
    expect(errorsLogged).toBe(0);
    expect(readyAtEnd).toBe(200);
    // A bomb decompressed whole would take 200 MB.
    expect(peakAfterBombs - peakBeforeBombs).toBeLessThan(20);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
