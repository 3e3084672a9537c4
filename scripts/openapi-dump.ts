// Writes the OpenAPI document the API serves at /openapi.json to a file (or stdout), for the linter in CI
// and for anyone who wants it without running the service (see openapiDocument.ts for how it is built).
//
//   npx tsx scripts/openapi-dump.ts [OUTPUT_FILE]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openApiDocument } from './openapiDocument.js';

const text = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
const output = process.argv[2];
if (output) {
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, text);
} else process.stdout.write(text);
