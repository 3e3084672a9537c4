import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

// Checks answers the tests receive against the OpenAPI document the service serves: the status must be
// documented for the operation, the content type must be one the document lists for that status, the
// body must validate against its schema (JSON Schema 2020-12, as OpenAPI 3.1 says), and the headers the
// document promises must be there and valid, while the service's own headers may not appear undocumented.

/** An answer as a client saw it. */
export interface ObservedResponse {
  method: string;
  /** The request's path, with or without a query string. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, { schema?: unknown; description?: string }>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * Paths the service serves on purpose without documenting them: the document itself, its page, and the
 * dashboard's pages (HTML for people; the data they show comes through the documented admin API).
 */
const undocumentedPaths = [/^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/ui(\/.*)?$/];

/**
 * Headers the service sets itself. A response carrying one that the document does not list for its
 * status is a gap in the document. X-Correlation-Id is on every answer, so every response documents it.
 */
const serviceHeaders = ['x-correlation-id', 'location', 'retry-after', 'idempotent-replayed'];

// ajv-formats is CommonJS; its function is also its .default, which is what the types describe.
const addFormats = addFormatsPlugin.default;

const componentBase = 'https://ingest.test/openapi.json#/components/schemas/';

/** Rewrites the document's local references so Ajv finds the components, which are added by that id. */
function withAbsoluteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withAbsoluteRefs);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
        ? [key, componentBase + value.slice('#/components/schemas/'.length)]
        : [key, withAbsoluteRefs(value)],
    ),
  );
}

/** The document, compiled once, and the check of one answer against it. */
export class OpenApiConformance {
  private readonly ajv = new Ajv2020({ strict: true, allErrors: true });
  private readonly validators = new Map<unknown, ValidateFunction>();
  private readonly routes: { template: string; pattern: RegExp }[];

  constructor(readonly document: OpenApiDocument) {
    if (!document.openapi.startsWith('3.1')) throw new Error(`expected OpenAPI 3.1, got ${document.openapi}`);
    addFormats(this.ajv);
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      this.ajv.addSchema(withAbsoluteRefs(schema) as object, componentBase + name);
    }
    this.routes = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`,
      ),
    }));
  }

  /** Reads the document the app serves, as a client would. */
  static async fromApp(app: FastifyInstance): Promise<OpenApiConformance> {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
    return new OpenApiConformance(response.json());
  }

  /** The schema a status of an operation promises, compiled once. */
  private validator(schema: unknown): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(withAbsoluteRefs(schema) as object);
      this.validators.set(schema, validate);
    }
    return validate;
  }

  /** The answer an unknown route gets: the not-found handler's problem document. */
  private notFoundResponse(): ResponseObject {
    return {
      description: 'No such route',
      headers: { 'X-Correlation-Id': { schema: { type: 'string' } } },
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }

  /** Throws an Error that says what in `observed` the document does not allow. */
  check(observed: ObservedResponse): void {
    const path = observed.url.split('?')[0]!;
    if (undocumentedPaths.some((pattern) => pattern.test(path))) return;
    const method = observed.method.toLowerCase();
    // The template that has this method: /admin/jobs/retry is POST /admin/jobs/retry, not the GET of
    // /admin/jobs/{jobId} that its shape also matches.
    const template = this.routes.find(
      (route) => route.pattern.test(path) && this.document.paths[route.template]![method] !== undefined,
    )?.template;
    const operation = template === undefined ? undefined : this.document.paths[template]![method];
    const where = operation
      ? `${observed.method.toUpperCase()} ${template} (${operation.operationId ?? 'no operationId'})`
      : `${observed.method.toUpperCase()} ${path} (no such operation)`;
    const fail = (message: string): never => {
      throw new Error(`OpenAPI conformance: ${where} answered ${observed.status}: ${message}`);
    };

    let documented: ResponseObject | undefined;
    if (!operation) {
      // Fastify answers an unknown path or method from the not-found handler, not from a route.
      if (observed.status !== 404) fail('only a 404 problem is expected where no operation is documented');
      documented = this.notFoundResponse();
    } else {
      documented = operation.responses[String(observed.status)] ?? operation.responses['default'];
      if (!documented) {
        fail(
          `the document lists only ${Object.keys(operation.responses).join(', ')} for this operation; ` +
            'add the status to the route schema (src/api/schemas/responses.ts has the helpers)',
        );
      }
    }
    const response = documented!;

    const header = (name: string) => {
      const value = observed.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
    };

    const documentedHeaders = Object.keys(response.headers ?? {}).map((name) => name.toLowerCase());
    for (const name of serviceHeaders) {
      if (header(name) !== undefined && !documentedHeaders.includes(name)) {
        fail(`it sent the header ${name}, which the document does not list for this status`);
      }
    }
    if (header('x-correlation-id') === undefined) fail('it sent no X-Correlation-Id');
    for (const [name, definition] of Object.entries(response.headers ?? {})) {
      const value = header(name);
      if (value === undefined || definition.schema === undefined) continue;
      const schema = definition.schema as { type?: string };
      // Header values are text; a documented integer is compared as the number it spells.
      const typed = schema.type === 'integer' || schema.type === 'number' ? Number(value) : value;
      const validate = this.validator(definition.schema);
      if (!validate(typed)) fail(`header ${name}: ${this.ajv.errorsText(validate.errors)} (got ${value})`);
    }

    const contentType = header('content-type')?.split(';')[0]?.trim();
    if (!response.content) {
      if (observed.body.length > 0) fail(`the document lists no body, but one was sent (${contentType})`);
      return;
    }
    const media = contentType === undefined ? undefined : response.content[contentType];
    if (!media) {
      fail(
        `content type ${contentType ?? '(none)'} is not among the documented ` +
          `${Object.keys(response.content).join(', ')}`,
      );
    }
    if (media!.schema === undefined) return;
    let body: unknown;
    try {
      body = JSON.parse(observed.body);
    } catch {
      fail(`the body is not JSON: ${observed.body.slice(0, 200)}`);
    }
    const validate = this.validator(media!.schema);
    if (!validate(body)) {
      fail(
        `the body does not match the schema: ${this.ajv.errorsText(validate.errors)}\n${observed.body.slice(0, 500)}`,
      );
    }
  }
}

const documents = new Map<string, Promise<OpenApiConformance>>();

/**
 * A `fetch` against a running service whose answer is checked against the document that service serves;
 * returns the answer with its body already read, as text.
 */
export async function checkedFetch(
  baseUrl: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  let loading = documents.get(baseUrl);
  if (!loading) {
    loading = fetch(`${baseUrl}/openapi.json`)
      .then((answer) => answer.json())
      .then((document) => new OpenApiConformance(document as OpenApiDocument));
    documents.set(baseUrl, loading);
  }
  const conformance = await loading;
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  conformance.check({
    method: init.method ?? 'GET',
    url: path,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: text,
  });
  return { status: response.status, headers: response.headers, text };
}

/** An inject answer as an observed response. */
export function observedInject(options: InjectOptions, response: LightMyRequestResponse): ObservedResponse {
  return {
    method: options.method ?? 'GET',
    url: typeof options.url === 'string' ? options.url : String(options.path),
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
  };
}

/**
 * Makes every `app.inject(options)` of the tests check its answer against the app's own document: the
 * request that got an undocumented answer fails, saying what the document lacks.
 */
export function checkInjectedResponses(app: FastifyInstance): void {
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<LightMyRequestResponse>;
  let conformance: Promise<OpenApiConformance> | undefined;
  const checked = async (options: InjectOptions): Promise<LightMyRequestResponse> => {
    if (typeof options !== 'object' || options === null) {
      throw new Error('Call app.inject with an options object in tests, so its answer can be checked.');
    }
    const response = await inject(options);
    conformance ??= inject({ method: 'GET', url: '/openapi.json' }).then(
      (document) => new OpenApiConformance(document.json()),
    );
    (await conformance).check(observedInject(options, response));
    return response;
  };
  (app as unknown as { inject: typeof checked }).inject = checked;
}
