import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../config/serviceVersion.js';
import { corsExposedHeaders } from './cors.js';
import { ProblemSchema } from './schemas/problem.js';

/** Where the document is served. */
export const openapiPath = '/openapi.json';

const description = `
Accepts batches of events for a tenant, stores them in PostgreSQL before answering \`202 Accepted\`, and
aggregates them by type in the background; the status and results of each job can then be read.

- Every answer carries \`X-Correlation-Id\`: the one the request sent, else a new one. Every log line of
  the request carries it too.
- Every error is \`application/problem+json\` (RFC 9457) with \`type\`, \`title\`, \`status\` and a
  \`detail\` saying what to fix; invalid fields are listed in \`errors\`, from field path to messages.
- With \`AUTH_MODE=keys\`, every \`/v1\` request carries an API key (\`Authorization: Bearer <key>\`; see each
  operation's security): no usable key is a \`401\` with \`WWW-Authenticate\`, a key of the wrong kind or
  tenant a \`403\`, and another tenant's job a \`404\`, as an unknown one.
- A \`503\` always comes with \`Retry-After\`; nothing was stored, and the request can be sent again
  (with the same \`Idempotency-Key\` to be safe). The one exception is a \`503\` titled \`Outcome unknown\`:
  the database did not confirm whether the batch was stored, and \`jobId\` names the job it has if it was.

This document is generated at start from the same schemas that validate requests, with the limits this
instance was configured with. The interactive page is at [/docs](/docs).
`.trim();

/**
 * Timestamps are validated with the format rfc3339-date-time (stricter than Ajv's date-time: an offset
 * is required, as PostgreSQL reads it); readers and client generators know it as JSON Schema's
 * date-time, which is RFC 3339's, so the document says that. The description states the rest.
 */
function publishFormats(node: unknown): void {
  if (Array.isArray(node)) node.forEach(publishFormats);
  else if (node !== null && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    if (schema.format === 'rfc3339-date-time') schema.format = 'date-time';
    Object.values(schema).forEach(publishFormats);
  }
}

/**
 * Fastify validates header names lowercased; the document spells them as clients write them
 * (idempotency-key → Idempotency-Key).
 */
function publishHeaderNames(document: { paths?: Record<string, unknown> }): void {
  for (const item of Object.values(document.paths ?? {}) as Record<string, { parameters?: unknown }>[]) {
    for (const operation of Object.values(item)) {
      for (const parameter of (operation.parameters ?? []) as { in: string; name: string }[]) {
        if (parameter.in === 'header') {
          parameter.name = parameter.name.replace(
            /(^|-)([a-z])/g,
            (_, dash: string, letter: string) => dash + letter.toUpperCase(),
          );
        }
      }
    }
  }
}

/** The options of @fastify/swagger: the document's fixed parts; the routes add the rest. */
const swaggerOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Ingest service',
      version: packageVersion(),
      description,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the document describes the instance that serves it, wherever that is deployed.
    servers: [{ url: '/', description: 'The instance serving this document' }],
    // Said explicitly: with AUTH_MODE=none the public API takes no credentials; with keys, each operation
    // names its own.
    security: [],
    tags: [
      { name: 'Ingestion', description: 'Submit batches of events and follow their jobs to the results.' },
      {
        name: 'Browsers',
        description:
          'CORS preflights: pages of the origins CORS_ALLOWED_ORIGINS lists may call the /v1 routes (any page ' +
          'may submit when it lists *); every /v1 answer to such a page carries Access-Control-Allow-Origin ' +
          `and exposes ${corsExposedHeaders.join(', ')}.`,
      },
      { name: 'Health', description: 'Probes for load balancers and orchestrators.' },
      {
        name: 'admin',
        description:
          'Operators: inspect, retry, cancel and run jobs now; tenants by backlog, worker processes; pause ' +
          'and resume a tenant or all processing (docs/admin.md).',
      },
    ],
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An admin API key (ik_admin_…) with AUTH_MODE=keys, or ADMIN_TOKEN; with neither, the admin API ' +
            'is open on loopback only, to requests addressed to localhost, 127.0.0.1 or [::1] that come ' +
            'from no other site and through no proxy.',
        },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'AUTH_MODE=keys: an API key (`npm run keys -- create`). ik_write_… submits for its tenant, ' +
            "ik_read_… reads its tenant's jobs and results, ik_admin_… reads any job and uses the admin API.",
        },
        apiKeyBasic: {
          type: 'http',
          scheme: 'basic',
          description:
            'POST /v1/ingestions only: a write key as the user name and an empty password (the convention ' +
            "of Segment's SDKs).",
        },
      },
    },
  },
  transformObject: (documentObject) => {
    const document =
      'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
    publishFormats(document);
    publishHeaderNames(document);
    return document;
  },
  // Shared schemas become components named by their $id (Problem) instead of def-0, def-1.
  refResolver: {
    buildLocalReference: (json, _baseUri, _fragment, index) =>
      typeof json.$id === 'string' ? json.$id : `def-${index}`,
  },
};

/**
 * Collects the routes registered after it into an OpenAPI 3.1 document, served at GET /openapi.json.
 * Register it before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, swaggerOptions);
  app.get(openapiPath, { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
}
