import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CorsConfig } from '../../config/corsConfig.js';
import { answerPreflight, corsAllowedHeaders, preflightMaxAgeSeconds, type CorsPolicy } from '../cors.js';
import { emptyResponse, problemResponse } from '../schemas/responses.js';

/** The /v1 paths a page may call, and what each of their methods does. */
const corsPaths: Array<{ url: string; operationId: string; methods: Partial<Record<string, CorsPolicy>> }> = [
  { url: '/v1/ingestions', operationId: 'preflightIngestions', methods: { POST: 'submit', GET: 'read' } },
  { url: '/v1/ingestions/:jobId', operationId: 'preflightIngestion', methods: { GET: 'read' } },
  { url: '/v1/results/:jobId', operationId: 'preflightResults', methods: { GET: 'read' } },
];

const PreflightHeadersSchema = Type.Object({
  origin: Type.Optional(Type.String({ description: 'The page asking; sent by the browser.' })),
  'access-control-request-method': Type.Optional(
    Type.String({ description: 'The method the page means to send.', examples: ['POST'] }),
  ),
  'access-control-request-headers': Type.Optional(
    Type.String({ description: 'The headers it means to send.', examples: ['authorization,content-type'] }),
  ),
});

const preflightAnswered = emptyResponse(
  'The origin may send the request: the browser keeps this answer for Access-Control-Max-Age seconds. ' +
    'An OPTIONS without Origin is answered with Allow alone.',
  {
    'Access-Control-Allow-Origin': Type.String({ description: 'The Origin asked for, echoed.' }),
    'Access-Control-Allow-Methods': Type.String({ description: 'The methods this origin may use here.' }),
    'Access-Control-Allow-Headers': Type.String({
      description: 'The request headers a page may send.',
      examples: [corsAllowedHeaders.join(', ')],
    }),
    'Access-Control-Max-Age': Type.Integer({
      description: 'Seconds the browser may reuse this answer.',
      examples: [preflightMaxAgeSeconds],
    }),
    Allow: Type.String({
      description: 'The methods of the path (plain OPTIONS).',
      examples: ['OPTIONS, GET'],
    }),
  },
);

/**
 * OPTIONS on the /v1 paths: the CORS preflight browsers send before a request with an API key or a JSON
 * body from another origin. Registered whether or not CORS_ALLOWED_ORIGINS is set, so a page (and its
 * developer) learns why it is refused. The admin routes have none: they never answer CORS.
 */
export const preflightRoutes: FastifyPluginAsyncTypebox<{ cors: CorsConfig }> = async (app, { cors }) => {
  for (const { url, operationId, methods } of corsPaths) {
    app.options(
      url,
      {
        logLevel: 'warn',
        schema: {
          operationId,
          tags: ['Browsers'],
          summary: `CORS preflight of ${url.replace(':jobId', '{jobId}')}`,
          description:
            'Answered for origins listed in CORS_ALLOWED_ORIGINS (and, for POST /v1/ingestions only, any ' +
            'origin when it lists *). A key made with --origin is further refused with 403 on the request ' +
            'itself from any other origin.',
          headers: PreflightHeadersSchema,
          ...(url.includes(':jobId') ? { params: Type.Object({ jobId: Type.String() }) } : {}),
          response: {
            204: preflightAnswered,
            403: problemResponse(
              'The origin may not call this path: it is not in CORS_ALLOWED_ORIGINS (or the setting is off).',
            ),
            405: problemResponse(
              'The path does not answer the method asked for: Allow lists those it does.',
              {
                Allow: Type.String({ description: 'The methods of the path.', examples: ['OPTIONS, GET'] }),
              },
            ),
          },
        },
      },
      async (request, reply) => answerPreflight(cors, methods, request, reply),
    );
  }
};
