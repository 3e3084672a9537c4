// `npm run client:types`: writes the client's types generated from the OpenAPI document (clientTypes.ts).
import { writeFileSync } from 'node:fs';
import { clientTypesFile, clientTypesText } from './clientTypes.js';

writeFileSync(clientTypesFile, await clientTypesText());
process.stdout.write(`wrote ${clientTypesFile}\n`);
