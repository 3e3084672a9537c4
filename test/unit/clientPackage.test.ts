// The client package (client/): its types are what the OpenAPI document generates today, and it stands
// alone: no import of the server's code, no runtime dependency, nothing Node-only imported (it runs in
// browsers too).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../support/files.js';
import { clientTypesFile, clientTypesText } from '../../scripts/clientTypes.js';

describe('the client package', () => {
  it('has the types the OpenAPI document generates (run npm run client:types after changing the API)', async () => {
    const committed = readFileSync(clientTypesFile, 'utf8').split('\n');
    const generated = (await clientTypesText()).split('\n');
    const first = generated.findIndex((line, i) => line !== committed[i]);
    expect(
      first === -1 && committed.length === generated.length
        ? 'same'
        : `line ${first + 1}: ${generated[first]}`,
      `${clientTypesFile} is out of date: run npm run client:types`,
    ).toBe('same');
  }, 60_000);

  it('imports only its own files: not the server, not a package, not a Node.js module', () => {
    const imports = filesUnder('client/src', '.ts').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map(
        (match) => ({
          file,
          target: match[1]!,
        }),
      ),
    );
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter(({ target }) => !target.startsWith('./') && !target.startsWith('../'))).toEqual([]);
    expect(imports.filter(({ target }) => target.includes('/src/') || target.startsWith('../../'))).toEqual(
      [],
    );
  });

  it('has no runtime dependencies and is publishable', () => {
    const manifest = JSON.parse(readFileSync('client/package.json', 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.private).toBeUndefined();
    expect(manifest).toMatchObject({
      name: '@ingest-service/client',
      type: 'module',
      files: ['dist', 'README.md'],
    });
  });
});
