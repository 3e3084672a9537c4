import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { jsonResponse } from '../../src/api/schemas/responses.js';
import { HealthySchema } from '../../src/api/schemas/health.js';
import { OpenApiConformance, type ObservedResponse } from '../support/openapiConformance.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp, event } from '../support/testApp.js';

const db = useTestDatabase();
let app: FastifyInstance;
let conformance: OpenApiConformance;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking an arbitrary JSON document
type Json = any;
let document: Json;

beforeAll(async () => {
  app = await buildTestApp(db);
  // A route that answers a status its schema does not declare, to prove the check catches it. It is
  // added like any route, so it is in the document, with its 200 only.
  app.get(
    '/test/teapot',
    { schema: { operationId: 'teapot', response: { 200: jsonResponse('Fine.', HealthySchema) } } },
    // Typed loosely on purpose: the route's types would refuse the status its schema does not declare.
    async (_request, reply) => (reply as FastifyReply).code(418).send({ status: 'Healthy' }),
  );
  conformance = await OpenApiConformance.fromApp(app);
  document = conformance.document;
});
afterAll(async () => {
  await app.close();
});

/** Every value in the document, with its JSON path. */
function* walk(node: Json, path = '#'): Generator<[string, Json]> {
  yield [path, node];
  if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) yield* walk(value, `${path}/${key}`);
  }
}

const operations = () =>
  Object.entries(document.paths as Record<string, Record<string, Json>>)
    .filter(([path]) => !path.startsWith('/test/'))
    .flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1: nullable fields are anyOf with type null, examples stay arrays, no 3.0 keywords', () => {
    expect(document.openapi).toBe('3.1.0');
    const nodes = [...walk(document)];
    expect(nodes.filter(([path]) => path.endsWith('/nullable'))).toEqual([]);
    const processedAt =
      document.paths['/v1/ingestions/{jobId}'].get.responses['200'].content['application/json'].schema
        .properties.processedAt;
    expect(processedAt.anyOf).toContainEqual({ type: 'null' });
    const examples = nodes.filter(([path]) => path.endsWith('/examples') && !path.includes('/content/'));
    expect(examples.length).toBeGreaterThan(0);
    for (const [, value] of examples) expect(Array.isArray(value)).toBe(true);
    // Every schema compiles in JSON Schema 2020-12, strict mode (the constructor compiled the components).
    for (const [path, value] of nodes) {
      if (path.endsWith('/schema') && value.$ref === undefined)
        expect(() => conformance['validator'](value)).not.toThrow();
    }
  });

  it('has the info a reader needs: license, servers, tags with descriptions', () => {
    expect(document.info).toMatchObject({
      title: expect.any(String),
      license: { name: 'MIT', identifier: 'MIT' },
    });
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(document.tags.map((tag: Json) => tag.name)).toEqual(['Ingestion', 'Browsers', 'Health', 'admin']);
  });

  it('gives every operation an id, a tag, a summary and a description', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.sort()).toEqual([
      'adminCancelJob',
      'adminCancelJobs',
      'adminCreateWebhook',
      'adminDeleteWebhook',
      'adminEnableWebhook',
      'adminGetJob',
      'adminGetJobWebhooks',
      'adminListJobs',
      'adminListTenants',
      'adminListWebhooks',
      'adminListWorkers',
      'adminOverview',
      'adminPauseProcessing',
      'adminPauseTenant',
      'adminResendWebhook',
      'adminResumeProcessing',
      'adminResumeTenant',
      'adminRetryJob',
      'adminRetryJobs',
      'adminRotateWebhookSecret',
      'adminRunJobNow',
      'getIngestion',
      'getLiveness',
      'getReadiness',
      'getResults',
      'listIngestions',
      'preflightIngestion',
      'preflightIngestions',
      'preflightResults',
      'submitIngestion',
    ]);
    for (const { operation } of operations()) {
      expect(operation).toMatchObject({
        tags: [expect.any(String)],
        summary: expect.any(String),
        description: expect.any(String),
      });
    }
  });

  it('documents X-Correlation-Id on every answer, problem+json for every error, Retry-After on every 503', () => {
    for (const { operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        expect(Object.keys(response.headers)).toContain('X-Correlation-Id');
        if (Number(status) >= 400) {
          expect(response.content).toEqual({
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          });
        }
        if (status === '503' && operation.operationId !== 'getReadiness') {
          expect(Object.keys(response.headers)).toContain('Retry-After');
        }
      }
    }
  });

  it('lists every answer of each operation', () => {
    const statuses = Object.fromEntries(
      operations().map(({ operation }) => [operation.operationId, Object.keys(operation.responses)]),
    );
    expect(statuses).toEqual({
      submitIngestion: ['202', '400', '408', '413', '415', '422', '429', '500', '503'],
      getIngestion: ['200', '400', '404', '414', '429', '500', '503'],
      getResults: ['200', '400', '404', '414', '500', '503'],
      listIngestions: ['200', '400', '500', '503'],
      preflightIngestions: ['204', '403', '405'],
      preflightIngestion: ['204', '403', '405'],
      preflightResults: ['204', '403', '405'],
      getLiveness: ['200'],
      getReadiness: ['200', '503'],
      adminListJobs: ['200', '400', '401', '403', '500', '503'],
      adminGetJob: ['200', '400', '401', '403', '404', '414', '500', '503'],
      adminRetryJob: ['200', '400', '401', '403', '404', '409', '414', '500', '503'],
      adminCancelJob: ['200', '400', '401', '403', '404', '409', '414', '500', '503'],
      adminRetryJobs: ['200', '400', '401', '403', '408', '500', '503'],
      adminOverview: ['200', '401', '403', '500', '503'],
      adminRunJobNow: ['200', '400', '401', '403', '404', '409', '414', '500', '503'],
      adminCancelJobs: ['200', '400', '401', '403', '500', '503'],
      adminListTenants: ['200', '400', '401', '403', '500', '503'],
      adminPauseTenant: ['200', '400', '401', '403', '414', '500', '503'],
      adminResumeTenant: ['200', '400', '401', '403', '414', '500', '503'],
      adminPauseProcessing: ['200', '401', '403', '500', '503'],
      adminResumeProcessing: ['200', '401', '403', '500', '503'],
      adminListWorkers: ['200', '401', '403', '500', '503'],
      adminCreateWebhook: ['201', '400', '401', '403', '500', '503'],
      adminListWebhooks: ['200', '401', '403', '500', '503'],
      adminDeleteWebhook: ['200', '400', '401', '403', '404', '500', '503'],
      adminRotateWebhookSecret: ['200', '400', '401', '403', '404', '500', '503'],
      adminEnableWebhook: ['200', '400', '401', '403', '404', '500', '503'],
      adminGetJobWebhooks: ['200', '400', '401', '403', '404', '500', '503'],
      adminResendWebhook: ['200', '400', '401', '403', '404', '409', '500', '503'],
    });
    const accepted = document.paths['/v1/ingestions'].post.responses['202'];
    expect(Object.keys(accepted.headers)).toEqual(['X-Correlation-Id', 'Location', 'Idempotent-Replayed']);
  });
});

describe('the conformance check', () => {
  it('fails a request whose route answers a status the document lacks', async () => {
    await expect(app.inject({ method: 'GET', url: '/test/teapot' })).rejects.toThrow(
      /GET \/test\/teapot \(teapot\) answered 418: the document lists only 200/,
    );
  });

  const accepted: ObservedResponse = {
    method: 'POST',
    url: '/v1/ingestions',
    status: 202,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-correlation-id': 'c-1',
      location: '/v1/ingestions/3f0c2a4e-8f53-4f0b-9c55-2e0e5e7d8a61',
    },
    body: JSON.stringify({ jobId: '3f0c2a4e-8f53-4f0b-9c55-2e0e5e7d8a61' }),
  };

  it('passes a conforming answer', () => {
    expect(() => conformance.check(accepted)).not.toThrow();
  });

  it.each<[string, Partial<ObservedResponse>, RegExp]>([
    ['an undocumented status', { status: 201 }, /answered 201: the document lists only 202, 400/],
    [
      'a content type the status does not list',
      {
        status: 400,
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'c-1' },
        body: JSON.stringify({ type: 'about:blank', title: 't', status: 400, detail: 'd' }),
      },
      /content type application\/json is not among the documented application\/problem\+json/,
    ],
    ['a body off its schema', { body: JSON.stringify({ jobId: 'not-a-uuid' }) }, /must match format "uuid"/],
    [
      'a header the status does not document',
      { headers: { ...accepted.headers, 'retry-after': '5' } },
      /sent the header retry-after, which the document does not list/,
    ],
    [
      'a missing correlation id',
      { headers: { 'content-type': 'application/json' } },
      /sent no X-Correlation-Id/,
    ],
    ['a non-JSON body', { body: '<html>' }, /the body is not JSON/],
    ['an unknown route that answers other than 404', { url: '/v2/x', status: 200 }, /only a 404 problem/],
  ])('fails %s', (_, change, message) => {
    expect(() => conformance.check({ ...accepted, ...change })).toThrow(message);
  });

  it('checks the answers the API really gives: 414 for an overlong jobId, health probes unmoved by odd input', async () => {
    // Each of these goes through the checking inject of buildTestApp: it throws if the answer does not conform.
    expect((await app.inject({ method: 'GET', url: `/v1/ingestions/${'a'.repeat(2000)}` })).statusCode).toBe(
      414,
    );
    expect((await app.inject({ method: 'GET', url: '/v1/results/%zz' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/health/live?x=%zz' })).statusCode).toBe(200);
    const withBody = await app.inject({
      method: 'GET',
      url: '/health/ready',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(withBody.statusCode).toBe(200);
    const posted = await app.inject({
      method: 'POST',
      url: '/v1/ingestions',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'conformance' },
      payload: { tenantId: 'acme', events: [event()] },
    });
    expect(posted.statusCode).toBe(202);
  });
});
