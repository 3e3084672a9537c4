// The client's request and response types, generated from the OpenAPI document with openapi-typescript:
// the /v1 routes a client calls (not the admin API, not the CORS preflights, which browsers send on
// their own). `npm run client:types` writes them to client/src/generated/openapi.ts; a test regenerates
// them and fails when the committed file differs, so the client's types cannot drift from the API.
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from './openapiDocument.js';

/** Where the generated types are committed. */
export const clientTypesFile = 'client/src/generated/openapi.ts';

const header = `// Generated from the service's OpenAPI document by \`npm run client:types\` (scripts/clientTypes.ts)
// with openapi-typescript. Do not edit: a test fails when this file differs from a fresh generation.
`;

/** The text of the generated types, for the document as this checkout's API serves it. */
export async function clientTypesText(): Promise<string> {
  const document = await openApiDocument();
  const paths = Object.fromEntries(
    Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/v1/') || path === '/v1')
      .map(([path, item]) => [
        path,
        Object.fromEntries(Object.entries(item).filter(([m]) => m !== 'options')),
      ]),
  );
  const ast = await openapiTS({ ...document, paths } as unknown as Parameters<typeof openapiTS>[0], {
    silent: true,
  });
  return header + astToString(ast);
}
