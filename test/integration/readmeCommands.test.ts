import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/connectionString.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

// The README's commands, run as a reader would run them, so they stay true. The README's "Writing docs"
// section describes the markers: `<!-- doc-test: service -->` before a block that starts the service
// (the test starts it itself, on a free port and this file's database), `<!-- doc-test: NAME -->` before
// a block that bash runs against it; each NAME has its expectations below.

/** What each named block must print (stdout and stderr together), besides exiting 0. */
const expectations: Record<string, RegExp[]> = {
  'try-it': [
    /HTTP\/1\.1 202 Accepted/,
    /location: \/v1\/ingestions\/[0-9a-f-]{36}/i,
    /"status":"Succeeded"/,
    /"eventType":"clicked","count":2,/,
    /"eventType":"viewed","count":1,/,
  ],
  keys: [
    /ik_admin_/,
    /\{"jobId":"[0-9a-f-]{36}"\}/,
    /"tenantId":"acme"/,
    /"status":"Succeeded"/,
    /"results":\[\{"eventType":"clicked","count":1,/,
  ],
};

interface Block {
  marker: string;
  code: string;
}

/** The README's marked blocks, in order. */
function markedBlocks(readme: string): Block[] {
  const blocks: Block[] = [];
  for (const match of readme.matchAll(/<!-- doc-test: ([\w-]+) -->\s*\n```(\w*)\n([\s\S]*?)\n```/g)) {
    const [, marker, language, code] = match;
    if (language !== 'bash') throw new Error(`doc-test ${marker}: the block must be a bash block`);
    blocks.push({ marker: marker!, code: code! });
  }
  return blocks;
}

/** The `VAR=value` assignments written before `npm start` in a service block. */
function serviceEnvironment(code: string): Record<string, string> {
  const line = code.split('\n').find((text) => /^(\w+=\S+\s+)*npm start\b/.test(text.trim()));
  if (!line) throw new Error(`a service block must hold a line that runs npm start:\n${code}`);
  return Object.fromEntries(
    [...line.trim().matchAll(/(\w+)=(\S+)\s+/g)].map(([, name, value]) => [name!, value!]),
  );
}

/** A direct URL to the test database: the README's set-up, not a transaction pooler. */
function directUrl(config: DatabaseConfig): string {
  const password = config.password ? `:${encodeURIComponent(config.password)}` : '';
  return `postgres://${encodeURIComponent(config.user)}${password}@${config.host}:${config.port}/${config.database}`;
}

/** Runs a block with bash in the repository, as a reader's shell would, and collects what it printed. */
async function runBlock(code: string, env: Record<string, string>) {
  const child = spawn('bash', ['-c', `set -euo pipefail\n${code}`], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { exitCode, output };
}

const db = useTestDatabase();
let service: ServiceProcess | undefined;

afterAll(async () => {
  await service?.stop();
});

describe("the README's commands", () => {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = markedBlocks(readme);

  it('are marked: a service block first, and expectations for every other block', () => {
    expect(blocks[0]?.marker).toBe('service');
    const named = blocks.filter((block) => block.marker !== 'service').map((block) => block.marker);
    expect(named.sort()).toEqual(Object.keys(expectations).sort());
  });

  it('run against a real service and print what they promise', { timeout: 120_000 }, async () => {
    const databaseUrl = directUrl(db.listenConfig);
    let baseUrl = '';
    for (const block of blocks) {
      if (block.marker === 'service') {
        await service?.stop();
        const port = await freePort();
        service = startProcess('src/entry/main.ts', {
          ...serviceEnvironment(block.code),
          DATABASE_URL: databaseUrl,
          HOST: '127.0.0.1',
          PORT: String(port),
        });
        baseUrl = `http://127.0.0.1:${port}`;
        await waitForOutput(service, /ingest service listening/, 60_000);
        continue;
      }
      const code = block.code.replaceAll('http://localhost:8080', baseUrl);
      const { exitCode, output } = await runBlock(code, { DATABASE_URL: databaseUrl });
      expect(exitCode, `block ${block.marker} exited ${exitCode}:\n${output}`).toBe(0);
      for (const pattern of expectations[block.marker]!)
        expect(output, `block ${block.marker}: ${pattern}`).toMatch(pattern);
    }
  });
});
